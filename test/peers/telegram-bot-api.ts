/**
 * A local server that speaks Telegram's Bot API (https://core.telegram.org/bots/api)
 * for the methods dutydesk uses, so the Telegram adapter and telegraf are
 * tested over real HTTP. It keeps chats and messages, delivers updates by
 * long polling, and enforces Telegram's flood limits with 429 + retry_after
 * (per chat about 1 message a second, per group 20 a minute, per bot 30 a second).
 * An update can be delivered again, as Telegram does when the bot never confirmed it.
 */
import http from 'node:http';
import type { AddressInfo } from 'node:net';

export interface TgMessage {
  message_id: number;
  chat: { id: number; type: 'private' | 'group' | 'supergroup' };
  from?: { id: number; is_bot: boolean; first_name: string; username?: string; language_code?: string };
  date: number;
  text?: string;
  reply_markup?: { inline_keyboard: { text: string; callback_data: string }[][] };
  edit_date?: number;
  caption?: string;
  /** What a user would download from a document or photo message. */
  file?: { kind: 'document' | 'photo'; name: string; bytes: Buffer };
  /** The message this one answers (Telegram's "Reply"); bots in groups see such replies to their own messages. */
  reply_to_message?: TgMessage;
}

export interface Limits {
  perChatIntervalMs: number;
  perGroupPerMinute: number;
  perBotPerSecond: number;
}

type Update = { update_id: number; message?: TgMessage; callback_query?: unknown };

export class TelegramBotApi {
  readonly token: string;
  private server?: http.Server;
  private nextUpdateId = 1;
  private nextMessageId = 1000;
  private readonly updates: Update[] = [];
  /** Every update made, by update_id: how often getUpdates handed it out, and whether the bot then asked past it. */
  private readonly deliveries = new Map<number, { update: Update; handedOut: number; confirmed: boolean }>();
  /** Updates given again by redeliver(): handed out once more whatever offset the bot had confirmed. */
  private readonly again = new Set<Update>();
  private waiters: (() => void)[] = [];
  readonly messages = new Map<number, TgMessage[]>();
  /** Every call as received: method and parameters. */
  readonly calls: { method: string; params: Record<string, unknown>; at: number }[] = [];
  readonly answers: { callback_query_id: string; text?: string }[] = [];
  tooManyRequests = 0;
  /** File uploads are read and then never answered, as over a link too slow for them; the bot's timeout ends each. */
  stallUploads = false;
  private failNext = 0;
  private readonly chatLast = new Map<number, number>();
  /** Files users sent, by file_id: what getFile and the file download serve. */
  private readonly files = new Map<string, { name: string; bytes: Buffer }>();
  private readonly groupWindow = new Map<number, number[]>();
  private botWindow: number[] = [];

  constructor(
    readonly limits: Limits = { perChatIntervalMs: 1000, perGroupPerMinute: 20, perBotPerSecond: 30 },
    token = '123456:TEST-token',
  ) {
    this.token = token;
  }

  get apiRoot(): string {
    return `http://127.0.0.1:${(this.server!.address() as AddressInfo).port}`;
  }

  /** On a port of its own choosing, or the given one (a test bringing the API back where the bot looks for it). */
  async start(port = 0): Promise<this> {
    this.server = http.createServer((req, res) => void this.handle(req, res));
    await new Promise<void>((r) => this.server!.listen(port, '127.0.0.1', () => r()));
    return this;
  }

  async stop(): Promise<void> {
    this.waiters.forEach((w) => w());
    this.server?.closeAllConnections();
    await new Promise((r) => this.server?.close(r));
  }

  /** Make the next n calls fail with HTTP 502, as Telegram does in an outage. */
  failNextCalls(n: number) {
    this.failNext = n;
  }

  // --- what a user does ------------------------------------------------------
  userSends(user: { id: number; first_name: string; language_code?: string }, chatId: number, text: string, replyTo?: TgMessage): TgMessage {
    const message: TgMessage = {
      message_id: this.nextMessageId++,
      chat: { id: chatId, type: chatId < 0 ? 'supergroup' : 'private' },
      from: { ...user, is_bot: false },
      date: Math.floor(Date.now() / 1000),
      text,
      ...(replyTo ? { reply_to_message: replyTo } : {}),
    };
    this.store(message);
    this.push({ update_id: this.nextUpdateId++, message });
    return message;
  }

