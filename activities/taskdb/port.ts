/**
 * What the completion forecast needs from the client's task database, whatever
 * it is (PostgreSQL or Oracle): each subtask's status for a request, and the
 * past durations of each subtask type. Both are read with SQL from config, so
 * the client's own schema stays theirs; this file states the contract.
 *
 * Status query: gets the bind :request (the request's id, a string) and
 * returns one row per subtask with the columns (names case-insensitive)
 *   subtask_id   the id used in the request's XML; rows with a null id are skipped
 *   state        the database's state word, mapped by `states` (unknown words: pending)
 *   started_at   a timestamp, or epoch seconds; null when not started
 *   finished_at  a timestamp, or epoch seconds; null when not finished
 * All four columns must be there (select NULL AS finished_at when the table has
 * none). When a subtask has several rows, the last one wins: order by run.
 *
 * History query: gets the bind :since (a timestamp: the oldest run that
 * counts) and returns one row per finished run with
 *   subtask_type                 the type used in the request's XML
 *   duration_seconds             a number of seconds, or instead
 *   started_at and finished_at   timestamps or epoch seconds
 * Rows with a null type or duration, or a negative one, are skipped; the
 * query decides which runs count (usually: finished successfully since :since).
 *
 * Timestamps are best stored with a time zone (timestamptz, TIMESTAMP WITH
 * TIME ZONE): the drivers read a zoneless timestamp in the worker's local time.
 */
import type { DurationHistory, SubtaskStatus } from '../../lib/forecast/model';

export interface TaskDatabase {
  /** Every subtask of the request the status query returns; [] for an unknown request. */
  subtaskStatuses(request: string): Promise<SubtaskStatus[]>;
  /** Durations (ms) of runs since `since`, by subtask type. */
  durationHistory(since: Date): Promise<DurationHistory>;
  /** Closes the connection pool; the object is unusable afterwards. */
  close(): Promise<void>;
}

export interface TaskDbSettings {
  type: 'postgres' | 'oracle';
  /** postgres: a connection URL "postgres://user@host:5432/db"; oracle: Easy Connect "host:1521/SERVICE" */
  connectString: string;
  user?: string;
  /** Read from a secret when needed, never logged. */
  password?: () => string;
  /** Connections at most (default 4). */
  poolSize?: number;
  /** SQL with the named binds :request (status) and :since (history); see the contract above. */
  queries: { status: string; history: string };
  /**
   * The database's state words for each of our states, compared
   * case-insensitively; words in no list mean pending. A list given here
   * replaces that state's default: done [DONE, COMPLETED, SUCCESS, FINISHED],
   * running [RUNNING, STARTED, IN_PROGRESS], failed [FAILED, ERROR, ABORTED].
   */
  states?: { done?: string[]; running?: string[]; failed?: string[] };
}

export const DEFAULT_POOL_SIZE = 4;
