/**
 * The audit trail: every command, button press and API call, and every
 * refusal, as one JSON line (who, platform, chat, what, outcome, when) in
 * `<data>/audit.jsonl` and in the gateway's log. Lines are appended in order
 * by one writer; the text of a command is kept short and never holds secrets
 * (commands carry none; ticket texts are not logged, only their titles' command).
 *
 * Bounded on disk: past `maxBytes` the file becomes `audit.jsonl.1` (older ones
 * shift to .2 … .keep, the oldest dropped) and a new one starts. Bounded in
 * memory: `search` reads the files newest first, a chunk at a time from the
 * end, and stops once it has enough. Strangers' floods are folded: see record().
 */
import { appendFile, open, rename, unlink, type FileHandle } from 'node:fs/promises';
import { mkdirSync } from 'node:fs';
import path from 'node:path';

export type AuditOutcome = 'done' | 'refused' | 'failed' | 'unknown';

export interface AuditEntry {
  at: string;
  /** The dutydesk user, or "<platform>:<id>" for someone unknown. */
  who: string;
  /** web, telegram, slack, or api. */
  platform: string;
  chat?: string;
  /** "restart web1", "button restart.approve:restart-web1", "GET /api/v1/ola". */
  what: string;
  outcome: AuditOutcome;
  /** Why it was refused or failed. */
  detail?: string;
  /** On a summary line only: this many more refusals like this one came in the window after the first was written, the last at `at`. */
  repeats?: number;
}

export interface AuditOptions {
  /** The current file is rotated before a line would take it past this many bytes (default 50 MiB). */
  maxBytes?: number;
  /** Old files kept, .1 (newest) to .keep (default 5). */
  keep?: number;
  /** How much search reads at a time (default 1 MiB). */
  chunkBytes?: number;
  /** A stranger's identical refusals within this window are written once and counted (default 60 s). */
  repeatWindowMs?: number;
}

/** Longest command text kept: enough to see what was asked, not a pasted document. */
const WHAT_LIMIT = 200;
const MIB = 1024 * 1024;
/** Strangers are "<platform>:<id>"; configured user ids cannot hold ":", so this never matches a known user. */
const STRANGER = /^(api|web|telegram|slack):/;
/** Sources whose repeats are counted at once; past this, lines are written unmerged (memory stays bounded, rotation bounds the disk). */
const MAX_SOURCES = 1000;
/** No audit line is this long (what and detail are cut to 200): a longer one is skipped, so a file without newlines never fills memory. */
const MAX_LINE = 64 * 1024;
/** search's `since` stops this far before it, so a clock stepped back a little loses no line. */
const CLOCK_SLACK_MS = 5 * 60_000;
const EMPTY = Buffer.alloc(0);

export class AuditTrail {
  /** The one chain of file work (appends, rotations, search's opening of the files), so it happens in order. */
  private writing: Promise<void> = Promise.resolve();
  /** Bytes in the current file; undefined until measured, and again after a failure. */
  private size?: number;
  /** The current file ends without "\n" (a crash mid-write): the next line starts on a new one. */
  private tornTail = false;
  /** Per stranger's refusal: how many more came in its window, and the last of them. */
  private readonly repeats = new Map<string, { count: number; last?: AuditEntry }>();
  private readonly maxBytes: number;
  private readonly keep: number;
  private readonly chunkBytes: number;
  private readonly repeatWindowMs: number;

  constructor(
    private readonly file: string,
    private readonly log: (line: string) => void = console.log,
    options: AuditOptions = {},
  ) {
    mkdirSync(path.dirname(file), { recursive: true });
    this.maxBytes = options.maxBytes ?? 50 * MIB;
    this.keep = Math.max(0, options.keep ?? 5);
    this.chunkBytes = Math.max(1, options.chunkBytes ?? MIB);
    this.repeatWindowMs = options.repeatWindowMs ?? 60_000;
  }

