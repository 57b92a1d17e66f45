/**
 * Sends and edits messages through Telegram's Bot API. Buttons become an
 * inline keyboard with signed callback data; long texts are split; errors are
 * sorted into "retry after", "retry with backoff" and "refused for good".
 * Texts and captions go as plain text: no parse_mode is ever set, so outside
 * text in them (ticket titles, names, echoed commands) cannot carry HTML or
 * Markdown. Whoever adds a parse_mode must escape for it here, in one place.
 */
import { callbackKey, encodeCallback } from '../../lib/callback-data';
import { shortenForEdit, splitText } from '../../lib/messages/split';
import type { ChatRef } from '../../workflows/restart/definitions';
import { readFile } from 'node:fs/promises';
import { DeliveryRefused, RateLimited, UploadTimedOut, type ChatFile, type ChatMessage, type ChatOutbound } from './port';

export const TELEGRAM_TEXT_LIMIT = 4096;
/** Captions of documents and photos are shorter than messages. */
export const TELEGRAM_CAPTION_LIMIT = 1024;

interface BotApiAnswer<T> {
  ok: boolean;
  result?: T;
  error_code?: number;
  description?: string;
  parameters?: { retry_after?: number };
}

export class TelegramOutbound implements ChatOutbound {
  constructor(
    private readonly apiRoot: string,
    private readonly token: () => string,
    private readonly uploadTimeoutMs = 120_000,
  ) {}

  /** JSON for plain calls; multipart/form-data when a file is uploaded. */
  private async call<T>(method: string, params: Record<string, unknown> | FormData): Promise<T> {
    let res: Response;
    const multipart = params instanceof FormData;
    try {
      res = await fetch(`${this.apiRoot.replace(/\/+$/, '')}/bot${this.token()}/${method}`, {
        method: 'POST',
        ...(multipart ? {} : { headers: { 'content-type': 'application/json' } }),
        body: multipart ? params : JSON.stringify(params),
        signal: AbortSignal.timeout(multipart ? this.uploadTimeoutMs : 20_000),
      });
    } catch (err) {
      if (multipart && (err as Error).name === 'TimeoutError') throw new UploadTimedOut(`Telegram ${method}: the upload took over ${this.uploadTimeoutMs / 1000} s`);
      throw new Error(`Telegram ${method}: network error (${(err as Error).message})`); // retried
    }
    const answer = (await res.json().catch(() => ({ ok: false, description: `HTTP ${res.status}` }))) as BotApiAnswer<T>;
    if (answer.ok) return answer.result as T;
    const why = `Telegram ${method}: ${answer.error_code ?? res.status} ${answer.description ?? ''}`.trim();
    if (res.status === 429 || answer.error_code === 429) throw new RateLimited(why, (answer.parameters?.retry_after ?? 1) * 1000);
    if (res.status >= 500) throw new Error(why);
    throw new DeliveryRefused(why);
  }

  private markup(chat: ChatRef, message: ChatMessage) {
    const key = callbackKey(this.token());
    const data = (action: string) => {
      try {
        return encodeCallback(key, chat.chatId, action);
      } catch (err) {
        // Too long for Telegram's 64 bytes: no retry can make it fit, so the message is set aside (and reported), not retried for ever.
        throw new DeliveryRefused((err as Error).message);
      }
    };
    return {
      inline_keyboard: (message.buttons ?? []).map((row) => row.map((b) => ({ text: b.label, callback_data: data(b.action) }))),
    };
  }

  /** A document or photo, the message text as its caption (the outbox keeps captions within Telegram's limit). */
  private async sendFile(chat: ChatRef, message: ChatMessage, file: ChatFile): Promise<{ messageId: string }> {
    const form = new FormData();
    form.append('chat_id', chat.chatId);
    if (message.text) form.append('caption', shortenForEdit(message.text, TELEGRAM_CAPTION_LIMIT));
    if (message.buttons?.length) form.append('reply_markup', JSON.stringify(this.markup(chat, message)));
    form.append(file.kind, new Blob([await readFile(file.path)]), file.name);
    const sent = await this.call<{ message_id: number }>(file.kind === 'photo' ? 'sendPhoto' : 'sendDocument', form);
    return { messageId: String(sent.message_id) };
  }

  async send(chat: ChatRef, message: ChatMessage): Promise<{ messageId: string }> {
    if (message.file) return this.sendFile(chat, message, message.file);
    const parts = splitText(message.text, TELEGRAM_TEXT_LIMIT);
    let first: string | undefined;
    for (const [i, text] of parts.entries()) {
      const last = i === parts.length - 1;
      const sent = await this.call<{ message_id: number }>('sendMessage', {
        chat_id: chat.chatId,
        text,
        link_preview_options: { is_disabled: true },
        ...(last && message.buttons?.length ? { reply_markup: this.markup(chat, message) } : {}),
      });
      first ??= String(sent.message_id);
    }
    return { messageId: first as string };
  }

  async edit(chat: ChatRef, messageId: string, message: ChatMessage): Promise<void> {
    try {
      await this.call('editMessageText', {
        chat_id: chat.chatId,
        message_id: Number(messageId),
        text: shortenForEdit(message.text, TELEGRAM_TEXT_LIMIT),
        link_preview_options: { is_disabled: true },
        reply_markup: this.markup(chat, message),
      });
    } catch (err) {
      // The message already shows exactly this: the edit has, in effect, happened.
      if (err instanceof DeliveryRefused && /message is not modified/.test(err.message)) return;
      throw err;
    }
  }
}
