/**
 * A heap dump of a JVM with a big heap, end to end through the dump workflow
 * over a real sshd on loopback: time per step and in total, and the SFTP
 * fetch's throughput against a plain `scp` of the same file in the same run.
 * Target: the fetch within 20% of scp.
 *   npm run bench:dumps -- [heapMiB=1024]
 */
import { execFileSync } from 'node:child_process';
import { mkdirSync, readdirSync, rmSync, statSync } from 'node:fs';
import path from 'node:path';
import { formatDuration } from '../lib/duration';
import { formatSize } from '../lib/size';
import type { DumpProgress } from '../workflows/dump/definitions';
import { baseConfig, startDesk } from '../test/helpers/desk';
import { startJvm } from '../test/helpers/jvm';
import { startSshd } from '../test/helpers/sshd';
import { waitFor } from '../test/helpers/wait';
import { runBench } from './stats';

const [heapMiB = 1024] = process.argv.slice(2).map(Number);

async function main() {
  const sshd = await startSshd();
  console.log(`starting a JVM holding ${heapMiB} MiB of incompressible heap…`);
  // Twice the data: G1 needs room beside a heap this full of live objects.
  const jvm = await startJvm({ heapMiB, maxHeap: `${heapMiB * 2}m` });
  const dumpDir = path.join(sshd.dir, 'dumps');
  const localDir = path.join(sshd.dir, 'worker-dumps');
  mkdirSync(localDir);
  const desk = await startDesk(
    baseConfig(
      {
        jvm1: {
          address: '127.0.0.1',
          port: sshd.port,
          user: sshd.user,
          privateKey: { file: sshd.keyFile },
          hostKey: sshd.hostKeyFingerprint,
          groups: ['test'],
          // Kept on the host after the fetch, so scp can copy the very same file.
          services: { app: { steps: [{ name: 'noop', run: 'true' }], java: { match: jvm.match, dumpDir, reserve: '64MiB', removeAfterFetch: false } } },
        },
      },
      {
        roles: { viewer: { can: ['status'] }, engineer: { can: ['status'] }, lead: { can: ['status', 'dump'], hostGroups: ['*'] } },
        dumps: { dir: localDir },
      },
    ),
  );
  try {
    const t0 = performance.now();
    await desk.say('bob', 'dm-bob', 'dump heap jvm1 app');
    const handle = desk.env.client.workflow.getHandle('dump-jvm1-app');
    await waitFor(() => handle.describe().then(() => true, () => false), 'the dump workflow to start');
    const progress = (await handle.result()) as DumpProgress;
    const total = performance.now() - t0;
    const fetched = progress.fetched!;

    console.log(`heap dump of a ${heapMiB} MiB heap: ${formatSize(fetched.size)} compressed (gzip -1)`);
    for (const s of progress.steps) {
      const ms = (s.finishedAt ?? 0) - (s.startedAt ?? 0);
      console.log(`  ${s.name.padEnd(9)} ${formatDuration(ms).padStart(10)}  ${s.detail ?? ''}`);
    }
    console.log(`  total     ${formatDuration(total).padStart(10)}  (command to result)`);

    const fetchStep = progress.steps.find((s) => s.name === 'fetch')!;
    const stepMs = fetchStep.finishedAt! - fetchStep.startedAt!;
    const transferMs = fetched.transferMs ?? stepMs;
    const remote = path.join(dumpDir, readdirSync(dumpDir).find((n) => n.endsWith('.gz'))!);
    const copy = path.join(sshd.dir, 'scp-copy.gz');
    const s0 = performance.now();
    execFileSync('scp', ['-q', '-P', String(sshd.port), '-i', sshd.keyFile, '-o', 'StrictHostKeyChecking=no', '-o', 'UserKnownHostsFile=/dev/null', `${sshd.user}@127.0.0.1:${remote}`, copy]);
    const scpMs = performance.now() - s0;
    if (statSync(copy).size !== fetched.size) throw new Error('scp copied a different size');
    const mibps = (ms: number) => (fetched.size / 1024 ** 2 / (ms / 1000)).toFixed(0);
    console.log(`transfer of ${formatSize(fetched.size)}:`);
    console.log(`  SFTP transfer                 ${formatDuration(transferMs).padStart(8)}  ${mibps(transferMs)} MiB/s`);
    console.log(`  plain scp of the same file    ${formatDuration(scpMs).padStart(8)}  ${mibps(scpMs)} MiB/s`);
    console.log(`  SHA-256 check of the copy     ${formatDuration(stepMs - transferMs).padStart(8)}  (scp checks nothing)`);
    const ratio = transferMs / scpMs;
    console.log(`  transfer / scp: ${ratio.toFixed(2)}  (target <= 1.20: ${ratio <= 1.2 ? 'met' : 'MISSED'}); whole fetch step / scp: ${(stepMs / scpMs).toFixed(2)}`);
    rmSync(copy, { force: true });
  } finally {
    await desk.stop();
    await jvm.stop();
    await sshd.stop();
  }
}

runBench(main);
