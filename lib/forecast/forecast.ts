/**
 * The completion forecast: when will a request's subtask tree be done?
 * A Monte Carlo over each subtask type's past durations gives the ETA as a
 * median and a range; a "median scenario" gives each subtask's bar for the
 * chart and the critical path. averageForecast is the old bot's method
 * (averages, sequence = sum, parallel = max), kept for comparison.
 *
 * Pure and deterministic: the clock comes in as options.now and every draw
 * from a seed, so Temporal workflows may call it and tests repeat exactly.
 * The tree is flattened once into a program over typed arrays
 * (schedule-program.ts); each run is one pass over it, allocating nothing.
 */
import { buildTypeModels, drawRemaining, drawTypeScale, medianRemaining, type SamplingTuning, type TypeModels } from './duration-models';
import type { DurationHistory, Forecast, ForecastOptions, ScheduledSubtask, SubtaskStatus, TaskTree } from './model';
import { Mulberry32 } from './random';
import { DONE, finishOf, flatten, leavesIn, makeFrames, PENDING, planStatuses, RUNNING, schedule, type FlatTree, type Plan } from './schedule-program';

export type { SamplingTuning } from './duration-models';

const DEFAULT_RUNS = 1000;
const DEFAULT_CONFIDENCE = 0.8;
const DEFAULT_SEED = 1;

/**
 * The ETA as a median and a range over `runs` Monte Carlo runs, and each
 * subtask's bar in the median scenario. `tuning` is for the calibration
 * test only; callers leave it out.
 */
export function forecastCompletion(tree: TaskTree, statuses: SubtaskStatus[], history: DurationHistory, options: ForecastOptions, tuning?: SamplingTuning): Forecast {
  const runs = options.runs ?? DEFAULT_RUNS;
  const confidence = options.confidence ?? DEFAULT_CONFIDENCE;
  const seed = options.seed ?? DEFAULT_SEED;
  if (!Number.isInteger(runs) || runs < 1) throw new RangeError(`runs must be a positive integer, got ${runs}`);
  if (!(confidence > 0 && confidence < 1)) throw new RangeError(`confidence must be between 0 and 1, got ${confidence}`);

  const flat = flatten(tree);
  const plan = planStatuses(flat, statuses, options.now);
  const models = buildTypeModels(flat.leaves.map((leaf) => leaf.type), history, options.fallbackMs, tuning);
  const finished = plan.mode.every((mode) => mode === DONE);

  // The median scenario: each pending subtask takes its type's median, each running one its conditional median rest.
  const scenario = new Float64Array(flat.leaves.length);
  for (let i = 0; i < scenario.length; i++) {
    const type = models.leafType[i];
    if (plan.mode[i] === PENDING) scenario[i] = models.median[type];
    else if (plan.mode[i] === RUNNING) scenario[i] = medianRemaining(models, type, plan.elapsed[i]);
  }
  const scenarioRun = schedule(flat, plan, scenario);

  let eta: Forecast['eta'];
  if (finished) {
    eta = { median: scenarioRun.finish, low: scenarioRun.finish, high: scenarioRun.finish, confidence };
  } else {
    const finishes = simulate(flat, plan, models, runs, seed);
    const tail = (1 - confidence) / 2;
    eta = { median: percentile(finishes, 0.5), low: percentile(finishes, tail), high: percentile(finishes, 1 - tail), confidence };
  }

  // Back from the leaf that ends last, through the predecessor that let each one start.
  const criticalPath: string[] = [];
  const critical = new Uint8Array(flat.leaves.length);
  for (let leaf = scenarioRun.finishLeaf; leaf >= 0; leaf = scenarioRun.predecessor[leaf]) {
    critical[leaf] = 1;
    criticalPath.push(flat.leaves[leaf].id);
  }
  criticalPath.reverse();

  const subtasks: ScheduledSubtask[] = flat.leaves.map((leaf, i) => ({
    id: leaf.id,
    type: leaf.type,
    name: leaf.name ?? leaf.id,
    state: plan.states[i],
    start: scenarioRun.start[i],
    end: scenarioRun.end[i],
    critical: critical[i] === 1,
    noHistory: assumesDuration(plan, models, i),
    groups: flat.groups[i],
  }));

  return {
    now: options.now,
    start: plan.start,
    finished,
    eta,
    criticalPath,
    subtasks,
    noHistory: listNoHistory(flat, plan, models),
    failed: flat.leaves.filter((_, i) => plan.states[i] === 'failed').map((leaf) => leaf.id),
    runs,
    seed,
  };
}