  /**
   * Writes the line, except a stranger's repeated refusal: the first one
   * (same who, platform, chat, what and detail, outcome "refused") is written
   * at once and opens a window; the ones within it are only counted, and when
   * it closes one summary line (the last of them, with `repeats`) is written.
   * A steady flood thus costs two lines a window per source. Known users'
   * lines and other outcomes are never merged. Counts still open when the
   * process stops are lost, the first line of each stays.
   */
  record(entry: Omit<AuditEntry, 'at'>): Promise<void> {
    const line: AuditEntry = { at: new Date().toISOString(), ...entry, what: oneLine(entry.what), ...(entry.detail ? { detail: oneLine(entry.detail) } : {}) };
    const key = repeatKey(line);
    if (key !== undefined) {
      const seen = this.repeats.get(key);
      if (seen) {
        seen.count++;
        seen.last = line;
        return this.writing;
      }
      if (this.repeats.size < MAX_SOURCES) {
        this.repeats.set(key, { count: 0 });
        // unref: an open window never keeps the process alive.
        setTimeout(() => this.closeWindow(key), this.repeatWindowMs).unref();
      }
    }
    return this.write(line);
  }

  /** The newest entries that match, newest last; given `since` (ms), lines older than it end the search (files are in time order). */
  async search(match: (e: AuditEntry) => boolean, limit: number, since?: number): Promise<AuditEntry[]> {
    const found: AuditEntry[] = [];
    if (limit <= 0) return found;
    // Opened in the writer's turn: a handle follows its file through later renames, so a rotation meanwhile neither hides nor repeats lines.
    const files = await this.queue(() => this.openAll());
    try {
      search: for (const { handle, size } of files) {
        for await (const text of linesBackwards(handle, size, this.chunkBytes)) {
          let entry: AuditEntry;
          try {
            entry = JSON.parse(text) as AuditEntry;
          } catch {
            continue; // a torn line after a crash
          }
          if (!entry || typeof entry !== 'object') continue;
          if (since !== undefined && Date.parse(entry.at) < since - CLOCK_SLACK_MS) break search;
          if (match(entry)) found.push(entry);
          if (found.length >= limit) break search;
        }
      }
    } finally {
      await Promise.all(files.map((f) => f.handle.close().catch(() => undefined)));
    }
    return found.reverse();
  }

  private closeWindow(key: string) {
    const seen = this.repeats.get(key);
    this.repeats.delete(key);
    if (seen?.count && seen.last) void this.write({ ...seen.last, repeats: seen.count });
  }

  /** Logs the line and appends it in turn; a failed write is said, never thrown at the person. */
  private write(line: AuditEntry): Promise<void> {
    const text = JSON.stringify(line);
    this.log(`dutydesk audit: ${text}`);
    return this.queue(() => this.append(`${text}\n`)).catch((err: Error) => this.log(`dutydesk audit: cannot write ${this.file}: ${err.message}`));
  }

  private queue<T>(work: () => Promise<T>): Promise<T> {
    const done = this.writing.then(work);
    this.writing = done.then(
      () => undefined,
      () => undefined,
    );
    return done;
  }

  /** Rotates first when this line would pass the limit, so a line is never split across files. */
  private async append(text: string): Promise<void> {
    if (this.size === undefined) await this.measure();
    if (this.size! > 0 && this.size! + Buffer.byteLength(text) > this.maxBytes) {
      await this.rotate().catch((err: Error) => this.log(`dutydesk audit: cannot rotate ${this.file}: ${err.message}`));
      if (this.size === undefined) await this.measure(); // not rotated: go on in the same file, and try again next line
    }
    const body = this.tornTail ? `\n${text}` : text;
    try {
      await appendFile(this.file, body, { mode: 0o600 });
    } catch (err) {
      this.size = undefined;
      throw err;
    }
    this.size! += Buffer.byteLength(body);
    this.tornTail = false;
  }

