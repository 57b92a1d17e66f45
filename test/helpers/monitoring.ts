/**
 * Real Prometheus and Alertmanager for a test file, on free loopback ports
 * with one-second intervals, and a scrape target the test stops and starts
 * as an outage would.
 */
import { mkdtempSync, rmSync } from 'node:fs';
import { createServer, type Server } from 'node:http';
import os from 'node:os';
import path from 'node:path';
import { startLocalMonitoring, type AlertRule, type LocalMonitoring, type MonitoringSettings } from '../../scripts/monitoring/local-monitoring';
import { freePort } from './wait';

/** A service Prometheus scrapes: up while it serves /metrics, down when stopped. */
export interface ScrapedService {
  port: number;
  start(): Promise<void>;
  stop(): Promise<void>;
}

export async function scrapedService(): Promise<ScrapedService> {
  const port = await freePort();
  let server: Server | undefined;
  return {
    port,
    async start() {
      if (server) return;
      const s = createServer((req, res) => {
        res.writeHead(200, { 'content-type': 'text/plain; version=0.0.4' });
        res.end('# TYPE demo_requests_total counter\ndemo_requests_total 1\n');
      });
      await new Promise<void>((resolve) => s.listen(port, '127.0.0.1', resolve));
      server = s;
    },
    async stop() {
      const s = server;
      server = undefined;
      if (!s) return;
      s.closeAllConnections();
      await new Promise((r) => s.close(r));
    },
  };
}

export interface TestMonitoring extends LocalMonitoring {
  /** Alertmanager's API v2, as an operator's curl would read it. */
  am<T>(route: string): Promise<T>;
  prom<T>(route: string): Promise<T>;
  remove(): Promise<void>;
}

export const SHOP_DOWN: AlertRule = {
  alert: 'ShopDown',
  expr: 'up{job="shop"} == 0',
  labels: { severity: 'critical' },
  annotations: { summary: 'The shop on {{ $labels.host }} does not answer', description: 'Prometheus cannot scrape {{ $labels.instance }}.', runbook_url: 'https://runbooks.example/shop-down' },
};

export async function startMonitoring(settings: Omit<MonitoringSettings, 'dir' | 'prometheusPort' | 'alertmanagerPort'>): Promise<TestMonitoring> {
  const dir = mkdtempSync(path.join(os.tmpdir(), 'dutydesk-monitoring-'));
  const monitoring = await startLocalMonitoring({ ...settings, dir, prometheusPort: await freePort(), alertmanagerPort: await freePort() });
  const get = async <T>(base: string, route: string) => {
    const res = await fetch(`${base}/${route}`);
    if (!res.ok) throw new Error(`${route}: ${res.status} ${await res.text()}`);
    return (await res.json()) as T;
  };
  return {
    ...monitoring,
    am: (route) => get(monitoring.alertmanagerUrl, route),
    prom: (route) => get(monitoring.prometheusUrl, route),
    async remove() {
      await monitoring.stop();
      rmSync(dir, { recursive: true, force: true });
    },
  };
}
