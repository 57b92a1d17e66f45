/**
 * A real OpenSSH sshd on a loopback port, with generated host and client keys,
 * acting as the managed host in tests. Stopped by the test that started it.
 */
import { execFileSync, spawn, type ChildProcess } from 'node:child_process';
import { existsSync, mkdirSync, mkdtempSync, readdirSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { freePort, waitFor } from './wait';
import net from 'node:net';

export interface Sshd {
  port: number;
  user: string;
  /** Private key file the worker logs in with. */
  keyFile: string;
  /** "SHA256:..." of the host key, to test host key checking. */
  hostKeyFingerprint: string;
  /** The host's public key file (host_key.pub), for known_hosts files. */
  hostKeyFile: string;
  /** The same host on the same port with a new host key (a reinstall, or a machine pretending to be it). */
  rotateHostKey(): Promise<void>;
  /** A folder for the test's host-side scripts and logs. */
  dir: string;
  stop(): Promise<void>;
}

const SSHD = '/usr/sbin/sshd';
if (!existsSync(SSHD)) throw new Error(`${SSHD} is missing: run the tests with "npm test", which installs openssh-server`);

export async function startSshd(): Promise<Sshd> {
  const dir = mkdtempSync(path.join(os.tmpdir(), 'dutydesk-sshd-'));
  const user = os.userInfo().username;
  const hostKey = path.join(dir, 'host_key');
  const newHostKey = () => {
    rmSync(hostKey, { force: true });
    rmSync(`${hostKey}.pub`, { force: true });
    execFileSync('ssh-keygen', ['-q', '-t', 'ed25519', '-N', '', '-f', hostKey]);
    return execFileSync('ssh-keygen', ['-l', '-E', 'sha256', '-f', `${hostKey}.pub`], { encoding: 'utf8' }).split(' ')[1];
  };
  let fingerprint = newHostKey();
  execFileSync('ssh-keygen', ['-q', '-t', 'ed25519', '-N', '', '-f', path.join(dir, 'client_key')]);
  writeFileSync(path.join(dir, 'authorized_keys'), readFileSync(path.join(dir, 'client_key.pub')), { mode: 0o600 });
  if (process.getuid?.() === 0) mkdirSync('/run/sshd', { recursive: true, mode: 0o755 });
  const port = await freePort();
  writeFileSync(
    path.join(dir, 'sshd_config'),
    [
      `Port ${port}`,
      'ListenAddress 127.0.0.1',
      `HostKey ${path.join(dir, 'host_key')}`,
      `AuthorizedKeysFile ${path.join(dir, 'authorized_keys')}`,
      `PidFile ${path.join(dir, 'sshd.pid')}`,
      'PasswordAuthentication no',
      'KbdInteractiveAuthentication no',
      'PermitRootLogin prohibit-password',
      'StrictModes no',
      'UsePAM no',
      'Subsystem sftp internal-sftp',
      'LogLevel ERROR',
    ].join('\n') + '\n',
  );
  const start = async () => {
    const started: ChildProcess = spawn(SSHD, ['-D', '-e', '-f', path.join(dir, 'sshd_config')], { stdio: ['ignore', 'ignore', 'pipe'] });
    let stderr = '';
    started.stderr?.on('data', (c) => (stderr += c));
    await waitFor(
      () =>
        new Promise<boolean>((resolve) => {
          if (started.exitCode !== null) throw new Error(`sshd exited: ${stderr}`);
          const s = net.connect({ host: '127.0.0.1', port });
          s.once('connect', () => (s.destroy(), resolve(true)));
          s.once('error', () => resolve(false));
        }),
      `sshd on 127.0.0.1:${port}`,
      10_000,
    );
    return started;
  };
  const halt = async () => {
    if (proc.exitCode !== null || proc.signalCode !== null) return;
    const exited = new Promise((r) => proc.once('exit', r));
    proc.kill('SIGTERM');
    await exited;
  };
  /**
   * sshd's own per-connection processes outlive it: ending them drops the clients' open connections.
   * All of them, not only its children: the unprivileged grandchild holds the connection's socket too.
   */
  const endSessions = () => {
    for (const pid of descendantsOf(proc.pid as number)) {
      try {
        process.kill(pid, 'SIGKILL');
      } catch {
        /* already gone */
      }
    }
  };
  let proc = await start();
  return {
    port,
    user,
    keyFile: path.join(dir, 'client_key'),
    get hostKeyFingerprint() {
      return fingerprint;
    },
    hostKeyFile: `${hostKey}.pub`,
    dir,
    async rotateHostKey() {
      endSessions();
      await halt();
      fingerprint = newHostKey();
      proc = await start();
    },
    async stop() {
      await halt();
      rmSync(dir, { recursive: true, force: true });
    },
  };
}

/** Processes below `pid`, children first (Linux /proc). */
function descendantsOf(pid: number): number[] {
  const children = childrenOf(pid);
  return [...children, ...children.flatMap(descendantsOf)];
}

/** Processes whose parent is `pid` (Linux /proc). */
function childrenOf(pid: number): number[] {
  return readdirSync('/proc')
    .filter((d) => /^\d+$/.test(d))
    .filter((d) => {
      try {
        // "pid (comm) state ppid …": comm may hold spaces, so read after its closing parenthesis.
        const stat = readFileSync(`/proc/${d}/stat`, 'utf8');
        return Number(stat.slice(stat.lastIndexOf(')') + 2).split(' ')[1]) === pid;
      } catch {
        return false;
      }
    })
    .map(Number);
}
