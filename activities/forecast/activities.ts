/**
 * Forecast activities, on the desk queue. A round reads the request's XML,
 * its subtasks' statuses and the past durations from the task database,
 * forecasts, draws the Gantt chart in each reader's language and zone, and
 * sends the answer to whoever asked and to watchers the ETA moved for. The
 * full forecast never leaves the worker; the workflow gets a summary.
 * Refusals (no XML, bad XML, bad SQL) fail at once; an unreachable database
 * is retried by the workflow's retry policy, with one "retrying" note.
 */
import { mkdir, utimes, writeFile } from 'node:fs/promises';
import path from 'node:path';
import { Context } from '@temporalio/activity';
import { ApplicationFailure } from '@temporalio/common';
import type { Client } from '@temporalio/client';
import type { LoadedConfig } from '../../config/load';
import { forecastCompletion } from '../../lib/forecast/forecast';
import { renderGanttSvg } from '../../lib/forecast/gantt-svg';
import type { DurationHistory, Forecast } from '../../lib/forecast/model';
import { parseTaskXml, TaskXmlError } from '../../lib/forecast/task-xml';
import { t, type MessageKey } from '../../lib/i18n';
import { renderForecastAnswer, refusalText, renderForecastFailed, renderForecastMoved, type ForecastReader } from '../../lib/messages/forecast';
import { runLink } from '../../lib/temporal-ui';
import {
  watcherKey,
  type ForecastAsk,
  type ForecastRefusal,
  type ForecastRoundInput,
  type ForecastRoundResult,
  type ForecastSummary,
  type ForecastWatcher,
} from '../../workflows/forecast/definitions';
import { enqueueChatMessage } from '../chat/outbox-client';
import { pruneOlderThan } from '../storage/prune';
import type { TaskDatabase } from '../taskdb/port';
import type { ChatFile } from '../chat/port';
import { TaskDbError } from '../taskdb/errors';
import { chartFileKind, renderGanttPng } from './gantt-png';
import { readRequestXml, readXmlFile, RequestRefused } from './request-source';
import { summarizeForecast } from './summary';

export interface ForecastActivityDeps {
  config: LoadedConfig;
  client: Client;
  /** The task database; absent when forecasts are not configured. */
  taskDb?: TaskDatabase;
}

/** Past durations change slowly (earlier days): read them once per this long per worker. */
const HISTORY_TTL_MS = 10 * 60_000;
const CHART_RETENTION_MS = 24 * 3_600_000;

function refused(refusal: ForecastRefusal): never {
  throw ApplicationFailure.create({ message: `${refusal.key}: ${JSON.stringify(refusal.vars)}`, type: 'ForecastRefused', nonRetryable: true, details: [refusal] });
}

