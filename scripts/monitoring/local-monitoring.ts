/**
 * A local Prometheus and Alertmanager (Debian's prometheus and
 * prometheus-alertmanager) on loopback ports, for the tests and the `npm
 * start` demo: Prometheus scrapes the given targets and evaluates the given
 * alerting rules, Alertmanager posts each group to dutydesk's receiver with
 * the bearer token from a credentials file, as a production alertmanager.yml would.
 */
import { spawn, type ChildProcess } from 'node:child_process';
import { existsSync, mkdirSync, writeFileSync } from 'node:fs';
import path from 'node:path';
import { stringify } from 'yaml';

export const PROMETHEUS_BIN = process.env.DUTYDESK_PROMETHEUS ?? '/usr/bin/prometheus';
export const ALERTMANAGER_BIN = process.env.DUTYDESK_ALERTMANAGER ?? '/usr/bin/prometheus-alertmanager';

export function localMonitoringInstalled(): boolean {
  return existsSync(PROMETHEUS_BIN) && existsSync(ALERTMANAGER_BIN);
}

export interface ScrapeTarget {
  job: string;
  /** host:port serving /metrics. */
  target: string;
  labels?: Record<string, string>;
}

export interface AlertRule {
  alert: string;
  expr: string;
  for?: string;
  labels?: Record<string, string>;
  annotations?: Record<string, string>;
}

export interface MonitoringSettings {
  dir: string;
  prometheusPort: number;
  alertmanagerPort: number;
  targets: ScrapeTarget[];
  rules: AlertRule[];
  /** dutydesk's receiver: <gateway>/alerts/<name>, and the token Alertmanager presents. */
  receiver: { url: string; token: string };
  /** Scrape and rule evaluation interval; the tests use 1s. */
  interval?: string;
  /** Alertmanager's group_wait and group_interval. */
  groupWait?: string;
  groupInterval?: string;
  /** Alertmanager's max_alerts per webhook message (0: all). */
  maxAlerts?: number;
  log?: (chunk: string) => void;
}

export interface LocalMonitoring {
  prometheusUrl: string;
  alertmanagerUrl: string;
  stop(): Promise<void>;
  /** Stops or starts Alertmanager alone (its silences and alerts persist in its data folder). */
  stopAlertmanager(): Promise<void>;
  startAlertmanager(): Promise<void>;
}

function startProcess(bin: string, args: string[], what: string, log?: (chunk: string) => void): { child: ChildProcess; output: () => string } {
  let output = '';
  const child = spawn(bin, args, { stdio: ['ignore', 'pipe', 'pipe'] });
  const collect = (c: Buffer) => {
    output = (output + c.toString()).slice(-10_000);
    log?.(c.toString());
  };
  child.stdout?.on('data', collect);
  child.stderr?.on('data', collect);
  child.on('error', (err) => (output += `\n${what} could not start: ${err.message}`));
  return { child, output: () => output };
}

async function ready(url: string, child: ChildProcess, output: () => string, what: string, timeoutMs = 60_000) {
  const deadline = Date.now() + timeoutMs;
  while (Date.now() < deadline) {
    if (child.exitCode !== null) throw new Error(`${what} exited (${child.exitCode}): ${output().slice(-2000)}`);
    try {
      const res = await fetch(url, { signal: AbortSignal.timeout(1000) });
      if (res.ok) return;
    } catch {
      /* not yet */
    }
    await new Promise((r) => setTimeout(r, 200));
  }
  throw new Error(`${what} did not become ready within ${timeoutMs / 1000} s: ${output().slice(-2000)}`);
}

async function stopProcess(child: ChildProcess | undefined) {
  if (!child || child.exitCode !== null || child.signalCode !== null) return;
  const exited = new Promise((r) => child.once('exit', r));
  child.kill('SIGTERM');
  const force = setTimeout(() => child.kill('SIGKILL'), 5_000);
  await exited;
  clearTimeout(force);
}

