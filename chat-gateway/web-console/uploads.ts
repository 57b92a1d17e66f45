/**
 * Files sent with a command in the console (📎, e.g. a request's XML). The
 * console trusts whoever picks a name, so before a byte of the body is read
 * the upload must fit: its declared size, how many are being read at once,
 * and how much the console's uploads may hold on disk (they are kept a day).
 */
import path from 'node:path';
import type { Request, Response } from 'express';
import { FileTooBig, INCOMING_FILE_LIMIT, KEEP_MS, saveIncomingFile } from '../incoming-files';
import { formatSize } from '../../lib/size';
import { refuseUnread } from '../body-errors';

export interface UploadLimits {
  /** One file. */
  fileBytes: number;
  /** Uploads being read at the same time. */
  atOnce: number;
  /** All the console's uploads of the last day together. */
  bytesPerDay: number;
}

export const CONSOLE_UPLOAD_LIMITS: UploadLimits = { fileBytes: INCOMING_FILE_LIMIT, atOnce: 4, bytesPerDay: 200 * 1024 * 1024 };
/** As long as incoming files are kept. */
const HELD_MS = KEEP_MS;

export function consoleUploads(incomingDir: string, limits: UploadLimits = CONSOLE_UPLOAD_LIMITS) {
  let reading = 0;
  /** What was taken when, oldest first; sizes are reserved while a file is read. */
  const taken: { at: number; size: number }[] = [];

  return async (req: Request, res: Response) => {
    const name = String(req.query.name ?? '');
    if (!name) return refuseUnread(res, 400, 'POST the file as the body, with ?name=<its file name>');
    const declared = req.get('content-length');
    const size = declared === undefined ? limits.fileBytes : Number(declared);
    if (!(size <= limits.fileBytes)) return refuseUnread(res, 413, `${name} is bigger than ${formatSize(limits.fileBytes)}`);
    if (reading >= limits.atOnce) return refuseUnread(res, 429, 'too many files are being sent right now; try again in a moment', { 'retry-after': '1' });
    const now = Date.now();
    while (taken.length && now - taken[0].at > HELD_MS) taken.shift();
    const held = taken.reduce((sum, t) => sum + t.size, 0);
    if (held + size > limits.bytesPerDay) {
      const retry = taken.length ? Math.ceil((taken[0].at + HELD_MS - now) / 1000) : 60;
      return refuseUnread(res, 429, `the console has taken ${formatSize(held)} of files in the last day, as much as it keeps; try again later`, { 'retry-after': String(retry) });
    }
    const entry = { at: now, size };
    taken.push(entry);
    reading++;
    try {
      const saved = await saveIncomingFile(incomingDir, name, req, limits.fileBytes);
      entry.size = saved.size;
      res.status(201).json({ uploadId: path.basename(saved.path), name: saved.name, size: saved.size });
    } catch (err) {
      entry.size = 0;
      // A body without Content-Length cut off past the limit, or the sender gone: nobody to answer.
      if (req.socket.destroyed || res.headersSent) return;
      if (err instanceof FileTooBig) return refuseUnread(res, 413, err.message);
      res.status(500).json({ error: `the file could not be kept: ${(err as Error).message}` });
    } finally {
      reading--;
    }
  };
}
