/** Delivers messages to the gateway's web chat console through its bot API, as Telegram's adapter does to the Bot API. */
import type { ChatRef } from '../../workflows/restart/definitions';
import { DeliveryRefused, RateLimited, type ChatMessage, type ChatOutbound } from './port';

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

  send(chat: ChatRef, message: ChatMessage, idempotencyKey: string) {
    return this.call<{ messageId: string }>('send', { chatId: chat.chatId, ...message, idempotencyKey });
  }

  async edit(chat: ChatRef, messageId: string, message: ChatMessage) {
    await this.call('edit', { chatId: chat.chatId, messageId, ...message });
  }
}
