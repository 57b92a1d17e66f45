/**
 * A pass-through between a peer's webhooks and the gateway, for benches that
 * time from the webhook's arrival: it notes when each key (a ticket, a host's
 * firing) first arrives, then forwards the post and hands back the answer.
 */
import http from 'node:http';
import { freePort } from '../test/helpers/wait';

export interface PassThrough {
  url: string;
  /** Key → when its first webhook arrived (ms). */
  arrived: Map<string, number>;
  close(): void;
}

export async function webhookPassThrough(
  target: string,
  options: {
    /** The keys a webhook's body is about. */
    keysOf(body: unknown): string[];
    /** The headers forwarded (the peer's signature, its token). */
    forward(headers: http.IncomingHttpHeaders): Record<string, string>;
    /** The path the peer posts to. */
    path?: string;
  },
): Promise<PassThrough> {
  const arrived = new Map<string, number>();
  const server = http.createServer((req, res) => {
    const at = Date.now();
    const chunks: Buffer[] = [];
    req.on('data', (c: Buffer) => chunks.push(c));
    req.on('end', async () => {
      const body = Buffer.concat(chunks);
      for (const key of options.keysOf(JSON.parse(body.toString('utf8')))) if (!arrived.has(key)) arrived.set(key, at);
      try {
        const answer = await fetch(target, { method: 'POST', headers: options.forward(req.headers), body });
        res.writeHead(answer.status, { 'content-type': 'application/json' }).end(await answer.text());
      } catch {
        res.writeHead(502).end();
      }
    });
  });
  const port = await freePort();
  await new Promise<void>((resolve) => server.listen(port, '127.0.0.1', resolve));
  return { url: `http://127.0.0.1:${port}${options.path ?? '/'}`, arrived, close: () => (server.closeAllConnections(), server.close()) };
}
