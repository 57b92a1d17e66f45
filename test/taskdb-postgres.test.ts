/**
 * The task database on a real PostgreSQL: the example schema loaded, rows
 * written here, read back through createTaskDatabase with the default and
 * with hand-written queries (literals, casts, epoch seconds), and the errors
 * a misconfigured or unreachable database gives. The shared bind parsing
 * (sql.ts) is checked here too, as PostgreSQL is where its output runs.
 */
import { readFileSync } from 'node:fs';
import path from 'node:path';
import { POSTGRES_QUERIES } from '../activities/taskdb/default-queries';
import { createTaskDatabase, TaskDbError, type TaskDatabase, type TaskDbSettings } from '../activities/taskdb';
import { prepareQuery, toPostgres } from '../activities/taskdb/sql';
import { loadDemoTaskData } from '../scripts/forecast/demo-taskdb';
import { LOCAL_POSTGRES_DATABASE } from '../scripts/postgres/local-postgres';
import { startPostgres, type TestPostgres } from './helpers/postgres';
import { freePort } from './helpers/wait';
import { rejectionOf } from './helpers/rejection';

const SCHEMA = path.resolve(__dirname, '../config/forecast/taskdb-schema.sql');
const DEMO_XML = path.resolve(__dirname, '../config/forecast/REQ-2041.xml');
const MIN = 60_000;
const DAY = 86_400_000;
/** The request's start; with milliseconds, to see they survive. */
const T = Date.parse('2026-11-20T09:00:00.250Z');
const SINCE = T - 4.5 * DAY;

type Run = [request: string, id: string, type: string, state: string, started: number | null, finished: number | null];

/** One request of several subtasks, another one's that must not leak in, and earlier days' runs. */
const RUNS: Run[] = [
  ['REQ-7', 'a1', 'provision', 'DONE', T, T + 42 * MIN + 500],
  ['REQ-7', 'a2', 'configure', 'completed', T + 43 * MIN, T + 60 * MIN],
  ['REQ-7', 'a3', 'network', 'RUNNING', T + 61 * MIN, null],
  ['REQ-7', 'a4', 'test', 'PENDING', null, null],
  ['REQ-7', 'a5', 'deploy', 'FAILED', T + 62 * MIN, T + 70 * MIN],
  ['REQ-7', 'a6', 'verify', 'QUEUED', null, null],
  ['REQ-8', 'a1', 'provision', 'DONE', T - 2 * MIN, T + 28 * MIN],
  ['REQ-8', 'b9', 'network', 'RUNNING', T, null],
  // Earlier days: [type, days ago, minutes].
  ...(
    [
      ['provision', 1, 40],
      ['provision', 2, 45],
      ['provision', 3, 38.5],
      ['provision', 4, 50],
      ['provision', 5, 60],
      ['provision', 6, 70],
      ['configure', 1, 20],
      ['configure', 3, 25],
      ['configure', 4, 22.25],
      ['test', 2, 90],
      ['test', 4, 95],
    ] as const
  ).map(([type, days, minutes]): Run => ['H-' + days, type, type, 'DONE', T - days * DAY, T - days * DAY + minutes * MIN]),
  // Finished exactly at the cut-off: counts.
  ['H-edge', 'configure', 'configure', 'DONE', SINCE - 30 * MIN, SINCE],
  // Not counted by the default history query: failed, unfinished, never started.
  ['H-2', 'test-failed', 'test', 'FAILED', T - 2 * DAY, T - 2 * DAY + 10 * MIN],
  ['H-1', 'deploy', 'deploy', 'RUNNING', T - DAY, null],
  ['H-3', 'verify', 'verify', 'DONE', null, T - 3 * DAY],
  // Finished before it started (a clock gone wrong): dropped.
  ['H-3', 'deploy', 'deploy', 'DONE', T - 3 * DAY, T - 3 * DAY - 5 * MIN],
];

const REQ7_STATUSES = [
  { id: 'a1', state: 'done', startedAt: T, finishedAt: T + 42 * MIN + 500 },
  { id: 'a2', state: 'done', startedAt: T + 43 * MIN, finishedAt: T + 60 * MIN },
  { id: 'a3', state: 'running', startedAt: T + 61 * MIN },
  { id: 'a4', state: 'pending' },
  { id: 'a5', state: 'failed', startedAt: T + 62 * MIN, finishedAt: T + 70 * MIN },
  { id: 'a6', state: 'pending' },
];