/**
 * The old bot's ETA (epoch ms): done subtasks at their actual finish, running
 * ones remaining max(0, average − elapsed), pending (and failed) ones their
 * type's average (fallbackMs, else the pooled average, else 1 hour, for a
 * type without history); sequence = sum, parallel = max.
 */
export function averageForecast(tree: TaskTree, statuses: SubtaskStatus[], history: DurationHistory, now: number, fallbackMs?: number): number {
  const flat = flatten(tree);
  const plan = planStatuses(flat, statuses, now);
  const models = buildTypeModels(flat.leaves.map((leaf) => leaf.type), history, fallbackMs, { kernel: 0, typeUncertainty: 0 }, 'mean');
  const durations = new Float64Array(flat.leaves.length);
  for (let i = 0; i < durations.length; i++) {
    const mean = models.mean[models.leafType[i]];
    if (plan.mode[i] === PENDING) durations[i] = mean;
    else if (plan.mode[i] === RUNNING) durations[i] = Math.max(0, mean - plan.elapsed[i]);
  }
  return finishOf(flat, plan, durations, makeFrames(flat));
}

/** `runs` Monte Carlo runs; returns their finishes, sorted. */
function simulate(flat: FlatTree, plan: Plan, models: TypeModels, runs: number, seed: number): Float64Array {
  const generator = new Mulberry32(seed);
  const random = (): number => generator.next();
  const { table, offset, length, leafType } = models;
  const pending = leavesIn(plan, PENDING);
  const running = leavesIn(plan, RUNNING);
  // Each pending leaf's slice of the sampling tables, looked up once rather than per run.
  const pendingOffset = Int32Array.from(pending, (i) => offset[leafType[i]]);
  const pendingLength = Int32Array.from(pending, (i) => length[leafType[i]]);
  const pendingType = Int32Array.from(pending, (i) => leafType[i]);
  const uniforms = new Float64Array(pending.length + running.length);
  const durations = new Float64Array(flat.leaves.length);
  const scale = new Float64Array(models.types.length);
  const frames = makeFrames(flat);
  const finishes = new Float64Array(runs);
  for (let run = 0; run < runs; run++) {
    // All subtasks of a type share the run's scale: how far the history's typical duration is off is one error per type.
    for (let t = 0; t < scale.length; t++) scale[t] = drawTypeScale(models, t, random);
    generator.fill(uniforms);
    // A draw from the sorted sampling table: table[offset + floor(u * length)].
    for (let k = 0; k < pending.length; k++) {
      durations[pending[k]] = table[pendingOffset[k] + ((uniforms[k] * pendingLength[k]) | 0)] * scale[pendingType[k]];
    }
    for (let k = 0; k < running.length; k++) {
      const i = running[k];
      durations[i] = drawRemaining(models, leafType[i], scale[leafType[i]], plan.elapsed[i], uniforms[pending.length + k]);
    }
    finishes[run] = finishOf(flat, plan, durations, frames);
  }
  return finishes.sort();
}

/** Linear interpolation between the closest ranks of sorted values, rounded to whole ms. */
function percentile(sorted: Float64Array, p: number): number {
  const rank = p * (sorted.length - 1);
  const below = Math.floor(rank);
  const above = Math.min(below + 1, sorted.length - 1);
  return Math.round(sorted[below] + (sorted[above] - sorted[below]) * (rank - below));
}

/** A subtask not yet done whose type has no history: the forecast assumed its duration. */
function assumesDuration(plan: Plan, models: TypeModels, leaf: number): boolean {
  return plan.mode[leaf] !== DONE && models.noHistory[models.leafType[leaf]] === 1;
}

/** Types without history, in tree order, with their subtasks not yet done and the duration assumed. */
function listNoHistory(flat: FlatTree, plan: Plan, models: TypeModels): Forecast['noHistory'] {
  const byType = new Map<string, { type: string; ids: string[]; assumedMs: number }>();
  flat.leaves.forEach((leaf, i) => {
    if (!assumesDuration(plan, models, i)) return;
    const type = models.leafType[i];
    let entry = byType.get(leaf.type);
    if (!entry) byType.set(leaf.type, (entry = { type: leaf.type, ids: [], assumedMs: models.median[type] }));
    entry.ids.push(leaf.id);
  });
  return [...byType.values()];
}