export async function startLocalMonitoring(settings: MonitoringSettings): Promise<LocalMonitoring> {
  if (!localMonitoringInstalled()) throw new Error('Prometheus and Alertmanager are not installed: apt-get install prometheus prometheus-alertmanager');
  const { dir, prometheusPort, alertmanagerPort } = settings;
  const interval = settings.interval ?? '1s';
  mkdirSync(path.join(dir, 'prometheus-data'), { recursive: true });
  mkdirSync(path.join(dir, 'alertmanager-data'), { recursive: true });
  const tokenFile = path.join(dir, 'dutydesk-receiver-token');
  writeFileSync(tokenFile, settings.receiver.token, { mode: 0o600 });
  writeFileSync(path.join(dir, 'rules.yml'), stringify({ groups: [{ name: 'dutydesk', interval, rules: settings.rules }] }));
  writeFileSync(
    path.join(dir, 'prometheus.yml'),
    stringify({
      global: { scrape_interval: interval, evaluation_interval: interval, scrape_timeout: interval },
      rule_files: [path.join(dir, 'rules.yml')],
      alerting: { alertmanagers: [{ static_configs: [{ targets: [`127.0.0.1:${alertmanagerPort}`] }] }] },
      scrape_configs: settings.targets.map((t) => ({ job_name: t.job, static_configs: [{ targets: [t.target], labels: t.labels ?? {} }] })),
    }),
  );
  writeFileSync(
    path.join(dir, 'alertmanager.yml'),
    stringify({
      route: { receiver: 'dutydesk', group_by: ['alertname', 'host'], group_wait: settings.groupWait ?? '1s', group_interval: settings.groupInterval ?? '2s', repeat_interval: '1h' },
      receivers: [
        {
          name: 'dutydesk',
          webhook_configs: [{ url: settings.receiver.url, send_resolved: true, max_alerts: settings.maxAlerts ?? 0, http_config: { authorization: { type: 'Bearer', credentials_file: tokenFile } } }],
        },
      ],
    }),
  );
  const prometheusUrl = `http://127.0.0.1:${prometheusPort}`;
  const alertmanagerUrl = `http://127.0.0.1:${alertmanagerPort}`;
  let alertmanager: ChildProcess | undefined;
  const startAlertmanager = async () => {
    const am = startProcess(
      ALERTMANAGER_BIN,
      [
        `--config.file=${path.join(dir, 'alertmanager.yml')}`,
        `--storage.path=${path.join(dir, 'alertmanager-data')}`,
        `--web.listen-address=127.0.0.1:${alertmanagerPort}`,
        `--web.external-url=${alertmanagerUrl}`,
        // One Alertmanager, no gossip port: an HA pair is two of these with --cluster.peer.
        '--cluster.listen-address=',
        '--log.level=warn',
      ],
      'Alertmanager',
      settings.log,
    );
    alertmanager = am.child;
    await ready(`${alertmanagerUrl}/-/ready`, am.child, am.output, 'Alertmanager');
  };
  const prom = startProcess(
    PROMETHEUS_BIN,
    [
      `--config.file=${path.join(dir, 'prometheus.yml')}`,
      `--storage.tsdb.path=${path.join(dir, 'prometheus-data')}`,
      `--web.listen-address=127.0.0.1:${prometheusPort}`,
      // Links in alerts (generatorURL) name this address, not the machine's host name.
      `--web.external-url=${prometheusUrl}`,
      // Firing alerts are sent again every interval (default 1m), so a restarted Alertmanager hears of them soon.
      `--rules.alert.resend-delay=${interval}`,
      '--log.level=warn',
    ],
    'Prometheus',
    settings.log,
  );
  try {
    await startAlertmanager();
    await ready(`${prometheusUrl}/-/ready`, prom.child, prom.output, 'Prometheus');
  } catch (err) {
    await stopProcess(prom.child);
    await stopProcess(alertmanager);
    throw err;
  }
  return {
    prometheusUrl,
    alertmanagerUrl,
    stopAlertmanager: () => stopProcess(alertmanager),
    startAlertmanager,
    async stop() {
      await Promise.all([stopProcess(prom.child), stopProcess(alertmanager)]);
    },
  };
}
