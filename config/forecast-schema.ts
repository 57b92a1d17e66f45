/**
 * Completion forecasts: where a request's subtask XML is, the task database
 * its statuses and past durations come from (PostgreSQL or Oracle, with
 * configured SQL), and how the forecast is made and watched.
 */
import path from 'node:path';
import { z } from 'zod';
import { duration, secretRef, size } from './schema-parts';

const stateWords = z.array(z.string().min(1)).min(1).optional();

export const forecastSchema = z
  .object({
    /**
     * Where a request's subtask XML is: a file path (relative to the config
     * file) or an http(s) URL, with {request} replaced by the request's id.
     */
    requests: z
      .string()
      .min(1)
      .refine((s) => s.includes('{request}'), { message: 'expected a path or URL containing {request}, e.g. /srv/requests/{request}.xml' }),
    database: z
      .object({
        type: z.enum(['postgres', 'oracle'], { errorMap: () => ({ message: 'expected postgres or oracle' }) }),
        /** postgres: a URL such as postgres://dutydesk@db:5432/tasks; oracle: Easy Connect such as db:1521/ORCLPDB1. */
        connectString: z.string().min(1),
        user: z.string().min(1).optional(),
        password: secretRef.optional(),
        poolSize: z.number().int().min(1).max(50).default(4),
      })
      .strict(),
    /** SQL with the named binds :request (status) and :since (history); defaults fit config/forecast/taskdb-schema.sql. */
    queries: z.object({ status: z.string().min(1).optional(), history: z.string().min(1).optional() }).strict().default({}),
    /** The database's state words for done, running and failed (others are pending). */
    states: z.object({ done: stateWords, running: stateWords, failed: stateWords }).strict().optional(),
    /** How far back past durations are read. */
    history: duration.default('90d'),
    /** Monte Carlo runs per forecast. */
    runs: z.number().int().min(100).max(100_000).default(1000),
    /** Share of outcomes inside the range shown (0.8: the 10th to the 90th percentile). */
    confidence: z.number().min(0.5).max(0.99).default(0.8),
    /** Duration assumed for a subtask type with no history (default: the median of all history). */
    fallback: duration.optional(),
    /** How often a watched forecast is made again. */
    recheck: duration.default('5m'),
    /** The default margin of "tell me when it moves". */
    margin: duration.default('15m'),
    /** A watch ends after this even if the request is not done. */
    watchFor: duration.default('7d'),
    /** Where the worker writes Gantt charts for the chat worker to send (a shared volume in docker-compose); kept a day. */
    chartsDir: z.string().min(1).default(() => path.join(process.env.DUTYDESK_DATA_DIR ?? '.data', 'forecasts')),
    xml: z
      .object({
        maxSize: size.default('5MiB'),
        maxDepth: z.number().int().min(2).max(1000).default(50),
        maxSubtasks: z.number().int().min(1).max(1_000_000).default(50_000),
      })
      .strict()
      .default({}),
  })
  .strict();
export type ForecastConfig = z.infer<typeof forecastSchema>;
