/**
 * Each subtask type's duration distribution for the completion forecast,
 * built once from its history: a sorted sampling table (the past durations,
 * kernel-smoothed in log space), its median, mean and spread, and how
 * uncertain its typical duration is. A draw is one table look-up
 * (table[offset + floor(u * length)]), so a forecast can afford millions.
 */
import type { DurationHistory } from './model';
import { normal } from './random';

// Bound once for the per-run draws: inside a vm context (Temporal's workflow
// sandbox, jest) each lookup of a global such as `Math` costs ~150 ns.
const { exp, max, min, sqrt } = Math;

const HOUR = 3_600_000;
/** Scales a standard logistic variable to unit variance. */
const LOGISTIC_UNIT = Math.sqrt(3) / Math.PI;
/** Sampling tables get about this many entries, so short histories are smoothed finely. */
const TABLE_TARGET = 1024;
const MIN_KERNEL_POINTS = 8;
/** The smallest rest assumed for a subtask running past all its history. */
const MIN_SPREAD_MS = 1000;
/** From this many degrees of freedom on, Student's t is close enough to the normal to skip drawing its chi-square. */
const T_AS_NORMAL_DOF = 30;
/** Caps a type's per-run shift at this many standard errors: t with 1–2 degrees of freedom has tails too long to be useful. */
const MAX_SHIFT_ERRORS = 4;

/** Knobs of the sampling, for the calibration test that justifies their defaults (1 and 1). */
export interface SamplingTuning {
  /** Scale of the kernel bandwidth (Silverman's rule on log durations); 0 = plain bootstrap. */
  kernel?: number;
  /** Scale of the per-run shift of a type's durations by the standard error of its log-mean; 0 = none. */
  typeUncertainty?: number;
}

export interface TypeModels {
  types: string[];
  /** Each leaf's index into the per-type arrays. */
  leafType: Int32Array;
  /** All types' sorted sampling tables, one after another. */
  table: Float64Array;
  offset: Int32Array;
  length: Int32Array;
  /** Of the history itself, not of the smoothed table. */
  median: Float64Array;
  mean: Float64Array;
  /** The rest assumed for a subtask running past all history is 0.5–1.5 of this. */
  spread: Float64Array;
  /** Standard error of the mean of the log durations: the scale of the per-run shift of the type. */
  logShiftSd: Float64Array;
  /** Degrees of freedom of that shift's Student t (history points − 1). */
  shiftDof: Int32Array;
  noHistory: Uint8Array;
}

/**
 * Models the types of the given leaves. A type without history takes
 * fallbackMs, else the median (or mean, for the old method) of all history
 * pooled, else 1 hour, as its one and only duration.
 */
export function buildTypeModels(leafTypes: string[], history: DurationHistory, fallbackMs: number | undefined, tuning: SamplingTuning = {}, center: 'median' | 'mean' = 'median'): TypeModels {
  if (fallbackMs !== undefined && !(Number.isFinite(fallbackMs) && fallbackMs >= 0)) throw new RangeError(`fallbackMs must be a duration in ms, got ${fallbackMs}`);
  const kernel = tuning.kernel ?? 1;
  const typeUncertainty = tuning.typeUncertainty ?? 1;
  const index = new Map<string, number>();
  const leafType = Int32Array.from(leafTypes, (type) => {
    let t = index.get(type);
    if (t === undefined) index.set(type, (t = index.size));
    return t;
  });
  const types = [...index.keys()];
  const count = types.length;
  const models: Omit<TypeModels, 'table'> = {
    types,
    leafType,
    offset: new Int32Array(count),
    length: new Int32Array(count),
    median: new Float64Array(count),
    mean: new Float64Array(count),
    spread: new Float64Array(count),
    logShiftSd: new Float64Array(count),
    shiftDof: new Int32Array(count),
    noHistory: new Uint8Array(count),
  };
  let fallback: number | undefined;
  const tables: number[][] = [];
  types.forEach((type, t) => {
    let durations = cleanDurations(Object.hasOwn(history, type) ? history[type] : undefined);
    if (durations.length === 0) {
      fallback ??= fallbackMs ?? pooledFallback(history, center);
      durations = [fallback];
      models.noHistory[t] = 1;
    }
    const logs = durations.map((ms) => Math.log(Math.max(ms, 1)));
    const logSd = standardDeviation(logs);
    models.median[t] = quantile(durations, 0.5);
    models.mean[t] = durations.reduce((sum, ms) => sum + ms, 0) / durations.length;
    models.spread[t] = Math.max(quantile(durations, 0.75) - quantile(durations, 0.25), 0.1 * models.median[t], MIN_SPREAD_MS);
    models.shiftDof[t] = durations.length - 1;
    models.logShiftSd[t] = (typeUncertainty * logSd) / Math.sqrt(durations.length);
    tables.push(samplingTable(durations, logs, logSd, kernel));
  });
  let total = 0;
  tables.forEach((table, t) => {
    models.offset[t] = total;
    models.length[t] = table.length;
    total += table.length;
  });
  const table = new Float64Array(total);
  tables.forEach((values, t) => table.set(values, models.offset[t]));
  return { ...models, table };
}

/**
 * This run's factor on every duration of type t. The history's log-mean is
 * only an estimate of the type's typical duration, off by about its standard
 * error (Student's t, as the spread is estimated too); drawing it once per run
 * and type makes all subtasks of the type err together, as they do in life.
 * With 90 points this barely matters (the shift is a ninth of the spread);
 * with 5 points it is what keeps the 80% range near 80% (test/forecast.test.ts).
 */