  /** A document with a caption, as a user attaches a file; the bot downloads it with getFile and /file/bot<token>/<path>. */
  userSendsDocument(user: { id: number; first_name: string; language_code?: string }, chatId: number, caption: string, file: { name: string; bytes: Buffer }): TgMessage {
    const fileId = `doc-${this.nextMessageId}`;
    this.files.set(fileId, file);
    const message: TgMessage & { document: unknown } = {
      message_id: this.nextMessageId++,
      chat: { id: chatId, type: chatId < 0 ? 'supergroup' : 'private' },
      from: { ...user, is_bot: false },
      date: Math.floor(Date.now() / 1000),
      caption,
      document: { file_id: fileId, file_unique_id: `u-${fileId}`, file_name: file.name, mime_type: 'application/xml', file_size: file.bytes.length },
    };
    this.store(message);
    this.push({ update_id: this.nextUpdateId++, message });
    return message;
  }

  userPresses(user: { id: number; first_name: string }, chatId: number, messageId: number, data: string): string {
    const message = (this.messages.get(chatId) ?? []).find((m) => m.message_id === messageId);
    const id = String(this.nextUpdateId);
    this.push({
      update_id: this.nextUpdateId++,
      callback_query: { id, from: { ...user, is_bot: false }, chat_instance: String(chatId), message, data },
    });
    return id;
  }

  /**
   * Delivers an update again (by update_id, or the one that carried a message userSends returned), the same
   * update_id and content, as Telegram does when the bot never confirmed it: a gateway that
   * died after handling it, before its next getUpdates moved the offset past it.
   */
  redeliver(of: number | TgMessage): number {
    const found = [...this.deliveries.values()].find((d) => (typeof of === 'number' ? d.update.update_id === of : d.update.message === of));
    if (!found) throw new Error(`no such update was delivered: ${typeof of === 'number' ? of : `message ${of.message_id}`}`);
    if (!this.webhook) this.again.add(found.update);
    this.push(found.update);
    return found.update.update_id;
  }

  /** How often getUpdates handed the update out, and whether the bot has since asked for updates past it (done with it). */
  delivery(updateId: number): { handedOut: number; confirmed: boolean } | undefined {
    const d = this.deliveries.get(updateId);
    return d && { handedOut: d.handedOut, confirmed: d.confirmed };
  }

  chat(chatId: number): TgMessage[] {
    return this.messages.get(chatId) ?? [];
  }

  botMessages(chatId: number): TgMessage[] {
    return this.chat(chatId).filter((m) => m.from?.is_bot);
  }

  // --- the Bot API ------------------------------------------------------------
  /** Set by setWebhook: updates are then POSTed there, as Telegram does, instead of waiting for getUpdates. */
  webhook?: { url: string; secret?: string };
  readonly webhookDeliveries: { update_id: number; status: number }[] = [];

  private push(update: Update) {
    if (!this.deliveries.has(update.update_id)) this.deliveries.set(update.update_id, { update, handedOut: 0, confirmed: false });
    if (this.webhook) {
      const { url, secret } = this.webhook;
      void fetch(url, { method: 'POST', headers: { 'content-type': 'application/json', ...(secret ? { 'x-telegram-bot-api-secret-token': secret } : {}) }, body: JSON.stringify(update) })
        .then((res) => this.webhookDeliveries.push({ update_id: update.update_id, status: res.status }))
        .catch(() => this.webhookDeliveries.push({ update_id: update.update_id, status: 0 }));
      return;
    }
    // In update_id order, as Telegram hands them out.
    const after = this.updates.findIndex((u) => u.update_id > update.update_id);
    this.updates.splice(after < 0 ? this.updates.length : after, 0, update);
    const waiting = this.waiters;
    this.waiters = [];
    waiting.forEach((w) => w());
  }

  private store(message: TgMessage) {
    const list = this.messages.get(message.chat.id) ?? [];
    list.push(message);
    this.messages.set(message.chat.id, list);
  }

