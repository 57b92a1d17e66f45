/**
 * The port through which every host operation runs a command. Adapters: SSH
 * (real hosts) and local (the demo inventory, on the worker's own machine).
 */
export interface ExecOptions {
  timeoutMs: number;
  /** Aborting stops the command (the step was cancelled or the activity timed out). */
  signal?: AbortSignal;
  env?: Record<string, string>;
  /** Called with each complete line of standard output, as it arrives. */
  onLine?: (line: string) => void;
  /** Characters of standard output kept (the last ones); default 4000, enough to say why a step failed. */
  stdoutLimit?: number;
}

export interface ExecResult {
  /** Exit code; null when the command was killed (timeout or abort). */
  code: number | null;
  stdout: string;
  stderr: string;
  timedOut: boolean;
}

export interface DownloadOptions {
  signal?: AbortSignal;
  /** Bytes copied so far, called as the copy goes. */
  onProgress?: (bytes: number) => void;
}

export interface HostExecutor {
  exec(command: string, options: ExecOptions): Promise<ExecResult>;
  /** Copies a file from the host to a local path (SFTP for SSH hosts); resolves with its size. */
  download(remotePath: string, localPath: string, options?: DownloadOptions): Promise<number>;
  close(): Promise<void>;
}

/** Keeps the last part of a command's output, enough to say why it failed without flooding chat. */
export class OutputTail {
  private text = '';
  constructor(private readonly limit = 4000) {}
  push(chunk: string) {
    this.text = (this.text + chunk).slice(-this.limit);
  }
  toString() {
    return this.text;
  }
}

/** Splits a stream into lines for onLine, keeping a partial last line until it completes. */
export function lineSplitter(onLine?: (line: string) => void): { push(chunk: string): void; end(): void } {
  let pending = '';
  return {
    push(chunk) {
      if (!onLine) return;
      pending += chunk;
      const lines = pending.split('\n');
      pending = lines.pop() ?? '';
      lines.forEach((l) => onLine(l.replace(/\r$/, '')));
    },
    end() {
      if (onLine && pending) onLine(pending);
      pending = '';
    },
  };
}
