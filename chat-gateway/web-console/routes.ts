/**
 * The web chat console over HTTP. Two sides:
 * - /console/api: the person at the page (pick a demo identity, type, press buttons, live updates by SSE);
 * - /console/bot: the bot's side, used by the worker's chat activities (bearer token, bot-routes.ts).
 * The page, its script and its style are files of their own (a strict CSP allows no inline code).
 */
import { existsSync, readFileSync, statSync } from 'node:fs';
import path from 'node:path';
import express, { type Request, type Response, type Router } from 'express';
import type { LoadedConfig } from '../../config/load';
import type { Dispatcher } from '../dispatcher';
import type { IncomingFile } from '../incoming-files';
import type { ChatMessage } from '../../activities/chat/port';
import { botRouter } from './bot-routes';
import { refuseUnread } from '../body-errors';
import { consoleSecurityHeaders } from './security-headers';
import type { ConsoleMessage, ConsoleStore } from './store';
import { consoleUploads } from './uploads';
import type { ConsoleIdentity } from './identity';
import { signInRouter } from './signin';
import type { AuditTrail } from '../audit';
import type { Services } from '../commands/context';
import { homeContent } from '../home/home-content';
import { supportedLanguage } from '../../lib/i18n';

export interface ConsoleDeps {
  config: LoadedConfig;
  store: ConsoleStore;
  dispatcher: Dispatcher;
  /** The token the bot side must present; read once at start from a file or env. */
  botToken: string;
  /** Where files handed over in the console are kept. */
  filesDir: string;
  /** Who is at the page (sign-in by chat link, proxy header, or the demo's picker). */
  identity: ConsoleIdentity;
  /** Where sign-ins and sign-outs are recorded. */
  audit?: AuditTrail;
  /** For the side panel's home: running operations, owned tickets, open incidents. */
  services?: Pick<Services, 'restarts' | 'tickets' | 'incidents' | 'actions'>;
}

/** What the page loads, each with its type; nothing else is served from these folders. */
const ASSETS: Record<string, { file: string; type: string }> = {
  '/': { file: path.join(__dirname, 'page.html'), type: 'text/html; charset=utf-8' },
  '/console/page.css': { file: path.join(__dirname, 'page.css'), type: 'text/css; charset=utf-8' },
  '/console/page.js': { file: path.join(__dirname, 'page.js'), type: 'text/javascript; charset=utf-8' },
  '/console/message-view.js': { file: path.join(__dirname, 'message-view.js'), type: 'text/javascript; charset=utf-8' },
  '/console/text-links.js': { file: path.join(__dirname, '../../lib/messages/text-links.js'), type: 'text/javascript; charset=utf-8' },
};
/** A person's message or press: a command, not a document. */
const PERSON_JSON_LIMIT = '32kb';
/** Longest user id the console takes (ids in the configuration are short; strangers' are made up). */
const USER_ID_MAX = 100;
/** Pages following chats live at once: in all, and per person (a few tabs and devices). */
const FOLLOWERS_MAX = 500;
const FOLLOWERS_PER_PERSON = 20;
/** How often a live page is told it is still connected, and its session checked again. */
const PING_MS = 20_000;

function badRequest(res: Response, message: string) {
  res.status(400).json({ error: message });
}

/** The person's direct chat and the group chats they may be in: with teams, a team's rooms for its members alone. */
export function consoleChats(config: LoadedConfig, userId: string): { chatId: string; title: string }[] {
  const outsider = (name: string) => Object.values(config.teams).some((team) => team.chats.includes(name) && !team.members.includes(userId));
  const groups = Object.entries(config.chats)
    .filter(([name, c]) => c.web && !outsider(name))
    .map(([, c]) => ({ chatId: c.web as string, title: c.title }));
  return [{ chatId: `dm-${userId}`, title: 'Direct messages with dutydesk' }, ...groups];
}

