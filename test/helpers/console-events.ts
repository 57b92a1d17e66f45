/**
 * Follows a web console chat over server-sent events, as the page does. The
 * gateway subscribes before it sends the headers, so nothing sent after
 * `followChat` resolves is missed.
 */
import type { ConsoleMessage } from '../../chat-gateway/web-console/store';

export interface ChatFollower {
  /** Reads events until `until` holds for one; returns every message seen. */
  readUntil(until: (m: ConsoleMessage, seen: ConsoleMessage[]) => boolean): Promise<ConsoleMessage[]>;
  close(): Promise<void>;
}

export async function followChat(baseUrl: string, chat: string): Promise<ChatFollower> {
  const res = await fetch(`${baseUrl}/console/api/events?chat=${encodeURIComponent(chat)}`);
  const reader = res.body!.getReader();
  let buffer = '';
  return {
    async readUntil(until) {
      const seen: ConsoleMessage[] = [];
      for (;;) {
        const { value, done } = await reader.read();
        if (done) throw new Error('the event stream closed early');
        buffer += Buffer.from(value).toString('utf8');
        const events = buffer.split('\n\n');
        buffer = events.pop() ?? '';
        for (const e of events) {
          if (!e.startsWith('data: ')) continue;
          const m = JSON.parse(e.slice(6)) as ConsoleMessage;
          seen.push(m);
          if (until(m, seen)) return seen;
        }
      }
    },
    close: () => reader.cancel(),
  };
}
