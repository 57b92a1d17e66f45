/**
 * The demo's monitoring for `npm start`: a local Prometheus that scrapes the
 * demo web shop (labelled host=demo-web) and alerts when it stops answering,
 * and scrapes dutydesk's own gateway and worker,
 * and a local Alertmanager that posts to the gateway's receiver. Runs only
 * when the configuration's Prometheus and Alertmanager are on loopback.
 */
import { mkdirSync } from 'node:fs';
import path from 'node:path';
import type { LoadedConfig } from '../../config/load';
import { localMonitoringInstalled, startLocalMonitoring, type LocalMonitoring } from './local-monitoring';

const DEMO_SHOP = { job: 'demo-shop', target: '127.0.0.1:18081', labels: { host: 'demo-web' } };

const loopbackPort = (url: string | undefined) => {
  if (!url) return undefined;
  const u = new URL(url);
  return u.hostname === '127.0.0.1' ? Number(u.port || 80) : undefined;
};

export async function startDemoMonitoring(
  config: LoadedConfig,
  options: { dataDir: string; receiverToken: string; log?: (chunk: string) => void },
): Promise<{ monitoring: LocalMonitoring; line: string } | { skipped: string } | undefined> {
  const monitoring = config.monitoring;
  const prometheusPort = loopbackPort(monitoring?.prometheus?.url);
  const alertmanagerPort = loopbackPort(monitoring?.alertmanager?.url);
  const receiver = Object.keys(monitoring?.receivers ?? {})[0];
  if (!monitoring || !prometheusPort || !alertmanagerPort || !receiver) return undefined;
  if (!localMonitoringInstalled()) return { skipped: 'Prometheus and Alertmanager are not installed, so the demo runs without incidents (apt-get install prometheus prometheus-alertmanager).' };
  const dir = path.join(options.dataDir, 'monitoring');
  mkdirSync(dir, { recursive: true });
  const started = await startLocalMonitoring({
    dir,
    prometheusPort,
    alertmanagerPort,
    // dutydesk itself too: the gateway's /metrics, and the worker's when worker.metricsListen is set.
    targets: [
      DEMO_SHOP,
      { job: 'dutydesk-gateway', target: config.gateway.listen.replace(/^0\.0\.0\.0:/, '127.0.0.1:') },
      ...(config.worker.metricsListen ? [{ job: 'dutydesk-worker', target: config.worker.metricsListen.replace(/^0\.0\.0\.0:/, '127.0.0.1:') }] : []),
    ],
    rules: [
      {
        alert: 'DemoShopDown',
        expr: `up{job="${DEMO_SHOP.job}"} == 0`,
        for: '15s',
        labels: { severity: 'critical' },
        annotations: { summary: 'The demo web shop on {{ $labels.host }} does not answer', description: 'Prometheus cannot scrape {{ $labels.instance }}. Start it again with: demo/bin/demo-service.sh start shop 18081' },
      },
      {
        alert: 'DutydeskDown',
        expr: 'up{job=~"dutydesk-.*"} == 0',
        for: '1m',
        labels: { severity: 'warning' },
        annotations: { summary: 'dutydesk {{ $labels.job }} does not answer at /metrics', description: 'Prometheus cannot scrape {{ $labels.instance }}; see .data/logs/.' },
      },
    ],
    receiver: { url: `http://${config.gateway.intakeListen ?? config.gateway.listen}/alerts/${receiver}`, token: options.receiverToken },
    interval: '5s',
    groupWait: '5s',
    groupInterval: '10s',
    log: options.log,
  });
  return { monitoring: started, line: `${started.prometheusUrl}/alerts (Prometheus), ${started.alertmanagerUrl}/ (Alertmanager)` };
}
