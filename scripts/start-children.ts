/**
 * The child processes of `npm start`: each one's whole output goes to a log
 * file of its own in the data folder; the terminal shows only dutydesk's own
 * lines (what is starting, what is ready, what went wrong), so the banner stays
 * the last thing on screen and a stop does not scroll it away with the dev
 * server's shutdown chatter. DUTYDESK_VERBOSE=1 shows everything as well.
 */
import { spawn, spawnSync, type ChildProcess } from 'node:child_process';
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

/** A child ended before the line it was waited on for: its exit is told (with its last lines) where it is noticed. */
export class ChildExited extends Error {}

/**
 * Linux's setpriv, when there, starts each child with a parent-death signal, so
 * a supervisor killed outright (SIGKILL) takes its children with it.
 */
const SETPRIV = spawnSync('setpriv', ['--pdeathsig', 'TERM', '--', 'true'], { stdio: 'ignore' }).status === 0;

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
    // A process group of its own: the terminal's Ctrl-C reaches only the supervisor, which stops the children in order.
    const [file, argv] = SETPRIV ? ['setpriv', ['--pdeathsig', 'TERM', '--', command, ...args]] : [command, args];
    const proc = spawn(file, argv, { cwd: this.root, env: { ...process.env, ...env }, stdio: ['ignore', 'pipe', 'pipe'], detached: true });
    const watchers: { pattern: RegExp; resolve: (line: string) => void; reject: (err: Error) => void }[] = [];
    const onLine = (line: string) => {
      // Control characters stay in the log: a line from outside must not rewrite the terminal.
      if (!this.quiet && (this.verbose || OWN_LINE.test(line))) console.log(line.replace(/[\u0000-\u0008\u000b-\u001f\u007f-\u009f]/g, '?'));
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
          if (proc.exitCode !== null || proc.signalCode !== null) reject(new ChildExited(`${name} is not running`));
          else watchers.push({ pattern, resolve, reject });
        }),
    };
    // 'close', not 'exit': the last lines are in the log by then.
    proc.on('close', (code, signal) => {
      const why = String(signal ?? code);
      for (const w of watchers.splice(0)) w.reject(new ChildExited(`${name} exited (${why})`));
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
      if (!child || !running(child)) continue;
      signalGroup(child, 'SIGTERM');
      await new Promise<void>((resolve) => {
        const force = setTimeout(() => (signalGroup(child, 'SIGKILL'), resolve()), 10_000);
        child.proc.once('exit', () => (clearTimeout(force), resolve()));
      });
    }
  }

  /** Ends every child at once (a second Ctrl-C: no more waiting). */
  killAll(): void {
    for (const child of this.list) if (running(child)) signalGroup(child, 'SIGKILL');
  }
}

function running(child: Child): boolean {
  return child.proc.exitCode === null && child.proc.signalCode === null;
}

/** The child's whole process group, so a wrapper script's own children go too. */
function signalGroup(child: Child, signal: NodeJS.Signals): void {
  try {
    process.kill(-(child.proc.pid as number), signal);
  } catch {
    child.proc.kill(signal);
  }
}

function endLog(log: WriteStream): Promise<void> {
  return new Promise((resolve, reject) => log.end((err?: Error | null) => (err ? reject(err) : resolve())));
}
