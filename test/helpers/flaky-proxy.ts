/**
 * A TCP proxy on loopback that cuts a connection once, after it has carried
 * a given number of bytes towards the client: a network drop in the middle
 * of a transfer, for the tests that check a transfer is retried; or at once,
 * when the test says (cutNow).
 */
import net from 'node:net';

export interface FlakyProxy {
  port: number;
  /** Connections cut so far. */
  cuts(): number;
  /** Cuts every connection through the proxy now (a network drop at a moment the test chooses). */
  cutNow(): void;
  /**
   * Cuts every connection on the client's side only: the server's side stays open, silent, for
   * `holdMs` (a host that notices the drop late), then closes too.
   */
  cutClientSideNow(holdMs: number): void;
  stop(): Promise<void>;
}

export async function startFlakyProxy(target: { host: string; port: number }, cutAfterBytes: number, times = 1): Promise<FlakyProxy> {
  let cuts = 0;
  const sockets = new Set<net.Socket>();
  const pairs = new Set<{ client: net.Socket; upstream: net.Socket }>();
  const server = net.createServer((client) => {
    const upstream = net.connect(target.port, target.host);
    sockets.add(client).add(upstream);
    const pair = { client, upstream };
    pairs.add(pair);
    client.once('close', () => pairs.delete(pair));
    let carried = 0;
    const cut = () => {
      client.destroy();
      upstream.destroy();
    };
    upstream.on('data', (chunk: Buffer) => {
      carried += chunk.length;
      if (cuts < times && carried > cutAfterBytes) {
        cuts++;
        return cut();
      }
      client.write(chunk);
    });
    client.on('data', (chunk) => upstream.write(chunk));
    for (const s of [client, upstream]) {
      s.on('error', cut);
      s.on('close', () => {
        sockets.delete(s);
        cut();
      });
    }
  });
  await new Promise<void>((r) => server.listen(0, '127.0.0.1', () => r()));
  return {
    port: (server.address() as net.AddressInfo).port,
    cuts: () => cuts,
    cutNow() {
      if (sockets.size) cuts++;
      sockets.forEach((s) => s.destroy());
    },
    cutClientSideNow(holdMs) {
      if (pairs.size) cuts++;
      for (const pair of [...pairs]) {
        const { client, upstream } = pair;
        pairs.delete(pair);
        // Nothing more passes either way, and the server hears nothing of the cut until holdMs.
        for (const s of [client, upstream]) s.removeAllListeners('data').removeAllListeners('close').removeAllListeners('error').on('error', () => undefined);
        upstream.pause();
        client.destroy();
        sockets.delete(client);
        setTimeout(() => (upstream.destroy(), sockets.delete(upstream)), holdMs).unref();
      }
    },
    async stop() {
      sockets.forEach((s) => s.destroy());
      await new Promise((r) => server.close(r));
    },
  };
}
