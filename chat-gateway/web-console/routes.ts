/**
 * The web chat console over HTTP. Two sides:
 * - /console/api: the person at the page (pick a demo identity, type, press buttons, live updates by SSE);
 * - /console/bot: the bot's side, used by the worker's chat activities (bearer token).
 */
import { randomUUID, timingSafeEqual } from 'node:crypto';
import { existsSync, mkdirSync, readFileSync, statSync, writeFileSync } from 'node:fs';
import path from 'node:path';
import express, { type Request, type Response, type Router } from 'express';
import type { LoadedConfig } from '../../config/load';
import type { Dispatcher } from '../dispatcher';
import { INCOMING_FILE_LIMIT, saveIncomingFile, type IncomingFile } from '../incoming-files';
import type { ChatMessage } from '../../activities/chat/port';
import type { ConsoleMessage, ConsoleStore } from './store';

export interface ConsoleDeps {
  config: LoadedConfig;
  store: ConsoleStore;
  dispatcher: Dispatcher;
  /** The token the bot side must present; read once at start from a file or env. */
  botToken: string;
  /** Where files handed over in the console are kept. */
  filesDir: string;
}

const PAGE = path.join(__dirname, 'page.html');

function badRequest(res: Response, message: string) {
  res.status(400).json({ error: message });
}

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

export function consoleChats(config: LoadedConfig, userId: string): { chatId: string; title: string }[] {
  const groups = Object.entries(config.chats)
    .filter(([, c]) => c.web)
    .map(([, c]) => ({ chatId: c.web as string, title: c.title }));
  return [{ chatId: `dm-${userId}`, title: 'Direct messages with dutydesk' }, ...groups];
}

