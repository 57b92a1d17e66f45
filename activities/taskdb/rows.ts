/**
 * Rows of the configured queries into the forecast's model, the same for
 * every driver: column names in any case (Oracle says SUBTASK_ID), times as
 * Date, ISO text or epoch seconds (number or numeric text, as PostgreSQL's
 * numeric arrives), the database's state words mapped onto ours.
 */
import type { DurationHistory, SubtaskState, SubtaskStatus } from '../../lib/forecast/model';
import { TaskDbError, type TaskDbQuery } from './errors';
import type { TaskDatabase, TaskDbSettings } from './port';
import { prepareQueries, type PreparedQuery } from './sql';

export type Row = Record<string, unknown>;

const DEFAULT_STATES: Record<Exclude<SubtaskState, 'pending'>, string[]> = {
  done: ['DONE', 'COMPLETED', 'SUCCESS', 'FINISHED'],
  running: ['RUNNING', 'STARTED', 'IN_PROGRESS'],
  failed: ['FAILED', 'ERROR', 'ABORTED'],
};

/** The mapping from the database's state words (any case, trimmed) to ours; words in no list are pending. */
export function stateMapper(states: TaskDbSettings['states'] = {}): (word: unknown) => SubtaskState {
  const map = new Map<string, SubtaskState>();
  for (const state of ['done', 'running', 'failed'] as const) {
    for (const word of states[state] ?? DEFAULT_STATES[state]) map.set(word.trim().toUpperCase(), state);
  }
  return (word) => (word == null ? 'pending' : map.get(String(word).trim().toUpperCase()) ?? 'pending');
}

function lowerKeys(row: Row): Row {
  const out: Row = {};
  for (const [key, value] of Object.entries(row)) out[key.toLowerCase()] = value;
  return out;
}

const NUMBER = /^[+-]?(\d+\.?\d*|\.\d+)([eE][+-]?\d+)?$/;

/** A number of seconds from a number, bigint or numeric text; undefined for null. */
function seconds(value: unknown, what: () => string): number | undefined {
  if (value == null) return undefined;
  if (typeof value === 'number') return value;
  if (typeof value === 'bigint') return Number(value);
  if (typeof value === 'string' && NUMBER.test(value.trim())) return Number(value);
  throw new TaskDbError(`Task database: ${what()} is ${JSON.stringify(value)}, not a number of seconds (in PostgreSQL: EXTRACT(EPOCH FROM finished_at - started_at)).`, false);
}

/** Epoch ms from a Date, ISO text or epoch seconds; undefined for null. */
export function epochMs(value: unknown, what: () => string): number | undefined {
  if (value == null) return undefined;
  let ms: number;
  // Not instanceof: a Date made in another realm (a driver loaded outside jest's sandbox) is one too.
  if (Object.prototype.toString.call(value) === '[object Date]') ms = (value as Date).getTime();
  else if (typeof value === 'string' && !NUMBER.test(value.trim())) ms = Date.parse(value);
  else ms = Math.round(seconds(value, what)! * 1000);
  if (!Number.isFinite(ms)) throw new TaskDbError(`Task database: ${what()} is ${JSON.stringify(String(value))}, not a timestamp or epoch seconds.`, false);
  return ms;
}

/** Fails with the columns the query did return when one it must return is missing. */
function requireColumns(query: TaskDbQuery, columns: string[], required: string[][]): void {
  const have = new Set(columns.map((c) => c.toLowerCase()));
  for (const alternatives of required) {
    if (alternatives.some((set) => set.split('+').every((c) => have.has(c)))) continue;
    const wanted = alternatives.map((set) => set.split('+').join(' and ')).join(' or ');
    throw new TaskDbError(
      `Task database: the ${query} query returned no ${wanted} column (its columns: ${columns.join(', ') || 'none'}). Give the column that name with AS.`,
      false,
      undefined,
      query,
    );
  }
}

const STATUS_COLUMNS = [['subtask_id'], ['state'], ['started_at'], ['finished_at']];
const HISTORY_COLUMNS = [['subtask_type'], ['duration_seconds', 'started_at+finished_at']];

/**
 * The status query's rows as statuses; `columns` are the result's column names
 * (the first row's keys when the driver gives none), checked even with no rows.
 * A subtask with several rows keeps the last.
 */
export function statusesFromRows(rows: Row[], columns: string[] | undefined, toState: (word: unknown) => SubtaskState): SubtaskStatus[] {
  const names = columns ?? (rows[0] ? Object.keys(rows[0]) : undefined);
  if (names) requireColumns('status', names, STATUS_COLUMNS);
  const byId = new Map<string, SubtaskStatus>();
  for (const raw of rows) {
    const row = lowerKeys(raw);
    if (row.subtask_id == null) continue;
    const id = String(row.subtask_id);
    const at = (column: string) => epochMs(row[column], () => `the status query's ${column} of subtask ${id}`);
    const status: SubtaskStatus = { id, state: toState(row.state) };
    const startedAt = at('started_at');
    const finishedAt = at('finished_at');
    if (startedAt !== undefined) status.startedAt = startedAt;
    if (finishedAt !== undefined) status.finishedAt = finishedAt;
    byId.delete(id);
    byId.set(id, status);
  }
  return [...byId.values()];
}

/** The history query's rows as durations (ms) by type; null, negative or NaN durations are dropped. */
export function historyFromRows(rows: Row[], columns: string[] | undefined): DurationHistory {
  const names = columns ?? (rows[0] ? Object.keys(rows[0]) : undefined);
  if (names) requireColumns('history', names, HISTORY_COLUMNS);
  const history: DurationHistory = {};
  for (const raw of rows) {
    const row = lowerKeys(raw);
    if (row.subtask_type == null) continue;
    const type = String(row.subtask_type);
    const what = (column: string) => () => `the history query's ${column} of a ${type} run`;
    let ms: number | undefined;
    const s = seconds(row.duration_seconds, what('duration_seconds'));
    if (s !== undefined) ms = Math.round(s * 1000);
    else {
      const started = epochMs(row.started_at, what('started_at'));
      const finished = epochMs(row.finished_at, what('finished_at'));
      if (started !== undefined && finished !== undefined) ms = finished - started;
    }
    if (ms === undefined || !Number.isFinite(ms) || ms < 0) continue;
    (history[type] ??= []).push(ms);
  }
  return history;
}

/** Runs one prepared query with its binds and gives back its rows (and column names, when the driver says). */
export type QueryRunner = (prepared: PreparedQuery, values: Record<string, unknown>) => Promise<{ rows: Row[]; columns?: string[] }>;

/** A TaskDatabase over a driver's query runner: the same queries, binds and row handling for every driver. */
export function taskDatabaseOver(settings: TaskDbSettings, run: QueryRunner, close: () => Promise<void>): TaskDatabase {
  const queries = prepareQueries(settings.queries);
  const toState = stateMapper(settings.states);
  return {
    async subtaskStatuses(request) {
      const { rows, columns } = await run(queries.status, { request });
      return statusesFromRows(rows, columns, toState);
    },
    async durationHistory(since) {
      const { rows, columns } = await run(queries.history, { since });
      return historyFromRows(rows, columns);
    },
    close,
  };
}