/** Since SINCE: four days of history, REQ-7's and REQ-8's provisions, the run at the cut-off; not a2 (state "completed"). */
const HISTORY_SINCE = {
  provision: [40, 45, 38.5, 50, 42 + 0.5 / 60, 30].map((m) => Math.round(m * MIN)),
  configure: [20, 25, 22.25, 30].map((m) => m * MIN),
  test: [90, 95].map((m) => m * MIN),
};

let pg: TestPostgres;
const opened: TaskDatabase[] = [];

function open(extra: Partial<TaskDbSettings> = {}): TaskDatabase {
  const db = createTaskDatabase({ type: 'postgres', connectString: pg.url, password: () => pg.password, queries: POSTGRES_QUERIES, ...extra });
  opened.push(db);
  return db;
}

const sorted = (history: Record<string, number[]>) => Object.fromEntries(Object.entries(history).map(([type, ms]) => [type, [...ms].sort((a, b) => a - b)]));
const byId = <T extends { id: string }>(list: T[]) => [...list].sort((a, b) => a.id.localeCompare(b.id));

async function insert(runs: Run[]) {
  for (const [request, id, type, state, started, finished] of runs) {
    await pg.sql('INSERT INTO subtask_run (request_id, subtask_id, subtask_type, state, started_at, finished_at) VALUES ($1, $2, $3, $4, $5, $6)', [
      request,
      id,
      type,
      state,
      started === null ? null : new Date(started),
      finished === null ? null : new Date(finished),
    ]);
  }
}

const rejection = (promise: Promise<unknown>) => rejectionOf(promise, TaskDbError);

beforeAll(async () => {
  pg = await startPostgres();
  await pg.sql(readFileSync(SCHEMA, 'utf8'));
  await insert(RUNS);
}, 60_000);

afterAll(async () => {
  await Promise.all(opened.map((db) => db.close()));
  await pg?.remove();
});

describe('reading through the default queries', () => {
  test("a request's subtask statuses: states mapped, exact times, no other request's rows", async () => {
    const statuses = await open().subtaskStatuses('REQ-7');
    expect(byId(statuses)).toEqual(REQ7_STATUSES);
    expect(await open().subtaskStatuses('REQ-unknown')).toEqual([]);
  });

  test('past durations by type, exact, from the cut-off on', async () => {
    const db = open();
    expect(sorted(await db.durationHistory(new Date(SINCE)))).toEqual(sorted(HISTORY_SINCE));
    // A day and a half back: yesterday's runs and today's.
    expect(sorted(await db.durationHistory(new Date(T - 1.5 * DAY)))).toEqual(
      sorted({ provision: [40 * MIN, 42 * MIN + 500, 30 * MIN], configure: [20 * MIN] }),
    );
  });

  test('state words of its own, any case; a word in no list is pending', async () => {
    await insert([
      ['REQ-9', 'c1', 'provision', 'OK', T, T + MIN],
      ['REQ-9', 'c2', 'provision', 'busy', T, null],
      ['REQ-9', 'c3', 'provision', 'Broken', T, T + 2 * MIN],
      ['REQ-9', 'c4', 'provision', 'DONE', null, null],
    ]);
    const db = open({ states: { done: ['ok'], running: ['BUSY'], failed: ['broken'] } });
    expect(byId(await db.subtaskStatuses('REQ-9')).map((s) => [s.id, s.state])).toEqual([
      ['c1', 'done'],
      ['c2', 'running'],
      ['c3', 'failed'],
      ['c4', 'pending'],
    ]);
  });

  test('many reads at once share a small pool', async () => {
    const db = open({ poolSize: 2 });
    const results = await Promise.all(Array.from({ length: 12 }, () => db.subtaskStatuses('REQ-7')));
    for (const statuses of results) expect(byId(statuses)).toEqual(REQ7_STATUSES);
  });
});

