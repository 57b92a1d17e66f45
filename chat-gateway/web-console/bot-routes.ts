/**
 * The console's bot side, used by the worker's chat activities: send, edit,
 * upload a file. Each route checks the bearer token before it reads a byte
 * of the body, then reads it with the route's own limit: a file is streamed
 * to disk, never held whole.
 */
import { randomUUID, timingSafeEqual } from 'node:crypto';
import { createWriteStream, existsSync } from 'node:fs';
import { mkdir, rename, rm } from 'node:fs/promises';
import path from 'node:path';
import { Transform } from 'node:stream';
import { pipeline } from 'node:stream/promises';
import express, { type NextFunction, type Request, type Response, type Router } from 'express';
import type { ChatMessage } from '../../activities/chat/port';
import { formatSize } from '../../lib/size';
import { fileLimit } from '../../activities/chat/outbox-client';
import { refuseUnread } from '../body-errors';
import type { ConsoleMessage, ConsoleStore } from './store';

/** The biggest file handed over in the console: the outbox's own limit for it. */
const CONSOLE_FILE_LIMIT = fileLimit('web');
/** Sends and edits: a message's text and buttons. */
const BOT_JSON_LIMIT = '256kb';
/** File ids are ours (randomUUID), so nothing else names a file. */
const FILE_ID = /^[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}$/;

export interface BotRouteDeps {
  store: ConsoleStore;
  botToken: string;
  filesDir: string;
}

class BodyTooLarge extends Error {}

function validMessage(body: unknown): ChatMessage | string {
  const b = body as { text?: unknown; buttons?: unknown; attachment?: unknown };
  if (typeof b?.text !== 'string' || (!b.text && !b.attachment)) return '"text" must be a non-empty string';
  if (b.buttons !== undefined) {
    const rows = b.buttons;
    const ok = Array.isArray(rows) && rows.every((r) => Array.isArray(r) && r.every((x) => typeof x?.label === 'string' && typeof x?.action === 'string'));
    if (!ok) return '"buttons" must be rows of { label, action }';
  }
  return { text: b.text, buttons: b.buttons as ChatMessage['buttons'] };
}

function atMost(limit: number): Transform {
  let seen = 0;
  return new Transform({
    transform(chunk: Buffer, _encoding, done) {
      seen += chunk.length;
      if (seen > limit) done(new BodyTooLarge());
      else done(null, chunk);
    },
  });
}

export function botRouter({ store, botToken, filesDir }: BotRouteDeps): Router {
  const router = express.Router();
  const expected = Buffer.from(`Bearer ${botToken}`);
  const requireToken = (req: Request, res: Response, next: NextFunction) => {
    const given = Buffer.from(req.get('authorization') ?? '');
    if (botToken.length > 0 && given.length === expected.length && timingSafeEqual(given, expected)) return next();
    refuseUnread(res, 401, 'missing or wrong bot token');
  };
  const json = express.json({ limit: BOT_JSON_LIMIT });

  // A message's file goes when the message does (the store keeps only so many).
  store.on('dropped', (m: ConsoleMessage) => {
    if (m.attachment && FILE_ID.test(m.attachment.fileId)) void rm(path.join(filesDir, m.attachment.fileId), { force: true });
  });

  router.post('/console/bot/send', requireToken, json, (req, res) => {
    const message = validMessage(req.body);
    if (typeof message === 'string') return res.status(400).json({ error: message });
    if (typeof req.body.chatId !== 'string' || !req.body.chatId) return res.status(400).json({ error: '"chatId" must be a string' });
    const idempotencyKey = typeof req.body.idempotencyKey === 'string' ? req.body.idempotencyKey : undefined;
    const given = req.body.attachment as Partial<ConsoleMessage['attachment']> | undefined;
    let attachment: ConsoleMessage['attachment'];
    if (given) {
      if (typeof given.fileId !== 'string' || !FILE_ID.test(given.fileId) || typeof given.name !== 'string' || !existsSync(path.join(filesDir, given.fileId))) {
        return res.status(400).json({ error: '"attachment" must name a file uploaded to /console/bot/upload' });
      }
      attachment = { fileId: given.fileId, name: given.name, kind: given.kind === 'photo' ? 'photo' : 'document' };
    }
    const stored = store.post(req.body.chatId, { ...message, attachment }, { from: 'bot', idempotencyKey });
    res.json({ messageId: stored.id });
  });

  router.post('/console/bot/edit', requireToken, json, (req, res) => {
    const message = validMessage(req.body);
    if (typeof message === 'string') return res.status(400).json({ error: message });
    const updated = store.edit(String(req.body.chatId), String(req.body.messageId), message);
    if (!updated) return res.status(404).json({ error: `no message ${req.body.messageId} in chat ${req.body.chatId}` });
    res.json({ messageId: updated.id, version: updated.version });
  });

  router.post('/console/bot/upload', requireToken, async (req, res) => {
    const tooBig = `files are taken up to ${formatSize(CONSOLE_FILE_LIMIT)}`;
    if (Number(req.get('content-length') ?? 0) > CONSOLE_FILE_LIMIT) return refuseUnread(res, 413, tooBig);
    const fileId = randomUUID();
    const target = path.join(filesDir, fileId);
    await mkdir(filesDir, { recursive: true });
    try {
      await pipeline(req, atMost(CONSOLE_FILE_LIMIT), createWriteStream(`${target}.part`));
      await rename(`${target}.part`, target);
    } catch (err) {
      await rm(`${target}.part`, { force: true });
      // Cut off past the limit (a body without Content-Length), or the sender went away: nobody to answer.
      if (req.socket.destroyed || res.headersSent) return;
      if (err instanceof BodyTooLarge) return refuseUnread(res, 413, tooBig);
      res.status(500).json({ error: `the file could not be kept: ${(err as Error).message}` });
      return;
    }
    res.json({ fileId });
  });

  return router;
}