export function createForecastActivities({ config, client, taskDb }: ForecastActivityDeps) {
  let history: { at: number; value: DurationHistory } | undefined;

  async function durationHistory(now: number): Promise<DurationHistory> {
    if (history && now - history.at < HISTORY_TTL_MS) return history.value;
    const settings = config.forecast!;
    history = { at: now, value: await taskDb!.durationHistory(new Date(now - settings.history)) };
    return history.value;
  }

  /** The forecast as of now; refusals as ApplicationFailures the workflow can tell people about. */
  async function forecastNow(request: string, seed: number, xmlFile?: string): Promise<{ forecast: Forecast; summary: ForecastSummary }> {
    const settings = config.forecast;
    if (!settings || !taskDb) refused({ key: 'forecast.notConfigured', vars: {} });
    try {
      const xml = xmlFile
        ? await readXmlFile(xmlFile, request, settings.xml.maxSize)
        : (await readRequestXml(settings.requests, request, path.dirname(config.source), settings.xml.maxSize)).xml;
      // A file sent in chat is pruned a day after it was last touched: while a watch reads it, it stays.
      if (xmlFile) await utimes(xmlFile, new Date(), new Date()).catch(() => undefined);
      const tree = parseTaskXml(xml, { maxBytes: settings.xml.maxSize, maxDepth: settings.xml.maxDepth, maxSubtasks: settings.xml.maxSubtasks });
      const now = Date.now();
      const [statuses, past] = await Promise.all([taskDb.subtaskStatuses(request), durationHistory(now)]);
      const forecast = forecastCompletion(tree, statuses, past, { now, seed, runs: settings.runs, confidence: settings.confidence, fallbackMs: settings.fallback });
      return { forecast, summary: summarizeForecast(request, tree, forecast) };
    } catch (err) {
      if (err instanceof RequestRefused) refused(err.refusal);
      if (err instanceof TaskXmlError) refused({ key: 'forecast.badXml', vars: { request, error: err.message }, xmlError: { code: err.code, vars: err.vars } });
      if (err instanceof TaskDbError && !err.retryable) refused({ key: 'forecast.badDatabase', vars: { request, error: err.message } });
      throw err;
    }
  }

  /** One chart per language and zone among the readers, written where the chat worker reads files. */
  async function charts(forecast: Forecast, summary: ForecastSummary, readers: ForecastAsk[], round: string): Promise<Map<string, ChatFile>> {
    const dir = config.forecast!.chartsDir;
    await mkdir(dir, { recursive: true });
    await pruneOlderThan(dir, CHART_RETENTION_MS);
    const made = new Map<string, ChatFile>();
    for (const r of readers) {
      const key = `${r.language} ${r.timeZone}`;
      if (made.has(key)) continue;
      const lang = r.language;
      const label = (k: string) => t(lang, `forecast.chart.${k}` as MessageKey);
      const svg = renderGanttSvg(forecast, {
        // The chat's leading emoji has no glyph in the chart's fonts.
        title: t(lang, 'forecast.title', { request: summary.request, title: summary.title ? ` — ${summary.title}` : '' }).replace(/^\p{Extended_Pictographic}\s*/u, ''),
        timeZone: r.timeZone,
        locale: lang,
        labels: {
          done: label('done'),
          running: label('running'),
          pending: label('pending'),
          failed: label('failed'),
          now: label('now'),
          eta: label('eta'),
          range: t(lang, 'forecast.chart.range', { confidence: Math.round(summary.eta.confidence * 100) }),
          critical: label('critical'),
          noHistory: label('noHistory'),
          collapsed: label('collapsed'),
        },
      });
      const name = `${summary.request}-forecast-${made.size + 1}.png`;
      const file = path.join(dir, `${round}-${made.size + 1}.png`.replace(/[^A-Za-z0-9_.-]/g, '_'));
      const png = renderGanttPng(svg);
      await writeFile(file, png);
      made.set(key, { path: file, name, kind: chartFileKind(png) });
    }
    return made;
  }

  /** The watcher's own margin; for others, the one the watch button offers. */
  const marginOf = (r: ForecastAsk, watching: Map<string, ForecastWatcher>) => watching.get(watcherKey(r))?.watchMarginMs ?? r.watchMarginMs ?? config.forecast?.margin ?? 15 * 60_000;

  return {
    async forecastRound(input: ForecastRoundInput): Promise<ForecastRoundResult> {
      const { request, round, asks, watchers, workflowId, runId } = input;
      const runUrl = runLink(config.temporal.uiUrl, config.temporal.namespace, workflowId, runId);
      const attempt = Context.current().info.attempt;
      let made: { forecast: Forecast; summary: ForecastSummary };
      try {
        made = await forecastNow(request, input.seed, input.xmlFile);
      } catch (err) {
        // On the first failed attempt askers hear that it takes longer, once.
        if (attempt === 1 && !(err instanceof ApplicationFailure)) {
          for (const ask of asks) {
            const text = t(ask.language, 'forecast.retrying', { request, error: (err as Error).message });
            await enqueueChatMessage(client, ask.chat, { key: `${workflowId}/${runId}/${round}/${watcherKey(ask)}/retrying`, mode: 'new', message: { text } });
          }
        }
        throw err;
      }
      const { forecast, summary } = made;
      const asked = new Set(asks.map(watcherKey));
      const watching = new Map(watchers.map((w) => [watcherKey(w), w]));
      // Watchers hear again when the ETA moved by more than their margin since they were last told, or when it is done.
      const moved = watchers.filter(
        (w) => !asked.has(watcherKey(w)) && w.lastToldEta !== undefined && (summary.finished || Math.abs(summary.eta.median - w.lastToldEta) > w.watchMarginMs),
      );
      const readers: ForecastAsk[] = [...asks, ...moved];
      const chartFiles = await charts(forecast, summary, readers, `${workflowId}-${runId}-${round}`);
      const reader = (r: ForecastAsk): ForecastReader => ({
        language: r.language,
        timeZone: r.timeZone,
        now: forecast.now,
        runUrl,
        chart: chartFiles.get(`${r.language} ${r.timeZone}`),
        watching: watching.has(watcherKey(r)),
        marginMs: marginOf(r, watching),
      });
      for (const ask of asks) {
        const message = renderForecastAnswer(summary, reader(ask));
        await enqueueChatMessage(client, ask.chat, { key: `${workflowId}/${runId}/${round}/${watcherKey(ask)}`, mode: 'new', message });
      }
      for (const w of moved) {
        const message = renderForecastMoved(summary, w.lastToldEta, reader(w));
        await enqueueChatMessage(client, w.chat, { key: `${workflowId}/${runId}/${round}/${watcherKey(w)}`, mode: 'new', message });
      }
      return { summary, told: moved.map(watcherKey) };
    },

    async tellForecastFailed(input: ForecastRoundInput & { error: string; refused: boolean; reason?: ForecastRefusal }): Promise<void> {
      const { request, round, asks, watchers, workflowId, runId } = input;
      const runUrl = runLink(config.temporal.uiUrl, config.temporal.namespace, workflowId, runId);
      const watching = new Set(watchers.map(watcherKey));
      // Askers always hear; watchers only of a refusal (an unreachable database is tried again at the next check).
      const readers = input.refused ? [...asks, ...watchers.filter((w) => !asks.some((a) => watcherKey(a) === watcherKey(w)))] : asks;
      for (const r of readers) {
        const reason = input.reason ? refusalText(r.language, input.reason) : input.error;
        const message = renderForecastFailed(request, reason, { language: r.language, refused: input.refused, watching: watching.has(watcherKey(r)), runUrl });
        await enqueueChatMessage(client, r.chat, { key: `${workflowId}/${runId}/${round}/${watcherKey(r)}/failed`, mode: 'new', message });
      }
    },
  };
}
