/**
 * The web console's messages: what Telegram's servers are to a Telegram bot.
 * Kept in a file in the data folder so a gateway restart loses no history;
 * listeners get every new or edited message for live updates.
 * Anyone can post to the console, so everything it keeps is bounded (the
 * oldest goes first), and the file is written only after a change, at most
 * once every few seconds, and on stop (flush).
 */
import { EventEmitter } from 'node:events';
import { mkdirSync, readFileSync, renameSync, writeFileSync } from 'node:fs';
import path from 'node:path';
import type { ChatButton, ChatMessage } from '../../activities/chat/port';

export interface ConsoleMessage {
  id: string;
  chatId: string;
  from: 'bot' | 'user';
  userId?: string;
  text: string;
  buttons: ChatButton[][];
  /** A file handed over with the message, served at /console/files/<fileId>. */
  attachment?: { fileId: string; name: string; kind: 'document' | 'photo' };
  createdAt: number;
  editedAt?: number;
  /** Grows with every edit, so a client can drop stale updates. */
  version: number;
}

interface Saved {
  seq: number;
  messages: ConsoleMessage[];
  idempotency: Record<string, string>;
}

/** Messages kept per chat. */
export const KEEP_PER_CHAT = 500;
/** Chats kept; the one with the oldest last message goes first. */
export const KEEP_CHATS = 200;
/** Messages kept in all. */
export const KEEP_MESSAGES = 20_000;
/** Idempotency keys of bot sends kept (a retried send is minutes apart, not thousands of messages). */
export const KEEP_IDEMPOTENCY_KEYS = 20_000;
/** Writes of the file are at least this far apart. */
export const SAVE_EVERY_MS = 3_000;

export interface StoreOptions {
  saveEveryMs?: number;
}

export class ConsoleStore extends EventEmitter {
  private seq = 0;
  /** In id order: an edit keeps its message's place. */
  private readonly messages = new Map<string, ConsoleMessage>();
  /** Each chat's message ids, oldest first; chats in order of their last post. */
  private readonly chats = new Map<string, string[]>();
  private readonly idempotency = new Map<string, string>();
  private saveTimer?: NodeJS.Timeout;
  private changed = false;
  private readonly saveEveryMs: number;

  constructor(
    private readonly file?: string,
    options: StoreOptions = {},
  ) {
    super();
    this.setMaxListeners(0);
    this.saveEveryMs = options.saveEveryMs ?? SAVE_EVERY_MS;
    if (file) this.load(file);
  }

  private load(file: string) {
    let saved: Saved;
    try {
      saved = JSON.parse(readFileSync(file, 'utf8')) as Saved;
    } catch {
      return; // first start
    }
    this.seq = Number(saved.seq) || 0;
    const messages = Array.isArray(saved.messages) ? saved.messages : [];
    for (const m of [...messages].sort((a, b) => Number(a.id) - Number(b.id))) this.add(m);
    Object.entries(saved.idempotency ?? {}).forEach(([k, v]) => this.remember(k, v));
  }

  private scheduleSave() {
    this.changed = true;
    if (!this.file || this.saveTimer) return;
    this.saveTimer = setTimeout(() => {
      this.saveTimer = undefined;
      try {
        this.flush();
      } catch (err) {
        console.error(`dutydesk console: cannot save ${this.file}: ${(err as Error).message}; trying again`);
        this.scheduleSave();
      }
    }, this.saveEveryMs);
    this.saveTimer.unref();
  }

  /** Writes the file now if anything changed since the last write (and on stop). */
  flush() {
    if (this.saveTimer) clearTimeout(this.saveTimer);
    this.saveTimer = undefined;
    if (!this.file || !this.changed) return;
    mkdirSync(path.dirname(this.file), { recursive: true });
    const data: Saved = { seq: this.seq, messages: [...this.messages.values()], idempotency: Object.fromEntries(this.idempotency) };
    writeFileSync(`${this.file}.tmp`, JSON.stringify(data));
    renameSync(`${this.file}.tmp`, this.file);
    this.changed = false;
  }