  private async handle(req: http.IncomingMessage, res: http.ServerResponse) {
    const match = /^\/bot([^/]+)\/(\w+)$/.exec(req.url ?? '');
    const chunks: Buffer[] = [];
    for await (const c of req) chunks.push(c as Buffer);
    const send = (status: number, body: unknown) => {
      if (res.destroyed) return; // the client went (or the API was stopped) while the answer was held
      res.writeHead(status, { 'content-type': 'application/json' });
      res.end(JSON.stringify(body));
    };
    // Files: GET /file/bot<token>/<file_path>, the file_path getFile gave.
    const download = /^\/file\/bot([^/]+)\/documents\/(.+)$/.exec(req.url ?? '');
    if (download) {
      const file = download[1] === this.token ? this.files.get(decodeURIComponent(download[2])) : undefined;
      if (!file) return send(404, { ok: false, error_code: 404, description: 'Not Found' });
      res.writeHead(200, { 'content-type': 'application/octet-stream', 'content-length': file.bytes.length });
      return res.end(file.bytes);
    }
    if (!match) return send(404, { ok: false, error_code: 404, description: 'Not Found' });
    if (match[1] !== this.token) return send(401, { ok: false, error_code: 401, description: 'Unauthorized' });
    const method = match[2];
    const raw = Buffer.concat(chunks).toString('utf8');
    let params: Record<string, unknown> = {};
    if ((req.headers['content-type'] ?? '').startsWith('multipart/form-data')) {
      // Uploads (sendDocument, sendPhoto) come as multipart/form-data, as Telegram accepts them.
      const form = await new Request('http://local/', { method: 'POST', headers: { 'content-type': req.headers['content-type'] as string }, body: Buffer.concat(chunks) }).formData();
      for (const [k, v] of form.entries()) params[k] = typeof v === 'string' ? v : { name: (v as File).name, bytes: Buffer.from(await (v as File).arrayBuffer()) };
      if (typeof params.reply_markup === 'string') params.reply_markup = JSON.parse(params.reply_markup);
    } else if (raw) {
      try {
        params = JSON.parse(raw) as Record<string, unknown>;
      } catch {
        return send(400, { ok: false, error_code: 400, description: 'Bad Request: body must be JSON' });
      }
    }
    this.calls.push({ method, params, at: Date.now() });
    if (this.stallUploads && (method === 'sendDocument' || method === 'sendPhoto')) return;
    if (this.failNext > 0 && method !== 'getUpdates') {
      this.failNext--;
      return send(502, { ok: false, error_code: 502, description: 'Bad Gateway' });
    }
    const result = await this.call(method, params);
    const held = this.holding;
    if (held && result.ok && method === 'sendMessage') {
      // Stored, and the answer held back: the sender cannot know the message arrived.
      this.holding = undefined;
      held.resolve();
      await new Promise((r) => setTimeout(r, held.ms));
    }
    send(result.ok ? 200 : (result.error_code as number), result);
  }

  private holding?: { ms: number; resolve: () => void };

  /**
   * The next sendMessage is stored as usual, but its answer is held back for `ms`: resolves once
   * it is held, so a test can kill the sender (or cut the API) while the send's completion is unknown.
   */
  holdNextSendAnswer(ms: number): Promise<void> {
    return new Promise((resolve) => (this.holding = { ms, resolve }));
  }

  /** Flood control; returns seconds to wait when a limit is exceeded. */
  private flood(chatId: number): number | undefined {
    const now = Date.now();
    this.botWindow = this.botWindow.filter((t) => now - t < 1000);
    if (this.botWindow.length >= this.limits.perBotPerSecond) return 1;
    const last = this.chatLast.get(chatId);
    if (last !== undefined && now - last < this.limits.perChatIntervalMs) return Math.max(1, Math.ceil((this.limits.perChatIntervalMs - (now - last)) / 1000));
    if (chatId < 0) {
      const window = (this.groupWindow.get(chatId) ?? []).filter((t) => now - t < 60_000);
      this.groupWindow.set(chatId, window);
      if (window.length >= this.limits.perGroupPerMinute) return Math.max(1, Math.ceil((60_000 - (now - window[0])) / 1000));
      window.push(now);
    }
    this.chatLast.set(chatId, now);
    this.botWindow.push(now);
    return undefined;
  }

