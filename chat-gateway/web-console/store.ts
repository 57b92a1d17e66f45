/**
 * The web console's messages: what Telegram's servers are to a Telegram bot.
 * Kept in a file in the data folder so a gateway restart loses no history;
 * listeners get every new or edited message for live updates.
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

const KEEP_PER_CHAT = 500;

export class ConsoleStore extends EventEmitter {
  private seq = 0;
  private readonly messages = new Map<string, ConsoleMessage>();
  private readonly idempotency = new Map<string, string>();
  private saveTimer?: NodeJS.Timeout;

  constructor(private readonly file?: string) {
    super();
    this.setMaxListeners(0);
    if (file) this.load(file);
  }

  private load(file: string) {
    let saved: Saved;
    try {
      saved = JSON.parse(readFileSync(file, 'utf8')) as Saved;
    } catch {
      return; // first start
    }
    this.seq = saved.seq;
    saved.messages.forEach((m) => this.messages.set(m.id, m));
    Object.entries(saved.idempotency).forEach(([k, v]) => this.idempotency.set(k, v));
  }

  private scheduleSave() {
    if (!this.file || this.saveTimer) return;
    this.saveTimer = setTimeout(() => this.flush(), 200);
  }

  flush() {
    if (this.saveTimer) clearTimeout(this.saveTimer);
    this.saveTimer = undefined;
    if (!this.file) return;
    mkdirSync(path.dirname(this.file), { recursive: true });
    const data: Saved = { seq: this.seq, messages: [...this.messages.values()], idempotency: Object.fromEntries(this.idempotency) };
    writeFileSync(`${this.file}.tmp`, JSON.stringify(data));
    renameSync(`${this.file}.tmp`, this.file);
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
    this.messages.set(stored.id, stored);
    if (from.idempotencyKey) this.idempotency.set(from.idempotencyKey, stored.id);
    this.trim(chatId);
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

  findAttachment(fileId: string): ConsoleMessage['attachment'] | undefined {
    for (const m of this.messages.values()) if (m.attachment?.fileId === fileId) return m.attachment;
    return undefined;
  }

  get(id: string): ConsoleMessage | undefined {
    return this.messages.get(id);
  }

  list(chatId: string): ConsoleMessage[] {
    return [...this.messages.values()].filter((m) => m.chatId === chatId).sort((a, b) => Number(a.id) - Number(b.id));
  }

  private trim(chatId: string) {
    const inChat = this.list(chatId);
    for (const old of inChat.slice(0, Math.max(0, inChat.length - KEEP_PER_CHAT))) this.messages.delete(old.id);
  }
}