  post(
    chatId: string,
    message: ChatMessage & { attachment?: ConsoleMessage['attachment'] },
    from: { from: 'bot' | 'user'; userId?: string; idempotencyKey?: string },
  ): ConsoleMessage {
    const known = from.idempotencyKey ? this.idempotency.get(from.idempotencyKey) : undefined;
    if (known && this.messages.has(known)) return this.messages.get(known) as ConsoleMessage;
    const stored: ConsoleMessage = {
      id: String(++this.seq),
      chatId,
      from: from.from,
      userId: from.userId,
      text: message.text,
      buttons: message.buttons ?? [],
      attachment: message.attachment,
      createdAt: Date.now(),
      version: 1,
    };
    this.add(stored);
    if (from.idempotencyKey) this.remember(from.idempotencyKey, stored.id);
    this.emit('message', stored);
    this.scheduleSave();
    return stored;
  }

  edit(chatId: string, id: string, message: ChatMessage): ConsoleMessage | undefined {
    const existing = this.messages.get(id);
    if (!existing || existing.chatId !== chatId) return undefined;
    const updated: ConsoleMessage = { ...existing, text: message.text, buttons: message.buttons ?? existing.buttons, editedAt: Date.now(), version: existing.version + 1 };
    this.messages.set(id, updated);
    this.emit('message', updated);
    this.scheduleSave();
    return updated;
  }

  /** The message that hands over this file, so who may see its chat may have it. */
  findAttachment(fileId: string): (NonNullable<ConsoleMessage['attachment']> & { chatId: string }) | undefined {
    for (const m of this.messages.values()) if (m.attachment?.fileId === fileId) return { ...m.attachment, chatId: m.chatId };
    return undefined;
  }

  get(id: string): ConsoleMessage | undefined {
    return this.messages.get(id);
  }

  list(chatId: string): ConsoleMessage[] {
    return (this.chats.get(chatId) ?? []).map((id) => this.messages.get(id) as ConsoleMessage);
  }

  /** How much is kept, for the bounds' tests and for logs. */
  size(): { chats: number; messages: number; idempotencyKeys: number } {
    return { chats: this.chats.size, messages: this.messages.size, idempotencyKeys: this.idempotency.size };
  }

  /** Adds a message (in id order) and drops whatever goes past a bound, oldest first. */
  private add(m: ConsoleMessage) {
    this.messages.set(m.id, m);
    const ids = this.chats.get(m.chatId) ?? [];
    // Deleted and set again: the chat becomes the most recent.
    this.chats.delete(m.chatId);
    this.chats.set(m.chatId, ids);
    ids.push(m.id);
    while (ids.length > KEEP_PER_CHAT) this.drop(ids.shift() as string);
    while (this.chats.size > KEEP_CHATS) {
      const [oldest, oldIds] = this.chats.entries().next().value as [string, string[]];
      this.chats.delete(oldest);
      oldIds.forEach((id) => this.drop(id));
    }
    while (this.messages.size > KEEP_MESSAGES) {
      const oldest = this.messages.values().next().value as ConsoleMessage;
      const inChat = this.chats.get(oldest.chatId) ?? [];
      const at = inChat.indexOf(oldest.id);
      if (at >= 0) inChat.splice(at, 1);
      if (!inChat.length) this.chats.delete(oldest.chatId);
      this.drop(oldest.id);
    }
  }

  /** Forgets a message; listeners of 'dropped' remove what it handed over. */
  private drop(id: string) {
    const m = this.messages.get(id);
    if (!m) return;
    this.messages.delete(id);
    this.emit('dropped', m);
  }

  private remember(key: string, id: string) {
    this.idempotency.delete(key);
    this.idempotency.set(key, id);
    while (this.idempotency.size > KEEP_IDEMPOTENCY_KEYS) this.idempotency.delete(this.idempotency.keys().next().value as string);
  }
}
