/**
 * A report made of checks ("is the network ok?"): Prometheus queries with
 * thresholds, HTTP probes and TCP connects, run side by side, each told in
 * plain words in the reader's language. A check that fails is a finding of
 * the report, not a failure of the step.
 */
import net from 'node:net';
import type { CheckConfig } from '../../config/actions-schema';
import { t } from '../../lib/i18n';
import type { PrometheusApi } from '../incidents/monitoring-http';
import { checksChartSvg, MAX_PANELS, MAX_SERIES, type ChartPanel } from '../../lib/actions/check-chart';
import { formatDuration } from '../../lib/duration';

const PROBE_TIMEOUT_MS = 10_000;

export interface CheckResult {
  name: string;
  ok: boolean;
  /** What was seen: "0.12 s", "200 OK", "connected", or why it failed. */
  said: string;
}

const number = (value: number, unit?: string) => `${Number.isInteger(value) ? value : Number(value.toPrecision(4))}${unit ? ` ${unit}` : ''}`;

async function runCheck(check: CheckConfig, prometheus: PrometheusApi | undefined, lang: string, signal: AbortSignal): Promise<CheckResult> {
  const { name } = check;
  try {
    if ('prometheus' in check) {
      if (!prometheus) return { name, ok: false, said: t(lang, 'checks.noPrometheus') };
      const samples = await prometheus.query(check.prometheus);
      if (samples.length === 0) return { name, ok: false, said: t(lang, 'checks.noData') };
      // The worst series decides: the highest against "below", the lowest against "above".
      // Prometheus writes infinities as +Inf and -Inf; NaN is no good value whatever the threshold.
      const values = samples.map((s) => (s.value[1] === '+Inf' ? Infinity : s.value[1] === '-Inf' ? -Infinity : Number(s.value[1])));
      if (values.some((v) => Number.isNaN(v))) return { name, ok: false, said: t(lang, 'checks.notANumber') };
      if (check.below !== undefined) {
        const worst = Math.max(...values);
        return worst < check.below ? { name, ok: true, said: number(worst, check.unit) } : { name, ok: false, said: t(lang, 'checks.notBelow', { value: number(worst, check.unit), limit: number(check.below, check.unit) }) };
      }
      if (check.above !== undefined) {
        const worst = Math.min(...values);
        return worst > check.above ? { name, ok: true, said: number(worst, check.unit) } : { name, ok: false, said: t(lang, 'checks.notAbove', { value: number(worst, check.unit), limit: number(check.above, check.unit) }) };
      }
      return { name, ok: true, said: number(values[0], check.unit) };
    }
    if ('http' in check) {
      const res = await fetch(check.http, { redirect: 'manual', signal: AbortSignal.any([signal, AbortSignal.timeout(PROBE_TIMEOUT_MS)]) });
      await res.body?.cancel();
      const ok = check.expect !== undefined ? res.status === check.expect : res.status >= 200 && res.status < 300;
      return { name, ok, said: ok ? `${res.status} ${res.statusText}` : t(lang, 'checks.httpStatus', { status: `${res.status} ${res.statusText}` }) };
    }
    const [host, port] = [check.tcp.slice(0, check.tcp.lastIndexOf(':')).replace(/^\[|\]$/g, ''), Number(check.tcp.slice(check.tcp.lastIndexOf(':') + 1))];
    const started = Date.now();
    await new Promise<void>((resolve, reject) => {
      const socket = net.connect({ host, port, timeout: PROBE_TIMEOUT_MS, signal });
      socket.once('connect', () => (socket.destroy(), resolve()));
      socket.once('timeout', () => (socket.destroy(), reject(new Error(t(lang, 'checks.tcpTimeout', { seconds: PROBE_TIMEOUT_MS / 1000 })))));
      socket.once('error', reject);
    });
    return { name, ok: true, said: t(lang, 'checks.connected', { ms: Date.now() - started }) };
  } catch (err) {
    return { name, ok: false, said: t(lang, 'checks.unreachable', { error: (err as Error).message.slice(0, 200) }) };
  }
}

/** Points a chart's window is read in: enough for a line 500 px wide. */
const CHART_POINTS = 120;

/** The charted checks' windows as panels; a range Prometheus cannot answer leaves its panel out. */
async function chartPanels(checks: CheckConfig[], results: CheckResult[], prometheus: PrometheusApi, lang: string): Promise<ChartPanel[]> {
  const panels = await Promise.all(
    checks.map(async (check, i): Promise<ChartPanel | undefined> => {
      if (!('prometheus' in check) || check.chart === undefined) return undefined;
      const end = Math.floor(Date.now() / 1000);
      const start = end - Math.floor(check.chart / 1000);
      const step = Math.max(15, Math.ceil((end - start) / CHART_POINTS));
      try {
        const matrix = await prometheus.queryRange(check.prometheus, { start, end, step });
        const toNumber = (v: string) => (v === '+Inf' ? Infinity : v === '-Inf' ? -Infinity : Number(v));
        const series = matrix.map((m) => ({ label: Object.values(m.metric).join(' '), points: m.values.map(([t, v]) => [t * 1000, toNumber(v)] as [number, number]) }));
        // The series that come nearest the threshold (or all of them, first few) are drawn.
        const last = (s: (typeof series)[number]) => s.points.at(-1)?.[1] ?? 0;
        if (check.below !== undefined) series.sort((a, b) => last(b) - last(a));
        if (check.above !== undefined) series.sort((a, b) => last(a) - last(b));
        return { title: `${check.name} · ${t(lang, 'checks.chartWindow', { window: formatDuration(check.chart) })}`, ok: results[i].ok, unit: check.unit, threshold: check.below ?? check.above, series: series.slice(0, MAX_SERIES), from: start * 1000, to: end * 1000 };
      } catch {
        return undefined;
      }
    }),
  );
  // A few panels: more would make a picture taller than chats show readably.
  return panels.filter((p): p is ChartPanel => p !== undefined).slice(0, MAX_PANELS);
}

export async function runChecks(checks: CheckConfig[], prometheus: PrometheusApi | undefined, lang: string, signal: AbortSignal): Promise<{ detail: string; output: string; results: CheckResult[]; chartSvg?: string }> {
  const results = await Promise.all(checks.map((c) => runCheck(c, prometheus, lang, signal)));
  const panels = prometheus ? await chartPanels(checks, results, prometheus, lang) : [];
  const failed = results.filter((r) => !r.ok);
  const detail = failed.length === 0 ? t(lang, 'checks.allOk', { count: results.length }) : t(lang, 'checks.someFail', { failed: failed.length, count: results.length });
  // Failing checks first: they are what the reader came for.
  const lines = [...failed, ...results.filter((r) => r.ok)].map((r) => `${r.ok ? '✔' : '✖'} ${r.name}: ${r.said}`);
  return { detail, output: [detail, ...lines].join('\n'), results, ...(panels.length ? { chartSvg: checksChartSvg(panels) } : {}) };
}
