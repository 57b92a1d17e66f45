/**
 * Delivers messages to the gateway's web chat console through its bot API, as
 * Telegram's adapter does to the Bot API. Texts go as plain text: the console
 * page shows them as text nodes (web-console/message-view.js), never as HTML.
 */
import type { ChatRef } from '../../workflows/restart/definitions';
import { readFile } from 'node:fs/promises';
import { DeliveryRefused, RateLimited, type ChatFile, type ChatMessage, type ChatOutbound } from './port';

export class WebConsoleOutbound implements ChatOutbound {
  constructor(
    private readonly baseUrl: string,
    private readonly token: () => string,
  ) {}

  private async call<T>(method: string, body: unknown): Promise<T> {
    const res = await fetch(`${this.baseUrl.replace(/\/+$/, '')}/console/bot/${method}`, {
      method: 'POST',
      headers: { 'content-type': 'application/json', authorization: `Bearer ${this.token()}` },
      body: JSON.stringify(body),
      signal: AbortSignal.timeout(10_000),
    });
    const text = await res.text();
    const why = `web console ${method} failed: HTTP ${res.status} ${text.slice(0, 200)}`;
    if (res.status === 429) throw new RateLimited(why, Number(res.headers.get('retry-after') ?? 1) * 1000);
    if (res.status >= 400 && res.status < 500 && res.status !== 401) throw new DeliveryRefused(why);
    if (!res.ok) throw new Error(why); // 5xx and a token not yet in place: retried
    return JSON.parse(text) as T;
  }

  async send(chat: ChatRef, message: ChatMessage, idempotencyKey: string) {
    const { file, ...rest } = message;
    // Files are uploaded first; the message then refers to the stored file.
    const attachment = file ? { ...(await this.upload(file)), name: file.name, kind: file.kind } : undefined;
    return this.call<{ messageId: string }>('send', { chatId: chat.chatId, ...rest, attachment, idempotencyKey });
  }

  private async upload(file: ChatFile): Promise<{ fileId: string }> {
    const res = await fetch(`${this.baseUrl.replace(/\/+$/, '')}/console/bot/upload?name=${encodeURIComponent(file.name)}`, {
      method: 'POST',
      headers: { 'content-type': 'application/octet-stream', authorization: `Bearer ${this.token()}` },
      body: await readFile(file.path),
      signal: AbortSignal.timeout(120_000),
    });
    if (!res.ok) throw new Error(`web console upload failed: HTTP ${res.status}`);
    return (await res.json()) as { fileId: string };
  }

  async edit(chat: ChatRef, messageId: string, message: ChatMessage) {
    await this.call('edit', { chatId: chat.chatId, messageId, ...message });
  }
}