describe('hand-written queries', () => {
  test("a literal with ':x', comments, quoted names and ::casts around the binds", async () => {
    const status = `SELECT subtask_id, state, started_at, finished_at -- a :comment
  FROM subtask_run /* no :bind here */
 WHERE request_id = :request
   AND subtask_id <> ':x' AND subtask_id <> 'it''s :y'
   AND "request_id" = CAST(:REQUEST AS text)
   AND coalesce(started_at, now())::date >= '2000-01-01'::date`;
    const history = `SELECT subtask_type, EXTRACT(EPOCH FROM finished_at - started_at)::float8 AS duration_seconds
  FROM subtask_run WHERE state = 'DONE' AND finished_at >= :since::timestamptz AND started_at IS NOT NULL`;
    const db = open({ queries: { status, history } });
    expect(byId(await db.subtaskStatuses('REQ-7'))).toEqual(REQ7_STATUSES);
    expect(sorted(await db.durationHistory(new Date(SINCE)))).toEqual(sorted(HISTORY_SINCE));
  });

  test('times as epoch seconds (numeric), durations from started_at and finished_at', async () => {
    const db = open({
      queries: {
        status: 'SELECT subtask_id, state, EXTRACT(EPOCH FROM started_at) AS started_at, EXTRACT(EPOCH FROM finished_at) AS "FINISHED_AT" FROM subtask_run WHERE request_id = :request',
        history: "SELECT subtask_type AS \"Subtask_Type\", started_at, finished_at FROM subtask_run WHERE state = 'DONE' AND finished_at >= :since",
      },
    });
    expect(byId(await db.subtaskStatuses('REQ-7'))).toEqual(REQ7_STATUSES);
    // The never-started run has no duration; the backwards one is dropped.
    expect(sorted(await db.durationHistory(new Date(SINCE)))).toEqual(sorted(HISTORY_SINCE));
  });

  test('the same bind twice is one $n; the SQL text keeps its literals', () => {
    const sql = "SELECT ':request' AS x, $$ :since $$ AS y, E'\\' :z' AS z FROM t WHERE a = :request OR b = :Request::text";
    expect(toPostgres(prepareQuery('status', sql), { request: 'R-1' })).toEqual({
      text: "SELECT ':request' AS x, $$ :since $$ AS y, E'\\' :z' AS z FROM t WHERE a = $1 OR b = $1::text",
      values: ['R-1'],
    });
  });
});