export function consoleRouter({ config, store, dispatcher, botToken, filesDir }: ConsoleDeps): Router {
  const router = express.Router();
  router.use(express.json({ limit: '256kb' }));

  router.get('/', (_req, res) => {
    res.type('html').send(readFileSync(PAGE, 'utf8'));
  });

  // --- the person's side -------------------------------------------------
  router.get('/console/api/users', (_req, res) => {
    res.json(config.users.map((u) => ({ id: u.id, name: u.name, roles: u.roles })));
  });

  router.get('/console/api/chats', (req, res) => {
    const user = String(req.query.user ?? '');
    if (!config.users.some((u) => u.id === user)) return badRequest(res, `unknown user "${user}"; pick one from /console/api/users`);
    res.json(consoleChats(config, user));
  });

  router.get('/console/api/messages', (req, res) => {
    const chat = String(req.query.chat ?? '');
    if (!chat) return badRequest(res, 'give ?chat=<chat id>');
    res.json(store.list(chat));
  });

  router.get('/console/api/events', (req: Request, res: Response) => {
    const chat = String(req.query.chat ?? '');
    if (!chat) return badRequest(res, 'give ?chat=<chat id>');
    res.writeHead(200, { 'content-type': 'text/event-stream', 'cache-control': 'no-cache', connection: 'keep-alive' });
    res.write(': connected\n\n');
    const onMessage = (m: ConsoleMessage) => {
      if (m.chatId === chat) res.write(`data: ${JSON.stringify(m)}\n\n`);
    };
    store.on('message', onMessage);
    const ping = setInterval(() => res.write(': ping\n\n'), 20_000);
    req.on('close', () => {
      clearInterval(ping);
      store.off('message', onMessage);
    });
  });

  /** A file to send with the next message (e.g. a request's XML): saved where the worker can read it. */
  router.post('/console/api/upload', express.raw({ type: () => true, limit: INCOMING_FILE_LIMIT }), async (req, res) => {
    const name = String(req.query.name ?? '');
    if (!name || !Buffer.isBuffer(req.body)) return badRequest(res, 'POST the file as the body, with ?name=<its file name>');
    const saved = await saveIncomingFile(config.gateway.incomingDir, name, req.body);
    res.status(201).json({ uploadId: path.basename(saved.path), name: saved.name, size: saved.size });
  });

  /** A user typed in a chat (with an uploaded file, maybe). Answers 202 at once; the bot's replies arrive as messages. */
  router.post('/console/api/messages', (req, res) => {
    const { user, chat, text, uploadId } = req.body ?? {};
    if (typeof user !== 'string' || typeof chat !== 'string' || typeof text !== 'string' || !text.trim()) {
      return badRequest(res, 'send JSON { "user": "<user id>", "chat": "<chat id>", "text": "<command>", "uploadId"?: "<from /console/api/upload>" }');
    }
    let file: IncomingFile | undefined;
    if (uploadId !== undefined) {
      const where = path.join(config.gateway.incomingDir, String(uploadId));
      if (typeof uploadId !== 'string' || uploadId !== path.basename(uploadId) || !existsSync(where)) return badRequest(res, '"uploadId" must be one that /console/api/upload gave (files are kept a day)');
      file = { path: where, name: uploadId.replace(/^[0-9a-f-]{36}-/, ''), size: statSync(where).size };
    }
    const posted = store.post(chat, { text: file ? `${text}\n📎 ${file.name}` : text }, { from: 'user', userId: user });
    res.status(202).json(posted);
    // With its time: a console started afresh (no file kept) counts its ids from 1 again.
    const messageId = `${posted.id}@${posted.createdAt}`;
    void dispatcher.text({ ...incoming(store, user, chat), messageId, ...(file ? { file } : {}) }, text);
  });

  router.post('/console/api/press', (req, res) => {
    const { user, chat, messageId, action } = req.body ?? {};
    if (typeof user !== 'string' || typeof chat !== 'string' || typeof messageId !== 'string' || typeof action !== 'string') {
      return badRequest(res, 'send JSON { "user", "chat", "messageId", "action" }');
    }
    const message = store.get(messageId);
    // Only a button the bot actually shows on that message can be pressed.
    if (!message || message.chatId !== chat || !message.buttons.flat().some((b) => b.action === action)) {
      return res.status(409).json({ error: 'that button is no longer on the message; reload the chat' });
    }
    res.status(202).json({ accepted: true });
    void dispatcher.press(incoming(store, user, chat), action);
  });

  // --- the bot's side (worker activities) ----------------------------------
  const expected = Buffer.from(`Bearer ${botToken}`);
  const authorized = (req: Request) => {
    const given = Buffer.from(req.get('authorization') ?? '');
    return botToken.length > 0 && given.length === expected.length && timingSafeEqual(given, expected);
  };

  router.post('/console/bot/send', (req, res) => {
    if (!authorized(req)) return res.status(401).json({ error: 'missing or wrong bot token' });
    const message = validMessage(req.body);
    if (typeof message === 'string') return badRequest(res, message);
    if (typeof req.body.chatId !== 'string') return badRequest(res, '"chatId" must be a string');
    const idempotencyKey = typeof req.body.idempotencyKey === 'string' ? req.body.idempotencyKey : undefined;
    const attachment = req.body.attachment as ConsoleMessage['attachment'];
    if (attachment && (typeof attachment.fileId !== 'string' || typeof attachment.name !== 'string' || !existsSync(path.join(filesDir, attachment.fileId)))) {
      return badRequest(res, '"attachment" must name a file uploaded to /console/bot/upload');
    }
    const stored = store.post(req.body.chatId, { ...message, attachment }, { from: 'bot', idempotencyKey });
    res.json({ messageId: stored.id });
  });

  router.post('/console/bot/upload', express.raw({ type: '*/*', limit: '200mb' }), (req, res) => {
    if (!authorized(req)) return res.status(401).json({ error: 'missing or wrong bot token' });
    const fileId = randomUUID();
    mkdirSync(filesDir, { recursive: true });
    writeFileSync(path.join(filesDir, fileId), req.body as Buffer);
    res.json({ fileId });
  });

  router.get('/console/files/:fileId', (req, res) => {
    const { fileId } = req.params;
    // Only files that a message hands over are served.
    const attachment = store.findAttachment(fileId);
    if (!attachment) return res.status(404).json({ error: 'no such file' });
    // The data folder is often a dot-folder (.data), which express refuses to serve unless told.
    res.download(path.resolve(filesDir, fileId), attachment.name, { dotfiles: 'allow' });
  });

  router.post('/console/bot/edit', (req, res) => {
    if (!authorized(req)) return res.status(401).json({ error: 'missing or wrong bot token' });
    const message = validMessage(req.body);
    if (typeof message === 'string') return badRequest(res, message);
    const updated = store.edit(String(req.body.chatId), String(req.body.messageId), message);
    if (!updated) return res.status(404).json({ error: `no message ${req.body.messageId} in chat ${req.body.chatId}` });
    res.json({ messageId: updated.id, version: updated.version });
  });

  return router;
}

/** Replies from the gateway itself (command answers) go straight into the chat. */
function incoming(store: ConsoleStore, userId: string, chatId: string) {
  return {
    userId,
    chat: { platform: 'web' as const, chatId },
    reply: async (message: ChatMessage | string) => {
      store.post(chatId, typeof message === 'string' ? { text: message } : message, { from: 'bot' });
    },
  };
}