  private async measure(): Promise<void> {
    this.size = 0;
    this.tornTail = false;
    let handle: FileHandle;
    try {
      handle = await open(this.file, 'r');
    } catch {
      return; // not there yet: the append creates it
    }
    try {
      const { size } = await handle.stat();
      const last = size > 0 ? await readAt(handle, size - 1, 1) : EMPTY;
      this.size = size;
      this.tornTail = last.length > 0 && last[0] !== 0x0a;
    } finally {
      await handle.close();
    }
  }

  /** .keep-1→.keep (over the oldest) … current→.1, each rename atomic: a crash between them leaves a gap in the numbers, never a split or doubled line. */
  private async rotate(): Promise<void> {
    this.size = undefined;
    for (let i = this.keep - 1; i >= 1; i--) await rename(this.older(i), this.older(i + 1)).catch(ignoreMissing);
    if (this.keep > 0) await rename(this.file, this.older(1));
    else await unlink(this.file);
    this.size = 0;
    this.tornTail = false;
  }

  private older(n: number): string {
    return `${this.file}.${n}`;
  }

  /** The current file and the old ones, newest first, each with its size now; missing ones (a gap a crash left) are skipped. */
  private async openAll(): Promise<{ handle: FileHandle; size: number }[]> {
    const files: { handle: FileHandle; size: number }[] = [];
    for (let n = 0; n <= this.keep; n++) {
      const handle = await open(n ? this.older(n) : this.file, 'r').catch(() => undefined);
      if (!handle) continue;
      const size = await handle.stat().then(
        (s) => s.size,
        () => undefined,
      );
      if (size === undefined) await handle.close().catch(() => undefined);
      else files.push({ handle, size });
    }
    return files;
  }
}

/** A key for refusals of one stranger that differ only in time; none for anything else, which is always written. */
function repeatKey(e: AuditEntry): string | undefined {
  if (e.outcome !== 'refused' || !STRANGER.test(e.who)) return undefined;
  return JSON.stringify([e.who, e.platform, e.chat, e.what, e.detail]);
}

/**
 * The lines in the first `size` bytes, last first, read `chunkBytes` at a time
 * from the end. Cut at "\n" bytes, which never occur inside a UTF-8 character,
 * and decoded whole, so a character split between chunks comes out right.
 */
async function* linesBackwards(handle: FileHandle, size: number, chunkBytes: number): AsyncGenerator<string> {
  let pos = size;
  let tail = EMPTY; // the end of a line whose start lies further back
  let overlong = false; // that line passed MAX_LINE: skipped up to its start
  while (pos > 0) {
    const length = Math.min(chunkBytes, pos);
    pos -= length;
    const chunk = await readAt(handle, pos, length);
    let end = chunk.length;
    let i = -1;
    while (end > 0 && (i = chunk.lastIndexOf(0x0a, end - 1)) >= 0) {
      const piece = chunk.subarray(i + 1, end);
      if (!overlong && piece.length + tail.length > 0) yield (tail.length ? Buffer.concat([piece, tail]) : piece).toString('utf8');
      tail = EMPTY;
      overlong = false;
      end = i;
    }
    if (!overlong && end > 0) {
      tail = Buffer.concat([chunk.subarray(0, end), tail]);
      if (tail.length > MAX_LINE) [tail, overlong] = [EMPTY, true];
    }
  }
  if (!overlong && tail.length) yield tail.toString('utf8');
}

async function readAt(handle: FileHandle, pos: number, length: number): Promise<Buffer> {
  const buffer = Buffer.alloc(length);
  let got = 0;
  while (got < length) {
    const { bytesRead } = await handle.read(buffer, got, length - got, pos + got);
    if (!bytesRead) break;
    got += bytesRead;
  }
  return buffer.subarray(0, got);
}

function ignoreMissing(err: NodeJS.ErrnoException): void {
  if (err.code !== 'ENOENT') throw err;
}

function oneLine(text: string): string {
  const flat = text.replace(/\s+/g, ' ').trim();
  return flat.length > WHAT_LIMIT ? `${flat.slice(0, WHAT_LIMIT)}…` : flat;
}