describe('refusals', () => {
  test('a bind dutydesk does not supply fails when the database is made, naming it and the supported ones', () => {
    const make = (queries: TaskDbSettings['queries']) => () => open({ queries });
    expect(make({ status: 'SELECT * FROM subtask_run WHERE request_id = :req', history: POSTGRES_QUERIES.history })).toThrow(
      /status query uses the bind :req, .*supported: :request in the status query and :since in the history query/,
    );
    expect(make({ status: POSTGRES_QUERIES.status, history: 'SELECT * FROM subtask_run WHERE request_id = :request' })).toThrow(/history query uses the bind :request/);
    expect(make({ status: 'SELECT * FROM subtask_run WHERE request_id = $1', history: POSTGRES_QUERIES.history })).toThrow(/status query uses the placeholder \$1; use the named binds/);
  });

  test('a table that does not exist: not worth retrying, and the message names the status query', async () => {
    const db = open({ queries: { status: 'SELECT subtask_id, state, started_at, finished_at FROM subtask_runs WHERE request_id = :request', history: POSTGRES_QUERIES.history } });
    const err = await rejection(db.subtaskStatuses('REQ-7'));
    expect(err).toMatchObject({ retryable: false, code: '42P01', query: 'status' });
    expect(err.message).toMatch(/the status query failed: a table or view it reads does not exist \(42P01: relation "subtask_runs" does not exist\)\. Check the table names/);
    expect(err.message).toContain(`PostgreSQL at 127.0.0.1:${pg.port}/tasks`);
  });

  test('a column that does not exist, in the history query', async () => {
    const db = open({ queries: { status: POSTGRES_QUERIES.status, history: 'SELECT subtask_type, duration FROM subtask_run WHERE finished_at >= :since' } });
    const err = await rejection(db.durationHistory(new Date(SINCE)));
    expect(err).toMatchObject({ retryable: false, code: '42703', query: 'history' });
    expect(err.message).toMatch(/the history query failed: a column it names does not exist/);
  });

  test('a query without a column of the contract: the columns it had are named (even with no rows)', async () => {
    const db = open({ queries: { status: 'SELECT subtask_id, state, started_at FROM subtask_run WHERE request_id = :request', history: POSTGRES_QUERIES.history } });
    const err = await rejection(db.subtaskStatuses('REQ-none'));
    expect(err.retryable).toBe(false);
    expect(err.message).toMatch(/status query returned no finished_at column \(its columns: subtask_id, state, started_at\)/);
  });

  test('a wrong password: not retryable, and the password is not in the message', async () => {
    const err = await rejection(open({ password: () => 'wrong-secret-4711' }).subtaskStatuses('REQ-7'));
    expect(err).toMatchObject({ retryable: false, code: '28P01' });
    expect(err.message).toMatch(/refused the login.*Check the user name and the password secret/);
    expect(err.message).not.toContain('wrong-secret-4711');
    // A password in the URL is used (when no secret is given) and never shown either.
    const inUrl = createTaskDatabase({ type: 'postgres', connectString: pg.url.replace('dutydesk@', 'dutydesk:url-secret-0815@'), queries: POSTGRES_QUERIES });
    opened.push(inUrl);
    const urlErr = await rejection(inUrl.subtaskStatuses('REQ-7'));
    expect(urlErr.code).toBe('28P01');
    expect(urlErr.message).not.toContain('url-secret-0815');
  });

  test('a database that does not exist', async () => {
    const err = await rejection(open({ connectString: pg.url.replace(/\/tasks$/, '/nope') }).subtaskStatuses('REQ-7'));
    expect(err).toMatchObject({ retryable: false, code: '3D000' });
  });

  test('nobody listening: retryable', async () => {
    const port = await freePort();
    const err = await rejection(open({ connectString: `postgres://dutydesk@127.0.0.1:${port}/tasks` }).durationHistory(new Date(SINCE)));
    expect(err).toMatchObject({ retryable: true, code: 'ECONNREFUSED', query: 'history' });
    expect(err.message).toMatch(/the history query failed: the database is unreachable .*dutydesk will try again/);
  });

  test('the server going away under an open pool: retryable, and it reads again once back', async () => {
    const db = open();
    await db.subtaskStatuses('REQ-7');
    await pg.stop();
    try {
      const err = await rejection(db.subtaskStatuses('REQ-7'));
      expect(err.retryable).toBe(true);
    } finally {
      await pg.start();
    }
    expect(byId(await db.subtaskStatuses('REQ-7'))).toEqual(REQ7_STATUSES);
  });

  test('a closed database refuses', async () => {
    const db = open();
    await db.close();
    expect((await rejection(db.subtaskStatuses('REQ-7'))).message).toMatch(/closed/);
    await db.close();
  });
});

test('the demo data loads (twice) and reads through the default queries', async () => {
  const connection = { host: '127.0.0.1', port: pg.port, user: pg.user, password: pg.password, database: LOCAL_POSTGRES_DATABASE };
  await loadDemoTaskData(connection, DEMO_XML);
  const { request, subtasks } = await loadDemoTaskData(connection, DEMO_XML);
  expect([request, subtasks]).toEqual(['REQ-2041', 25]);
  const db = open();
  const statuses = await db.subtaskStatuses('REQ-2041');
  // Part way through: some done, some running, the rest (with no rows yet) ahead.
  const states = statuses.map((s) => s.state);
  expect(states.filter((s) => s === 'done').length).toBeGreaterThan(0);
  expect(states.filter((s) => s === 'running').length).toBeGreaterThan(0);
  expect(statuses.length).toBeLessThan(25);
  const history = await db.durationHistory(new Date(Date.now() - 90 * DAY));
  // 60 earlier days of each of the request's types, and today's runs of the request's subtasks done so far.
  for (const type of ['freeze-catalog', 'extract', 'partner-fetch', 'load', 'report']) {
    expect(history[type].length).toBeGreaterThanOrEqual(60);
    expect(history[type].length).toBeLessThanOrEqual(63);
    expect(Math.min(...history[type])).toBeGreaterThan(0);
  }
});
