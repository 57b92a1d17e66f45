/**
 * The queries for the example schema (config/forecast/taskdb-schema.sql: one
 * subtask_run row per subtask of a request), for PostgreSQL and for Oracle.
 * They differ only in the duration arithmetic: Oracle has no EXTRACT(EPOCH …).
 * A client with its own schema writes its own, to the contract in port.ts.
 */

/** One row per subtask of the request. */
const STATUS = `SELECT subtask_id, state, started_at, finished_at
  FROM subtask_run
 WHERE request_id = :request
 ORDER BY subtask_id`;

/** Successful runs finished since :since; failed or unfinished ones say nothing about how long the work takes. */
export const POSTGRES_QUERIES = {
  status: STATUS,
  history: `SELECT subtask_type, EXTRACT(EPOCH FROM finished_at - started_at) AS duration_seconds
  FROM subtask_run
 WHERE state = 'DONE' AND finished_at >= :since AND started_at IS NOT NULL`,
};

/**
 * A TIMESTAMP (WITH TIME ZONE) difference is an INTERVAL DAY TO SECOND: summed
 * up in seconds, fractions kept. With DATE columns the difference is a number
 * of days instead: (finished_at - started_at) * 86400 AS duration_seconds.
 */
export const ORACLE_QUERIES = {
  status: STATUS,
  history: `SELECT subtask_type,
       EXTRACT(DAY FROM d) * 86400 + EXTRACT(HOUR FROM d) * 3600 + EXTRACT(MINUTE FROM d) * 60 + EXTRACT(SECOND FROM d) AS duration_seconds
  FROM (SELECT subtask_type, finished_at - started_at AS d
          FROM subtask_run
         WHERE state = 'DONE' AND finished_at >= :since AND started_at IS NOT NULL)`,
};
