/** The part of a forecast the workflow keeps and the chat shows: counts, ETA, the head of the critical path, what had no history. */
import type { Forecast, TaskTree } from '../../lib/forecast/model';
import type { ForecastSummary } from '../../workflows/forecast/definitions';

/** Critical-path subtasks kept in the summary (the message shows fewer). */
const PATH_KEPT = 12;
/** Failed subtasks named (the count is in the progress line). */
const FAILED_NAMED = 10;

export function summarizeForecast(request: string, tree: TaskTree, forecast: Forecast): ForecastSummary {
  const counts = { pending: 0, running: 0, done: 0, failed: 0, total: forecast.subtasks.length };
  for (const s of forecast.subtasks) counts[s.state]++;
  const byId = new Map(forecast.subtasks.map((s) => [s.id, s]));
  const critical = forecast.criticalPath.map((id) => byId.get(id)).filter((s) => s !== undefined);
  // What is still ahead matters to the reader: skip the part of the path already done.
  const ahead = critical.filter((s) => s.state !== 'done');
  return {
    request,
    title: tree.title,
    computedAt: forecast.now,
    start: forecast.start,
    finished: forecast.finished,
    eta: forecast.eta,
    counts,
    criticalPath: ahead.slice(0, PATH_KEPT).map((s) => ({ id: s.id, name: s.name, state: s.state })),
    criticalPathLength: ahead.length,
    noHistory: forecast.noHistory.map((n) => ({ type: n.type, count: n.ids.length, assumedMs: n.assumedMs })),
    failed: forecast.failed.slice(0, FAILED_NAMED).map((id) => byId.get(id)?.name ?? id),
  };
}
