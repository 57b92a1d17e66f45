/** Runs commands on the worker's own machine: the demo inventory's "hosts". */
import { spawn } from 'node:child_process';
import { copyFile, stat } from 'node:fs/promises';
import { lineSplitter, OutputTail, type DownloadOptions, type ExecOptions, type ExecResult, type HostExecutor } from './executor';

export class LocalExecutor implements HostExecutor {
  constructor(private readonly cwd: string = process.cwd()) {}

  exec(command: string, options: ExecOptions): Promise<ExecResult> {
    return new Promise((resolve, reject) => {
      // Own process group, so a timeout or cancel kills the whole command tree.
      const child = spawn('bash', ['-c', command], {
        cwd: this.cwd,
        env: { ...process.env, ...options.env },
        detached: true,
        stdio: ['ignore', 'pipe', 'pipe'],
      });
      const stdout = new OutputTail(options.stdoutLimit);
      const stderr = new OutputTail();
      const lines = lineSplitter(options.onLine);
      let timedOut = false;
      const kill = () => {
        try {
          if (child.pid) process.kill(-child.pid, 'SIGKILL');
        } catch {
          /* already gone */
        }
      };
      const timer = setTimeout(() => {
        timedOut = true;
        kill();
      }, options.timeoutMs);
      options.signal?.addEventListener('abort', kill, { once: true });
      child.stdout.setEncoding('utf8').on('data', (c: string) => {
        stdout.push(c);
        lines.push(c);
      });
      child.stderr.setEncoding('utf8').on('data', (c: string) => stderr.push(c));
      child.on('error', (err) => {
        clearTimeout(timer);
        reject(err);
      });
      child.on('close', (code) => {
        clearTimeout(timer);
        options.signal?.removeEventListener('abort', kill);
        lines.end();
        resolve({ code: timedOut || options.signal?.aborted ? null : code, stdout: stdout.toString(), stderr: stderr.toString(), timedOut });
      });
    });
  }

  async download(remotePath: string, localPath: string, options: DownloadOptions = {}): Promise<number> {
    options.signal?.throwIfAborted();
    await copyFile(remotePath, localPath);
    const { size } = await stat(localPath);
    options.onProgress?.(size);
    return size;
  }

  async close(): Promise<void> {}
}
