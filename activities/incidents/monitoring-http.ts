/**
 * Prometheus's HTTP API (v1) and Alertmanager's API (v2): the few calls
 * dutydesk makes. A 4xx is MonitoringRefused (retrying cannot help: a bad
 * query, an unknown silence); the rest (5xx, network) is retried by callers.
 */
import { readSecret, type LoadedConfig } from '../../config/load';
import type { HttpPeerConfig } from '../../config/schema-parts';

export class MonitoringRefused extends Error {
  override name = 'MonitoringRefused';
}

export interface PeerOptions {
  url: string;
  token?: () => string;
  timeoutMs?: number;
}

async function call<T>(peer: PeerOptions, method: string, route: string, what: string, body?: unknown): Promise<T> {
  const url = `${peer.url.replace(/\/+$/, '')}/${route}`;
  const token = peer.token?.();
  let res: Response;
  try {
    res = await fetch(url, {
      method,
      headers: { accept: 'application/json', ...(body !== undefined ? { 'content-type': 'application/json' } : {}), ...(token ? { authorization: `Bearer ${token}` } : {}) },
      body: body !== undefined ? JSON.stringify(body) : undefined,
      signal: AbortSignal.timeout(peer.timeoutMs ?? 10_000),
    });
  } catch (err) {
    throw new Error(`${what}: ${new URL(url).host} does not answer (${(err as Error).message})`);
  }
  const text = await res.text();
  if (res.status >= 400 && res.status < 500) throw new MonitoringRefused(`${what}: ${res.status} ${text.slice(0, 300)}`);
  if (!res.ok) throw new Error(`${what}: ${res.status} ${text.slice(0, 300)}`);
  return (text ? JSON.parse(text) : undefined) as T;
}

export function peerOptions(config: HttpPeerConfig, readToken: (ref: NonNullable<HttpPeerConfig['token']>) => string): PeerOptions {
  const token = config.token;
  return { url: config.url, token: token ? () => readToken(token).trim() : undefined };
}

export interface PromSample {
  metric: Record<string, string>;
  value: [number, string];
}

export interface PromRule {
  name: string;
  type: 'alerting' | 'recording';
  health: 'ok' | 'err' | 'unknown';
  lastError?: string;
  state?: 'firing' | 'pending' | 'inactive';
}

export class PrometheusApi {
  constructor(private readonly peer: PeerOptions) {}

  /** An instant query's vector (a scalar or string result is refused: recovery needs series). */
  async query(promql: string): Promise<PromSample[]> {
    const answer = await call<{ status: string; data: { resultType: string; result: unknown }; error?: string }>(this.peer, 'GET', `api/v1/query?query=${encodeURIComponent(promql)}`, 'Prometheus query');
    if (answer.status !== 'success') throw new MonitoringRefused(`Prometheus query: ${answer.error ?? answer.status}`);
    if (answer.data.resultType !== 'vector') throw new MonitoringRefused(`Prometheus query "${promql.slice(0, 200)}" returns a ${answer.data.resultType}, not a vector of series`);
    return answer.data.result as PromSample[];
  }

  /** A range query's series: [unix seconds, value] pairs each (a check's chart). */
  async queryRange(promql: string, range: { start: number; end: number; step: number }): Promise<{ metric: Record<string, string>; values: [number, string][] }[]> {
    const q = new URLSearchParams({ query: promql, start: String(range.start), end: String(range.end), step: String(range.step) });
    const answer = await call<{ status: string; data: { resultType: string; result: unknown }; error?: string }>(this.peer, 'GET', `api/v1/query_range?${q}`, 'Prometheus range query');
    if (answer.status !== 'success' || answer.data.resultType !== 'matrix') throw new MonitoringRefused(`Prometheus range query: ${answer.error ?? answer.data.resultType}`);
    return answer.data.result as { metric: Record<string, string>; values: [number, string][] }[];
  }

  async alerts(): Promise<{ labels: Record<string, string>; state: string; activeAt?: string }[]> {
    const answer = await call<{ data: { alerts: { labels: Record<string, string>; state: string; activeAt?: string }[] } }>(this.peer, 'GET', 'api/v1/alerts', 'Prometheus alerts');
    return answer.data.alerts;
  }

  async rules(): Promise<PromRule[]> {
    const answer = await call<{ data: { groups: { rules: PromRule[] }[] } }>(this.peer, 'GET', 'api/v1/rules', 'Prometheus rules');
    return answer.data.groups.flatMap((g) => g.rules);
  }
}

export interface AmAlert {
  labels: Record<string, string>;
  annotations: Record<string, string>;
  startsAt: string;
  endsAt: string;
  generatorURL?: string;
  fingerprint: string;
  status: { state: 'active' | 'suppressed' | 'unprocessed'; silencedBy: string[] };
}

export interface AmMatcher {
  name: string;
  value: string;
  isRegex: boolean;
  isEqual: boolean;
}

export interface AmSilence {
  id: string;
  matchers: AmMatcher[];
  startsAt: string;
  endsAt: string;
  createdBy: string;
  comment: string;
  status: { state: 'active' | 'pending' | 'expired' };
}

export class AlertmanagerApi {
  constructor(private readonly peer: PeerOptions) {}

  /** Every alert Alertmanager holds now: firing, silenced or inhibited. */
  alerts(): Promise<AmAlert[]> {
    return call<AmAlert[]>(this.peer, 'GET', 'api/v2/alerts', 'Alertmanager alerts');
  }

  async createSilence(silence: { matchers: AmMatcher[]; startsAt: string; endsAt: string; createdBy: string; comment: string }): Promise<string> {
    const answer = await call<{ silenceID: string }>(this.peer, 'POST', 'api/v2/silences', 'Alertmanager silence', silence);
    return answer.silenceID;
  }

  silence(id: string): Promise<AmSilence> {
    return call<AmSilence>(this.peer, 'GET', `api/v2/silence/${encodeURIComponent(id)}`, 'Alertmanager silence');
  }

  async expireSilence(id: string): Promise<void> {
    await call<unknown>(this.peer, 'DELETE', `api/v2/silence/${encodeURIComponent(id)}`, 'Alertmanager unsilence');
  }
}

/** The configured Prometheus and Alertmanager, each undefined when not configured. */
export function monitoringPeers(config: LoadedConfig) {
  const token = (ref: Parameters<typeof readSecret>[0]) => readSecret(ref, config);
  const monitoring = config.monitoring;
  return {
    prometheus: monitoring?.prometheus ? new PrometheusApi(peerOptions(monitoring.prometheus, token)) : undefined,
    alertmanager: monitoring?.alertmanager ? new AlertmanagerApi(peerOptions(monitoring.alertmanager, token)) : undefined,
  };
}
