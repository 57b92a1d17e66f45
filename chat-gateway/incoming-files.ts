/**
 * Files people send the bot (a request's XML, say): each platform adapter
 * saves one here before the command runs, under a name of our own, in a
 * folder the worker can read too (the shared data volume in docker-compose).
 * Kept a day; the size is limited while reading, not after.
 */
import { randomUUID } from 'node:crypto';
import { mkdir, rm, writeFile } from 'node:fs/promises';
import path from 'node:path';
import { pruneOlderThan } from '../activities/storage/prune';
import { readAtMost } from '../lib/read-at-most';
import { formatSize } from '../lib/size';

export interface IncomingFile {
  /** Where it was saved. */
  path: string;
  /** The name the sender gave it. */
  name: string;
  size: number;
}

/** The largest file the bot takes (Telegram's bots can download 20 MB at most). */
export const INCOMING_FILE_LIMIT = 20 * 1024 * 1024;
/** How long files people send are kept. */
export const KEEP_MS = 24 * 3_600_000;

export class FileTooBig extends Error {
  constructor(name: string, limit: number) {
    super(`${name} is bigger than ${formatSize(limit)}`);
  }
}

/** Saves the bytes (a buffer, or chunks as they arrive) and says where. */
export async function saveIncomingFile(dir: string, name: string, content: Buffer | AsyncIterable<Uint8Array>, limit = INCOMING_FILE_LIMIT): Promise<IncomingFile> {
  await mkdir(dir, { recursive: true });
  await pruneOlderThan(dir, KEEP_MS);
  const safe = path.basename(name).replace(/[^\w.-]+/g, '_').slice(-80) || 'file';
  const file = path.join(dir, `${randomUUID()}-${safe}`);
  const bytes = Buffer.isBuffer(content) ? content : await readAtMost(content, limit);
  if (!bytes || bytes.length > limit) throw new FileTooBig(name, limit);
  await writeFile(file, bytes).catch(async (err) => {
    await rm(file, { force: true });
    throw err;
  });
  return { path: file, name, size: bytes.length };
}

/** Downloads a file a person sent from the platform's URL (its size checked first when the platform says it) and saves it. */
export async function downloadIncomingFile(dir: string, source: { name: string; size?: number; url: string | URL; headers?: Record<string, string> }): Promise<IncomingFile> {
  if ((source.size ?? 0) > INCOMING_FILE_LIMIT) throw new FileTooBig(source.name, INCOMING_FILE_LIMIT);
  // No redirects: a platform that wants a login instead of the file answers with one.
  const res = await fetch(source.url, { headers: source.headers, redirect: 'manual' });
  if (res.status !== 200 || !res.body) throw new Error(`the download answered ${res.status}`);
  return saveIncomingFile(dir, source.name, res.body as unknown as AsyncIterable<Uint8Array>);
}

/** What to tell the person when their file could not be taken. */
export function fileRefusal(err: unknown): { key: 'error.fileTooBig' | 'error.fileNotTaken'; vars: { error: string } } {
  return { key: err instanceof FileTooBig ? 'error.fileTooBig' : 'error.fileNotTaken', vars: { error: (err as Error).message } };
}
