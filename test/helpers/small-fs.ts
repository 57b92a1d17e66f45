/** A size-limited tmpfs the test mounts (as root, or with passwordless sudo), for the disk-space guard. */
import { execFileSync } from 'node:child_process';
import { mkdtempSync, rmSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';

export interface SmallFs {
  dir: string;
  remove(): void;
}

function privileged(args: string[]) {
  const root = process.getuid?.() === 0;
  try {
    execFileSync(root ? args[0] : 'sudo', root ? args.slice(1) : ['-n', ...args], { stdio: 'pipe' });
  } catch (err) {
    throw new Error(`could not run "${args.join(' ')}" (the disk-guard test mounts a small tmpfs: run the tests as root or with passwordless sudo): ${(err as Error).message}`);
  }
}

export function mountSmallFs(sizeMiB: number): SmallFs {
  const dir = mkdtempSync(path.join(os.tmpdir(), 'dutydesk-smallfs-'));
  privileged(['mount', '-t', 'tmpfs', '-o', `size=${sizeMiB}m,mode=1777`, 'tmpfs', dir]);
  return {
    dir,
    remove() {
      privileged(['umount', dir]);
      rmSync(dir, { recursive: true, force: true });
    },
  };
}
