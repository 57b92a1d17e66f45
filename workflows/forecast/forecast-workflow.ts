/**
 * "When will it be ready?" for one request: each round reads the request's
 * subtasks and their statuses, forecasts, and answers whoever asked since the
 * last round; people who asked to be watched are told again when the ETA
 * moves by more than their margin, and when the request is done. The run
 * re-checks on a timer while anyone watches, and ends when nobody does.
 */
import { ActivityFailure, ApplicationFailure, condition, continueAsNew, proxyActivities, setHandler, workflowInfo } from '@temporalio/workflow';
import type { createForecastActivities } from '../../activities/forecast/activities';
import { rootMessage } from '../../lib/failure';
import {
  askForecastSignal,
  forecastStateQuery,
  stopWatchingSignal,
  watcherKey,
  type ForecastAsk,
  type ForecastRefusal,
  type ForecastSummary,
  type ForecastWatcher,
  type ForecastWorkflowInput,
} from './definitions';

type ForecastActivities = ReturnType<typeof createForecastActivities>;

/** A round reads the XML and the database: an unreachable database is retried for about a minute, then said. */
const rounds = proxyActivities<ForecastActivities>({
  startToCloseTimeout: '5m',
  retry: { initialInterval: '2s', backoffCoefficient: 2, maximumInterval: '30s', maximumAttempts: 5, nonRetryableErrorTypes: ['ForecastRefused'] },
});
const notices = proxyActivities<ForecastActivities>({
  startToCloseTimeout: '30s',
  retry: { initialInterval: '1s', maximumInterval: '30s' },
});

/** Rounds before the run continues as new, to keep its history short. */
const ROUNDS_PER_RUN = 200;

/** The same seed for every round of a request: only new data moves the ETA, not sampling noise. */
function seedOf(request: string): number {
  let h = 2166136261;
  for (let i = 0; i < request.length; i++) h = Math.imul(h ^ request.charCodeAt(i), 16777619);
  return h >>> 0;
}

export async function forecastWorkflow(input: ForecastWorkflowInput): Promise<ForecastSummary | undefined> {
  const { workflowId, runId } = workflowInfo();
  const { request } = input;
  const asks: ForecastAsk[] = [...(input.asks ?? [])];
  const watchers = new Map<string, ForecastWatcher>((input.watchers ?? []).map((w) => [watcherKey(w), w]));
  let round = input.round ?? 0;
  let last = input.last;
  // The latest XML sent in chat for this request, if any, replaces the configured one.
  let xmlFile = input.xmlFile;

  setHandler(askForecastSignal, (ask) => void asks.push(ask));
  setHandler(stopWatchingSignal, (who) => void watchers.delete(watcherKey(who)));
  setHandler(forecastStateQuery, () => ({
    request,
    last,
    round,
    watchers: [...watchers.values()].map((w) => ({ person: w.person, chat: w.chat, marginMs: w.watchMarginMs, since: w.since })),
  }));

  for (let inThisRun = 0; ; inThisRun++) {
    // Watches expire; a person asking again renews theirs.
    for (const [key, w] of watchers) if (Date.now() - w.since > input.watchForMs) watchers.delete(key);
    if (asks.length === 0) {
      if (watchers.size === 0) break;
      await condition(() => asks.length > 0 || watchers.size === 0, input.recheckMs);
      if (asks.length === 0 && watchers.size === 0) break;
    }
    if (inThisRun >= ROUNDS_PER_RUN) {
      await continueAsNew<typeof forecastWorkflow>({ ...input, asks, watchers: [...watchers.values()], round, last, xmlFile });
    }
    const batch = asks.splice(0);
    for (const ask of batch) {
      if (ask.xmlFile) xmlFile = ask.xmlFile;
      if (ask.watchMarginMs !== undefined) watchers.set(watcherKey(ask), { ...ask, watchMarginMs: ask.watchMarginMs, since: Date.now() });
    }
    round++;
    const roundInput = { request, round, asks: batch, watchers: [...watchers.values()], workflowId, runId, seed: seedOf(request), ...(xmlFile ? { xmlFile } : {}) };
    try {
      const result = await rounds.forecastRound(roundInput);
      last = result.summary;
      for (const key of result.told) {
        const w = watchers.get(key);
        if (w) w.lastToldEta = result.summary.eta.median;
      }
      // Askers who just heard the forecast count as told.
      for (const ask of batch) {
        const w = watchers.get(watcherKey(ask));
        if (w) w.lastToldEta = result.summary.eta.median;
      }
      if (result.summary.finished) watchers.clear();
    } catch (err) {
      const cause = err instanceof ActivityFailure ? err.cause : undefined;
      const refused = cause instanceof ApplicationFailure && cause.type === 'ForecastRefused';
      const reason = refused ? (cause.details?.[0] as ForecastRefusal | undefined) : undefined;
      // A refusal (no such request, bad XML, bad SQL) will not get better by itself: watching ends.
      await notices.tellForecastFailed({ ...roundInput, error: rootMessage(err), refused, reason });
      if (refused) watchers.clear();
    }
  }
  return last;
}
