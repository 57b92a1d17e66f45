/**
 * The audit trail: every command, button press and API call, and every
 * refusal, as one JSON line (who, platform, chat, what, outcome, when) in
 * `<data>/audit.jsonl` and in the gateway's log. Lines are appended in order
 * by one writer; the text of a command is kept short and never holds secrets
 * (commands carry none; ticket texts are not logged, only their titles' command).
 */
import { appendFile, readFile } from 'node:fs/promises';
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
}

/** Longest command text kept: enough to see what was asked, not a pasted document. */
const WHAT_LIMIT = 200;

export class AuditTrail {
  private writing: Promise<void> = Promise.resolve();

  constructor(
    private readonly file: string,
    private readonly log: (line: string) => void = console.log,
  ) {
    mkdirSync(path.dirname(file), { recursive: true });
  }

  record(entry: Omit<AuditEntry, 'at'>): Promise<void> {
    const line: AuditEntry = { at: new Date().toISOString(), ...entry, what: oneLine(entry.what), ...(entry.detail ? { detail: oneLine(entry.detail) } : {}) };
    const text = JSON.stringify(line);
    this.log(`dutydesk audit: ${text}`);
    // One append at a time, so lines never interleave; a failed write is said, never thrown at the person.
    this.writing = this.writing.then(() => appendFile(this.file, `${text}\n`, { mode: 0o600 })).catch((err: Error) => this.log(`dutydesk audit: cannot write ${this.file}: ${err.message}`));
    return this.writing;
  }

  /** The newest entries that match, newest last. */
  async search(match: (e: AuditEntry) => boolean, limit: number): Promise<AuditEntry[]> {
    await this.writing;
    let text = '';
    try {
      text = await readFile(this.file, 'utf8');
    } catch {
      return [];
    }
    const found: AuditEntry[] = [];
    for (const line of text.split('\n').reverse()) {
      if (!line) continue;
      try {
        const entry = JSON.parse(line) as AuditEntry;
        if (match(entry)) found.push(entry);
      } catch {
        /* a torn last line after a crash */
      }
      if (found.length >= limit) break;
    }
    return found.reverse();
  }
}

function oneLine(text: string): string {
  const flat = text.replace(/\s+/g, ' ').trim();
  return flat.length > WHAT_LIMIT ? `${flat.slice(0, WHAT_LIMIT)}…` : flat;
}
