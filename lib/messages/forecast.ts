/**
 * How a completion forecast reads in chat: the answer (ETA with its range,
 * progress, critical path, what had no history, the Gantt chart), a move
 * told to a watcher, the finish, and why a request cannot be forecast.
 * Pure functions over the round's summary.
 */
import type { ChatFile, ChatMessage } from '../../activities/chat/port';
import type { ForecastRefusal, ForecastSummary } from '../../workflows/forecast/definitions';
import { t, type MessageKey } from '../i18n';
import { localDateTime, spanWords, type ReaderContext } from './deadlines';

export const forecastWatchAction = (request: string) => `forecast.watch:${request}`;
export const forecastUnwatchAction = (request: string) => `forecast.unwatch:${request}`;

/** Critical-path names shown in one line before "…". */
const PATH_SHOWN = 8;

export interface ForecastReader extends ReaderContext {
  runUrl: string;
  /** The chart for this reader's language and zone, on the worker's disk (a photo, or a document when tall). */
  chart?: ChatFile;
  /** Whether this reader watches the request here (picks the button). */
  watching: boolean;
  /** The margin a watch button offers. */
  marginMs: number;
}

function headline(s: ForecastSummary, language: string): string {
  return t(language, 'forecast.title', { request: s.request, title: s.title ? ` — ${s.title}` : '' });
}

function etaLine(s: ForecastSummary, r: ForecastReader): string {
  if (s.finished) return t(r.language, 'forecast.finished', { at: localDateTime(s.eta.median, r), took: spanWords(s.eta.median - s.start, r.language) });
  return t(r.language, 'forecast.eta', {
    eta: localDateTime(s.eta.median, r),
    left: spanWords(s.eta.median - r.now, r.language),
    confidence: Math.round(s.eta.confidence * 100),
    low: localDateTime(s.eta.low, r),
    high: localDateTime(s.eta.high, r),
  });
}

function detailLines(s: ForecastSummary, r: ForecastReader): string[] {
  const lang = r.language;
  const c = s.counts;
  const lines = [t(lang, 'forecast.progress', { done: c.done, running: c.running, pending: c.pending, failed: c.failed, total: c.total, start: localDateTime(s.start, r) })];
  if (!s.finished && s.criticalPath.length) {
    const names = s.criticalPath.slice(0, PATH_SHOWN).map((p) => (p.state === 'running' ? `▶ ${p.name}` : p.name));
    const more = s.criticalPathLength > PATH_SHOWN ? ' → …' : '';
    lines.push(t(lang, 'forecast.critical', { count: s.criticalPathLength, path: names.join(' → ') + more }));
  }
  for (const n of s.noHistory) lines.push(t(lang, 'forecast.noHistory', { type: n.type, count: n.count, assumed: spanWords(n.assumedMs, lang) }));
  if (s.failed.length) lines.push(t(lang, 'forecast.failedSubtasks', { list: s.failed.join(', ') }));
  return lines;
}

function withChart(text: string, s: ForecastSummary, r: ForecastReader): ChatMessage {
  const lang = r.language;
  const buttons = s.finished
    ? []
    : [[r.watching ? { label: t(lang, 'forecast.button.unwatch'), action: forecastUnwatchAction(s.request) } : { label: t(lang, 'forecast.button.watch', { margin: spanWords(r.marginMs, lang) }), action: forecastWatchAction(s.request) }]];
  return { text, buttons, ...(r.chart ? { file: r.chart } : {}) };
}

/** The answer to "forecast <request>". */
export function renderForecastAnswer(s: ForecastSummary, r: ForecastReader): ChatMessage {
  const lines = [headline(s, r.language), etaLine(s, r), ...detailLines(s, r)];
  if (r.watching && !s.finished) lines.push(t(r.language, 'forecast.watching', { margin: spanWords(r.marginMs, r.language) }));
  lines.push(t(r.language, 'restart.uiLink', { url: r.runUrl }));
  return withChart(lines.join('\n'), s, r);
}

/** To a watcher: the ETA moved by more than their margin since they were last told, or the request is done. */
export function renderForecastMoved(s: ForecastSummary, was: number | undefined, r: ForecastReader): ChatMessage {
  const lang = r.language;
  const lines = [headline(s, lang)];
  if (s.finished) lines.push(t(lang, 'forecast.doneNotice', { at: localDateTime(s.eta.median, r) }));
  else if (was !== undefined) {
    const delta = s.eta.median - was;
    lines.push(t(lang, delta > 0 ? 'forecast.movedLater' : 'forecast.movedEarlier', { delta: spanWords(delta, lang), was: localDateTime(was, r) }));
  }
  lines.push(etaLine(s, r), ...detailLines(s, r), t(lang, 'restart.uiLink', { url: r.runUrl }));
  return withChart(lines.join('\n'), s, r);
}

/** Why the round failed: a refusal with its reason, or the database unreachable after retries. */
/** A mistake in a request's XML, said in the reader's language. */
export function taskXmlErrorText(language: string, error: { code: string; vars: Record<string, string | number> }): string {
  return t(language, 'forecast.badXml', { error: t(language, `xml.${error.code}` as MessageKey, error.vars) });
}

/** Why a request cannot be forecast, in the reader's language. */
export function refusalText(language: string, refusal: ForecastRefusal): string {
  return refusal.xmlError ? taskXmlErrorText(language, refusal.xmlError) : t(language, refusal.key as MessageKey, refusal.vars);
}

export function renderForecastFailed(request: string, reason: string, o: { language: string; refused: boolean; watching: boolean; runUrl: string }): ChatMessage {
  const lang = o.language;
  const head = o.refused ? t(lang, 'forecast.refused', { request, reason }) : t(lang, 'forecast.unreachable', { request, error: reason });
  const next = !o.refused && o.watching ? [t(lang, 'forecast.retryLater')] : [];
  return { text: [head, ...next, t(lang, 'restart.uiLink', { url: o.runUrl })].join('\n') };
}