  private async call(method: string, p: Record<string, unknown>): Promise<Record<string, unknown>> {
    const bad = (description: string) => ({ ok: false, error_code: 400, description: `Bad Request: ${description}` });
    switch (method) {
      case 'getMe':
        return { ok: true, result: { id: 999, is_bot: true, first_name: 'dutydesk', username: 'dutydesk_bot' } };
      case 'setWebhook':
        if (!String(p.url ?? '').startsWith('http')) return bad('bad webhook: an HTTPS URL must be provided for webhook');
        this.webhook = { url: String(p.url), secret: p.secret_token as string | undefined };
        return { ok: true, result: true };
      case 'deleteWebhook':
        this.webhook = undefined;
        return { ok: true, result: true };
      case 'setMyCommands':
        return { ok: true, result: true };
      case 'getUpdates': {
        // An offset confirms every update before it: those are forgotten (unless given again).
        const offset = Number(p.offset ?? 0);
        for (const d of this.deliveries.values()) if (d.update.update_id < offset && d.handedOut > 0 && !this.again.has(d.update)) d.confirmed = true;
        for (let i = this.updates.length - 1; i >= 0; i--) if (this.updates[i].update_id < offset && !this.again.has(this.updates[i])) this.updates.splice(i, 1);
        if (!this.updates.length && Number(p.timeout ?? 0) > 0) {
          await new Promise<void>((resolve) => {
            const timer = setTimeout(resolve, Number(p.timeout) * 1000);
            this.waiters.push(() => (clearTimeout(timer), resolve()));
          });
        }
        const result = this.updates.slice(0, Number(p.limit ?? 100));
        for (const u of result) {
          this.again.delete(u);
          const d = this.deliveries.get(u.update_id)!;
          d.handedOut++;
          d.confirmed = false;
        }
        return { ok: true, result };
      }
      case 'sendMessage': {
        const chatId = Number(p.chat_id);
        if (!Number.isFinite(chatId)) return bad('chat not found');
        const text = String(p.text ?? '');
        if (!text) return bad('message text is empty');
        if (text.length > 4096) return bad('message is too long');
        const markupError = this.checkMarkup(p.reply_markup);
        if (markupError) return bad(markupError);
        const wait = this.flood(chatId);
        if (wait) return this.tooMany(wait);
        const message: TgMessage = {
          message_id: this.nextMessageId++,
          chat: { id: chatId, type: chatId < 0 ? 'supergroup' : 'private' },
          from: { id: 999, is_bot: true, first_name: 'dutydesk' },
          date: Math.floor(Date.now() / 1000),
          text,
          reply_markup: p.reply_markup as TgMessage['reply_markup'],
        };
        this.store(message);
        return { ok: true, result: message };
      }
      case 'editMessageText': {
        const chatId = Number(p.chat_id);
        const message = this.chat(chatId).find((m) => m.message_id === Number(p.message_id));
        if (!message) return bad('message to edit not found');
        const text = String(p.text ?? '');
        if (text.length > 4096) return bad('message is too long');
        const markupError = this.checkMarkup(p.reply_markup);
        if (markupError) return bad(markupError);
        const markup = (p.reply_markup as TgMessage['reply_markup']) ?? undefined;
        if (message.text === text && JSON.stringify(message.reply_markup ?? null) === JSON.stringify(markup ?? null)) {
          return bad('message is not modified: specified new message content and reply markup are exactly the same as a current content and reply markup of the message');
        }
        const wait = this.flood(chatId);
        if (wait) return this.tooMany(wait);
        message.text = text;
        message.reply_markup = markup;
        message.edit_date = Math.floor(Date.now() / 1000);
        return { ok: true, result: message };
      }
      case 'sendDocument':
      case 'sendPhoto': {
        const field = method === 'sendPhoto' ? 'photo' : 'document';
        const file = p[field] as { name: string; bytes: Buffer } | undefined;
        if (!file?.bytes) return bad(`there is no ${field} in the request`);
        if (String(p.caption ?? '').length > 1024) return bad('message caption is too long');
        const chatId = Number(p.chat_id);
        const wait = this.flood(chatId);
        if (wait) return this.tooMany(wait);
        const message: TgMessage = {
          message_id: this.nextMessageId++,
          chat: { id: chatId, type: chatId < 0 ? 'supergroup' : 'private' },
          from: { id: 999, is_bot: true, first_name: 'dutydesk' },
          date: Math.floor(Date.now() / 1000),
          caption: p.caption as string | undefined,
          file: { kind: field, name: file.name, bytes: file.bytes },
        };
        this.store(message);
        return { ok: true, result: { ...message, file: undefined } };
      }
      case 'getFile': {
        const file = this.files.get(String(p.file_id));
        if (!file) return { ok: false, error_code: 400, description: 'Bad Request: invalid file_id' };
        return { ok: true, result: { file_id: p.file_id, file_unique_id: `u-${String(p.file_id)}`, file_size: file.bytes.length, file_path: `documents/${String(p.file_id)}` } };
      }
      case 'answerCallbackQuery':
        this.answers.push({ callback_query_id: String(p.callback_query_id), text: p.text as string | undefined });
        return { ok: true, result: true };
      default:
        return { ok: false, error_code: 404, description: `Not Found: method ${method} is not emulated` };
    }
  }

  private checkMarkup(markup: unknown): string | undefined {
    const keyboard = (markup as TgMessage['reply_markup'])?.inline_keyboard;
    if (!keyboard) return undefined;
    for (const row of keyboard) for (const b of row) if (Buffer.byteLength(b.callback_data ?? '') > 64) return 'BUTTON_DATA_INVALID';
    return undefined;
  }

  private tooMany(retryAfter: number) {
    this.tooManyRequests++;
    return { ok: false, error_code: 429, description: `Too Many Requests: retry after ${retryAfter}`, parameters: { retry_after: retryAfter } };
  }
}