export function consoleRouter({ config, store, dispatcher, botToken, filesDir, identity, audit, services }: ConsoleDeps): Router {
  const router = express.Router();
  router.use(consoleSecurityHeaders);
  const demo = identity.mode === 'demo';
  /** The person at the page, or an answer saying why not; outside demo mode nothing in the request names them. */
  const who = (req: Request, res: Response, demoUser?: unknown): string | undefined => {
    const found = identity.identify(req, demoUser);
    if ('error' in found) {
      res.status(found.status).json({ error: found.error });
      return undefined;
    }
    // Past half its life a session is renewed, so an old cookie stops working sooner.
    if (found.session && identity.sessions.needsRotation(found.session)) {
      identity.setCookie(req, res, identity.sessions.start(found.userId));
      identity.sessions.retire(found.session);
    }
    return found.userId;
  };
  /** State-changing calls: from the console's own page, by someone signed in. */
  const actor = (req: Request, res: Response, demoUser?: unknown): string | undefined => {
    if (!identity.sameOrigin(req)) {
      res.status(403).json({ error: "this request comes from another site's page; use the console itself" });
      return undefined;
    }
    return who(req, res, demoUser);
  };
  /** Reading a chat: outside demo mode, only the chats the page offers this person. */
  const reader = (req: Request, res: Response, chat: string): string | undefined => {
    // Demo: anyone may read, but only through a loopback Host (a rebinding page elsewhere may not).
    if (demo) return who(req, res, 'reader');
    const userId = who(req, res);
    if (userId && !consoleChats(config, userId).some((c) => c.chatId === chat)) {
      res.status(403).json({ error: `"${chat.slice(0, 100)}" is not one of your chats` });
      return undefined;
    }
    return userId;
  };
  const json = express.json({ limit: PERSON_JSON_LIMIT });
  /** Outside demo mode, a body is read only from someone signed in. */
  const signedIn = (req: Request, res: Response, next: () => void) => {
    if (demo || !('error' in identity.identify(req))) return next();
    refuseUnread(res, 401, 'not signed in: write "console" to the bot in your chat and open the link it sends you');
  };
  /** A person writes only in the chats the page offers them: their own direct messages and the group chats. */
  const mayWrite = (user: string, chat: string): boolean =>
    user.length > 0 && user.length <= USER_ID_MAX && consoleChats(config, user).some((c) => c.chatId === chat);

  for (const [route, asset] of Object.entries(ASSETS)) {
    router.get(route, (_req, res) => {
      res.type(asset.type).set('cache-control', 'no-cache').send(readFileSync(asset.file, 'utf8'));
    });
  }

  // --- the person's side -------------------------------------------------
  router.use(signInRouter(identity, config, audit));

  /** Who the page belongs to: the signed-in person, or (demo) the people to pick from. */
  router.get('/console/api/me', (req, res) => {
    const people = config.users.map((u) => ({ id: u.id, name: u.name, roles: u.roles }));
    if (demo && !who(req, res, 'reader')) return;
    if (demo) return res.json({ signIn: 'demo', users: people });
    const found = identity.identify(req);
    if ('error' in found) return res.status(found.status).json({ signIn: identity.mode, error: found.error });
    res.json({ signIn: identity.mode, user: people.find((u) => u.id === found.userId) });
  });

  router.get('/console/api/users', (req, res) => {
    if (!demo) return res.status(404).json({ error: 'there is no identity picker outside demo mode; see /console/api/me' });
    if (!who(req, res, 'reader')) return;
    res.json(config.users.map((u) => ({ id: u.id, name: u.name, roles: u.roles })));
  });

  router.get('/console/api/chats', (req, res) => {
    const user = who(req, res, req.query.user);
    if (!user) return;
    if (!config.users.some((u) => u.id === user)) return badRequest(res, `unknown user "${user.slice(0, 100)}"; pick one from /console/api/users`);
    res.json(consoleChats(config, user));
  });

  /** The side panel: the person's home (incidents, tickets, what runs, the actions they may run). */
  router.get('/console/api/home', async (req, res) => {
    const userId = who(req, res, req.query.user);
    if (!userId) return;
    const user = config.users.find((u) => u.id === userId);
    if (!user) return badRequest(res, `unknown user "${userId.slice(0, 100)}"; pick one from /console/api/users`);
    if (!services) return res.status(404).json({ error: 'no home here' });
    try {
      res.json(await homeContent(config, services, user, user.language ?? supportedLanguage(req.get('accept-language')), { helpKeys: dispatcher.commands.filter((c) => !c.unlisted) }));
    } catch (err) {
      res.status(503).json({ error: `the home cannot be read now: ${(err as Error).message}` });
    }
  });

  router.get('/console/api/messages', (req, res) => {
    const chat = String(req.query.chat ?? '');
    if (!chat) return badRequest(res, 'give ?chat=<chat id>');
    if (!reader(req, res, chat)) return;
    res.json(store.list(chat));
  });

  let followers = 0;
  const following = new Map<string, number>();
  router.get('/console/api/events', (req: Request, res: Response) => {
    const chat = String(req.query.chat ?? '');
    if (!chat) return badRequest(res, 'give ?chat=<chat id>');
    const userId = reader(req, res, chat);
    if (!userId) return;
    if (followers >= FOLLOWERS_MAX) return res.status(503).set('retry-after', '5').json({ error: 'too many pages follow chats right now; try again shortly' });
    const own = following.get(userId) ?? 0;
    if (!demo && own >= FOLLOWERS_PER_PERSON) return res.status(429).json({ error: `you follow ${own} chats live already; close some console tabs` });
    followers++;
    following.set(userId, own + 1);
    res.writeHead(200, { 'content-type': 'text/event-stream', 'cache-control': 'no-cache', connection: 'keep-alive' });
    res.write(': connected\n\n');
    // A stream lives no longer than the session that opened it: signed out or expired, it ends (the page then shows it is signed out).
    const stillSignedIn = () => demo || !('error' in identity.identify(req));
    const end = () => res.end();
    const onMessage = (m: ConsoleMessage) => {
      if (m.chatId !== chat) return;
      if (stillSignedIn()) res.write(`data: ${JSON.stringify(m)}\n\n`);
      else end();
    };
    store.on('message', onMessage);
    const ping = setInterval(() => (stillSignedIn() ? res.write(': ping\n\n') : end()), PING_MS);
    const signedOut = () => (stillSignedIn() ? undefined : end());
    identity.sessions.on('signedOut', signedOut);
    req.on('close', () => {
      followers--;
      const left = (following.get(userId) ?? 1) - 1;
      if (left > 0) following.set(userId, left);
      else following.delete(userId);
      clearInterval(ping);
      store.off('message', onMessage);
      identity.sessions.off('signedOut', signedOut);
    });
  });

  /** A file to send with the next message (e.g. a request's XML): saved where the worker can read it, within the limits of uploads.ts. */
  const uploads = consoleUploads(config.gateway.incomingDir);
  // Who is sending is known before a byte of the body is read.
  router.post('/console/api/upload', (req, res) => {
    if (!identity.sameOrigin(req)) return refuseUnread(res, 403, "this request comes from another site's page; use the console itself");
    if (!demo && 'error' in identity.identify(req)) return refuseUnread(res, 401, 'not signed in: write "console" to the bot in your chat and open the link it sends you');
    return uploads(req, res);
  });

/** A user typed in a chat (with an uploaded file, maybe). Answers 202 at once; the bot's replies arrive as messages. */
  router.post('/console/api/messages', signedIn, json, (req, res) => {
    const { chat, text, uploadId } = req.body ?? {};
    const user = actor(req, res, req.body?.user);
    if (!user) return;
    if (typeof chat !== 'string' || typeof text !== 'string' || !text.trim()) {
      return badRequest(res, 'send JSON { "chat": "<chat id>", "text": "<command>", "uploadId"?: "<from /console/api/upload>" } (and "user" in demo mode)');
    }
    if (!mayWrite(user, chat)) return res.status(403).json({ error: `${user.slice(0, USER_ID_MAX)} cannot write in "${chat.slice(0, 100)}": use dm-<user id> or a group chat of /console/api/chats` });
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

  router.post('/console/api/press', signedIn, json, (req, res) => {
    const { chat, messageId, action } = req.body ?? {};
    const user = actor(req, res, req.body?.user);
    if (!user) return;
    if (typeof chat !== 'string' || typeof messageId !== 'string' || typeof action !== 'string') {
      return badRequest(res, 'send JSON { "chat", "messageId", "action" } (and "user" in demo mode)');
    }
    if (!mayWrite(user, chat)) return res.status(403).json({ error: `${user.slice(0, USER_ID_MAX)} cannot press buttons in "${chat.slice(0, 100)}"` });
    const message = store.get(messageId);
    // Only a button the bot actually shows on that message can be pressed.
    if (!message || message.chatId !== chat || !message.buttons.flat().some((b) => b.action === action)) {
      return res.status(409).json({ error: 'that button is no longer on the message; reload the chat' });
    }
    res.status(202).json({ accepted: true });
    void dispatcher.press(incoming(store, user, chat), action);
  });

  // --- the bot's side (worker activities) ----------------------------------
  router.use(botRouter({ store, botToken, filesDir }));

  router.get('/console/files/:fileId', (req, res) => {
    const { fileId } = req.params;
    // Only files that a message hands over are served.
    const attachment = store.findAttachment(fileId);
    if (!attachment) return res.status(404).json({ error: 'no such file' });
    // Only for someone who may read the chat it was handed over in.
    if (!reader(req, res, attachment.chatId)) return;
    // The data folder is often a dot-folder (.data), which express refuses to serve unless told.
    res.download(path.resolve(filesDir, fileId), attachment.name, { dotfiles: 'allow' });
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
