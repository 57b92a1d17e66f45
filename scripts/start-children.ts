/**
 * The child processes of `npm start`: each one's whole output goes to a log
 * file of its own in the data folder; the terminal shows only dutydesk's own
 * lines (what is starting, what is ready, what went wrong), so the banner stays
 * the last thing on screen and a stop does not scroll it away with the dev
 * server's shutdown chatter. DUTYDESK_VERBOSE=1 shows everything as well.
 */
import { spawn, type ChildProcess } from 'node:child_process';
import { createWriteStream, existsSync, mkdirSync, readFileSync, renameSync, type WriteStream } from 'node:fs';
import path from 'node:path';
import { createInterface } from 'node:readline';

export interface Child {
  name: string;
  proc: ChildProcess;
  logFile: string;
  /** Resolves with the first line the child prints that matches, or rejects when it exits first. */
  lineMatching(pattern: RegExp): Promise<string>;
}

/** Lines the terminal shows: dutydesk's own messages, whichever process prints them. */
const OWN_LINE = /^dutydesk\b/;
const TAIL_LINES = 15;

export class Children {
  readonly list: Child[] = [];
  /** Set once stopping: from then on the terminal shows nothing of the children. */
  quiet = false;

  constructor(
    private readonly root: string,
    private readonly logDir: string,
    private readonly verbose = process.env.DUTYDESK_VERBOSE === '1',
  ) {
    mkdirSync(logDir, { recursive: true });
  }

  run(name: string, command: string, args: string[], env: NodeJS.ProcessEnv, onExit: (child: Child, why: string) => void): Child {
    const logFile = path.join(this.logDir, `${name}.log`);
    // The run before keeps its log, once.
    if (existsSync(logFile)) renameSync(logFile, path.join(this.logDir, `${name}.previous.log`));
    const log = createWriteStream(logFile, { flags: 'w' });
    const proc = spawn(command, args, { cwd: this.root, env: { ...process.env, ...env }, stdio: ['ignore', 'pipe', 'pipe'] });
    const watchers: { pattern: RegExp; resolve: (line: string) => void; reject: (err: Error) => void }[] = [];
    const onLine = (line: string) => {
      if (!this.quiet && (this.verbose || OWN_LINE.test(line))) console.log(line);
      for (const w of watchers.splice(0)) {
        if (w.pattern.test(line)) w.resolve(line);
        else watchers.push(w);
      }
    };
    for (const stream of [proc.stdout!, proc.stderr!]) {
      stream.pipe(log, { end: false });
      createInterface({ input: stream }).on('line', onLine);
    }
    const child: Child = {
      name,
      proc,
      logFile,
      lineMatching: (pattern) =>
        new Promise((resolve, reject) => {
          if (proc.exitCode !== null || proc.signalCode !== null) reject(new Error(`${name} is not running`));
          else watchers.push({ pattern, resolve, reject });
        }),
    };
    // 'close', not 'exit': the last lines are in the log by then.
    proc.on('close', (code, signal) => {
      const why = String(signal ?? code);
      for (const w of watchers.splice(0)) w.reject(new Error(`${name} exited (${why})`));
      endLog(log).then(() => onExit(child, why), () => onExit(child, why));
    });
    this.list.push(child);
    return child;
  }

  find(name: string): Child | undefined {
    return this.list.find((c) => c.name === name);
  }

  /** The last lines of a child's log, for saying why it stopped. */
  tail(child: Child): string {
    const lines = readFileSync(child.logFile, 'utf8').trimEnd().split('\n');
    return lines.slice(-TAIL_LINES).map((l) => `  | ${l}`).join('\n');
  }

  /** Stops the named children in order, each with SIGTERM and, after ten seconds, SIGKILL. */
  async stopInOrder(names: string[]): Promise<void> {
    for (const name of names) {
      const child = this.find(name);
      if (!child || child.proc.exitCode !== null || child.proc.signalCode !== null) continue;
      child.proc.kill('SIGTERM');
      await new Promise<void>((resolve) => {
        const force = setTimeout(() => (child.proc.kill('SIGKILL'), resolve()), 10_000);
        child.proc.once('exit', () => (clearTimeout(force), resolve()));
      });
    }
  }
}

function endLog(log: WriteStream): Promise<void> {
  return new Promise((resolve, reject) => log.end((err?: Error | null) => (err ? reject(err) : resolve())));
}