export function drawTypeScale(models: TypeModels, t: number, random: () => number): number {
  const sd = models.logShiftSd[t];
  if (!(sd > 0)) return 1;
  const dof = models.shiftDof[t];
  let z = normal(random);
  if (dof < T_AS_NORMAL_DOF) {
    let chiSquare = 0;
    for (let k = 0; k < dof; k++) chiSquare += normal(random) ** 2;
    z /= sqrt(chiSquare / dof);
  }
  return exp(sd * max(-MAX_SHIFT_ERRORS, min(MAX_SHIFT_ERRORS, z)));
}

/**
 * The rest of a subtask of type t running for `elapsed`: drawn from the
 * durations longer than elapsed, minus elapsed. When none is longer, it has
 * outlived everything we know, so the history cannot say how much is left; we
 * assume it ends within about one more spread of the type (0.5–1.5 times the
 * interquartile range, at least 10% of the median and 1 s): never 0, because
 * it is still running, and not wildly long, because overruns usually end soon.
 */
export function drawRemaining(models: TypeModels, t: number, scale: number, elapsed: number, u: number): number {
  const offset = models.offset[t];
  const length = models.length[t];
  const threshold = elapsed / scale;
  // Usually the subtask has not yet outlived even the shortest past run: no search needed.
  const first = threshold < models.table[offset] ? 0 : firstAbove(models.table, offset, length, threshold);
  if (first === length) return models.spread[t] * (0.5 + u);
  return models.table[offset + first + ((u * (length - first)) | 0)] * scale - elapsed;
}

/** The median of drawRemaining without a shift: the running subtask's rest in the median scenario. */
export function medianRemaining(models: TypeModels, t: number, elapsed: number): number {
  const offset = models.offset[t];
  const length = models.length[t];
  const first = firstAbove(models.table, offset, length, elapsed);
  if (first === length) return models.spread[t];
  const middle = (first + length - 1) / 2;
  const median = (models.table[offset + Math.floor(middle)] + models.table[offset + Math.ceil(middle)]) / 2;
  return median - elapsed;
}

/**
 * The past durations, smoothed: each point spread over a logistic kernel in
 * log space (durations stay positive and skewed), bandwidth by Silverman's
 * rule, as equally likely quantiles. With 5 points a plain bootstrap never
 * draws outside the 5 values seen, so its ranges come out too narrow (55% of
 * true finishes inside the 80% range in the calibration test; with this and
 * drawTypeScale, about 78%). The bandwidth shrinks with more points (n^-1/5):
 * 90 points are smoothed lightly and stay at about 80%. A history without
 * spread (every run took X) stays exactly X.
 */
function samplingTable(durations: number[], logs: number[], logSd: number, kernel: number): number[] {
  const n = durations.length;
  const logIqr = quantile(logs, 0.75) - quantile(logs, 0.25);
  const scale = logIqr > 0 ? Math.min(logSd, logIqr / 1.34) : logSd;
  const bandwidth = kernel * 0.9 * scale * n ** -0.2;
  if (!(bandwidth > 0)) return durations;
  const points = Math.max(MIN_KERNEL_POINTS, Math.ceil(TABLE_TARGET / n));
  const factors = Array.from({ length: points }, (_, j) => {
    const p = (j + 0.5) / points;
    return Math.exp(bandwidth * LOGISTIC_UNIT * Math.log(p / (1 - p)));
  });
  // Divided by their mean, so that smoothing widens the spread but keeps the type's mean.
  const meanFactor = factors.reduce((sum, factor) => sum + factor, 0) / points;
  const table: number[] = [];
  for (const ms of durations) for (const factor of factors) table.push((ms * factor) / meanFactor);
  return table.sort((a, b) => a - b);
}

/** Finite, non-negative durations, sorted ascending (the task database may hold stray rows). */
function cleanDurations(durations: number[] | undefined): number[] {
  return (Array.isArray(durations) ? durations : []).filter((ms) => Number.isFinite(ms) && ms >= 0).sort((a, b) => a - b);
}

function pooledFallback(history: DurationHistory, center: 'median' | 'mean'): number {
  const all = cleanDurations(Object.values(history).flat());
  if (all.length === 0) return HOUR;
  return center === 'median' ? quantile(all, 0.5) : all.reduce((sum, ms) => sum + ms, 0) / all.length;
}

/** Index (relative to offset) of the first table entry above `value`, or length if none. */
function firstAbove(table: Float64Array, offset: number, length: number, value: number): number {
  let low = 0;
  let high = length;
  while (low < high) {
    const middle = (low + high) >>> 1;
    if (table[offset + middle] > value) high = middle;
    else low = middle + 1;
  }
  return low;
}

/** Interpolated quantile of sorted values. */
function quantile(sorted: number[], p: number): number {
  const rank = p * (sorted.length - 1);
  const below = Math.floor(rank);
  const above = Math.min(below + 1, sorted.length - 1);
  return sorted[below] + (sorted[above] - sorted[below]) * (rank - below);
}

function standardDeviation(values: number[]): number {
  if (values.length < 2) return 0;
  const mean = values.reduce((sum, v) => sum + v, 0) / values.length;
  return Math.sqrt(values.reduce((sum, v) => sum + (v - mean) ** 2, 0) / (values.length - 1));
}
