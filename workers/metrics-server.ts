/**
 * The worker's /metrics (worker.metricsListen): dutydesk's own metrics and,
 * after them, the Temporal SDK's (Core's Prometheus exporter, which listens
 * on a loopback port of its own and is read on each scrape).
 */
import http from 'node:http';
import net from 'node:net';
import { collectProcessMetrics, metricsText } from '../lib/metrics';

/** A free loopback port for Core's exporter (bound by Core right after). */
export function freeLoopbackPort(): Promise<number> {
  return new Promise((resolve, reject) => {
    const server = net.createServer();
    server.once('error', reject);
    server.listen(0, '127.0.0.1', () => {
      const { port } = server.address() as net.AddressInfo;
      server.close(() => resolve(port));
    });
  });
}

export function serveWorkerMetrics(listen: string, corePort: number): Promise<http.Server> {
  collectProcessMetrics('worker');
  const core = async () => {
    const res = await fetch(`http://127.0.0.1:${corePort}/metrics`, { signal: AbortSignal.timeout(5000) });
    return res.ok ? res.text() : '';
  };
  const server = http.createServer((req, res) => {
    if (req.method !== 'GET' || (req.url ?? '').split('?')[0] !== '/metrics') {
      res.writeHead(404, { 'content-type': 'text/plain' }).end('only GET /metrics here\n');
      return;
    }
    metricsText(core).then(
      (text) => res.writeHead(200, { 'content-type': 'text/plain; version=0.0.4' }).end(text),
      (err: Error) => res.writeHead(500, { 'content-type': 'text/plain' }).end(`metrics failed: ${err.message}\n`),
    );
  });
  const i = listen.lastIndexOf(':');
  return new Promise((resolve, reject) => {
    server.once('error', (err) => reject(new Error(`worker.metricsListen ${listen}: ${err.message}`)));
    server.listen(Number(listen.slice(i + 1)), listen.slice(0, i), () => resolve(server));
  });
}
