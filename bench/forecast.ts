/**
 * The completion forecast on a big request: a 10,000-subtask tree 20 levels
 * deep with 90 days of history per subtask type, a third of it under way.
 * Prints the time to parse the XML, to forecast (Monte Carlo runs included)
 * and to draw the Gantt chart (SVG and PNG), each the median of several
 * rounds after a warm-up. Targets: 100 ms, 500 ms, 1 s.
 *   npm run bench:forecast -- [subtasks=10000] [depth=20] [runs=1000] [rounds=5]
 */
import { renderGanttPng } from '../activities/forecast/gantt-png';
import { forecastCompletion } from '../lib/forecast/forecast';
import { renderGanttSvg } from '../lib/forecast/gantt-svg';
import type { DurationHistory, Forecast, SubtaskStatus, TaskTree } from '../lib/forecast/model';
import { mulberry32, normal } from '../lib/forecast/random';
import { parseTaskXml } from '../lib/forecast/task-xml';
import { syntheticRequestXml } from '../test/helpers/synthetic-request';
import { percentile, runBench } from './stats';

const [subtasks = 10_000, depth = 20, runs = 1000, rounds = 5] = process.argv.slice(2).map(Number);
const TYPES = 30;
const MINUTE = 60_000;

function timed<T>(work: () => T): { ms: number; value: T } {
  const t0 = performance.now();
  const value = work();
  return { ms: performance.now() - t0, value };
}

/** The median time over the rounds, after one warm-up call. */
function measure<T>(work: () => T): { ms: number; value: T } {
  let last = timed(work);
  const times: number[] = [];
  for (let i = 0; i < rounds; i++) {
    last = timed(work);
    times.push(last.ms);
  }
  return { ms: percentile(times, 50), value: last.value };
}

function history(): DurationHistory {
  const random = mulberry32(7);
  const out: DurationHistory = {};
  for (let t = 0; t < TYPES; t++) {
    const usual = (5 + t * 3) * MINUTE;
    out[`type-${t}`] = Array.from({ length: 90 }, () => usual * Math.exp(0.3 * normal(random)));
  }
  return out;
}

/** The first third of the subtasks (in tree order) done or running, as of now. */
function statuses(tree: TaskTree, now: number): SubtaskStatus[] {
  const ids: string[] = [];
  const walk = (n: TaskTree['root']['children'][number]) => (n.kind === 'task' ? ids.push(n.id) : n.children.forEach(walk));
  tree.root.children.forEach(walk);
  const third = Math.floor(ids.length / 3);
  return ids.slice(0, third).map((id, i) => (i % 10 === 0 ? { id, state: 'running', startedAt: now - 5 * MINUTE } : { id, state: 'done', startedAt: now - 90 * MINUTE, finishedAt: now - 30 * MINUTE }));
}

async function main() {
  const xml = syntheticRequestXml({ subtasks, depth, types: TYPES, seed: 1 });
  const now = Date.UTC(2026, 10, 25, 10, 0);
  const parsed = measure(() => parseTaskXml(xml));
  const tree = parsed.value;
  const past = history();
  const status = statuses(tree, now);
  const forecast = measure(() => forecastCompletion(tree, status, past, { now, runs, seed: 42 }));
  const f: Forecast = forecast.value;
  const labels = { done: 'done', running: 'running', pending: 'pending', failed: 'failed', now: 'now', eta: 'ETA', range: '80% range', critical: 'critical path', noHistory: 'no history', collapsed: '{count} subtasks in {rows} rows' };
  const svg = measure(() => renderGanttSvg(f, { title: 'Synthetic request', timeZone: 'Europe/Madrid', labels }));
  const png = measure(() => renderGanttPng(svg.value));

  const line = (what: string, ms: number, target: number) => console.log(`  ${what.padEnd(34)} ${ms.toFixed(1).padStart(8)} ms   (target < ${target} ms: ${ms < target ? 'met' : 'MISSED'})`);
  console.log(`request of ${tree.subtaskCount} subtasks, ${tree.depth} levels, ${(xml.length / 1024).toFixed(0)} KiB of XML; ${TYPES} types x 90 days of history; ${runs} Monte Carlo runs; median of ${rounds} rounds`);
  line('parse the XML', parsed.ms, 100);
  line('forecast (with the Monte Carlo)', forecast.ms, 500);
  line('chart: SVG + PNG', svg.ms + png.ms, 1000);
  console.log(`  (SVG ${svg.ms.toFixed(1)} ms, PNG ${png.ms.toFixed(1)} ms, ${(png.value.length / 1024).toFixed(0)} KiB, ${png.value.readUInt32BE(16)}x${png.value.readUInt32BE(20)} px)`);
  console.log(`  ETA in ${((f.eta.median - now) / 3_600_000).toFixed(1)} h (80% range ${((f.eta.low - now) / 3_600_000).toFixed(1)}–${((f.eta.high - now) / 3_600_000).toFixed(1)} h), critical path ${f.criticalPath.length} subtasks`);
}

runBench(main);
