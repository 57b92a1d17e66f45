/**
 * The task database on Oracle with a stand-in pool: it implements exactly the
 * calls the adapter makes (getConnection, execute, close) and checks them as
 * Oracle would, with node-oracledb's own thin-mode SQL parser for the bind
 * names: the SQL text unchanged, a binds object naming exactly its :binds,
 * outFormat OBJECT. It answers as Oracle does (UPPERCASE columns, Date
 * objects, numbers) and fails with errors shaped as oracledb's. The real
 * driver is used where no database is needed: a port nobody listens on, and
 * a listener that hangs up.
 */
import net from 'node:net';
import { ORACLE_QUERIES } from '../activities/taskdb/default-queries';
import { TaskDbError } from '../activities/taskdb/errors';
import { createTaskDatabase } from '../activities/taskdb';
import { createOracleTaskDatabase, type OracleConnectionLike, type OraclePoolAttributes, type OraclePoolLike } from '../activities/taskdb/oracle';
import type { TaskDbSettings } from '../activities/taskdb/port';
import { freePort } from './helpers/wait';
import { rejectionOf } from './helpers/rejection';

const oracledb = require('oracledb') as { OUT_FORMAT_OBJECT: number; OUT_FORMAT_ARRAY: number };
/** node-oracledb's thin-mode parser: the bind names the driver finds in the SQL (UPPERCASE unless quoted). */
const { Statement } = require('oracledb/lib/thin/statement.js') as { Statement: new () => { _prepare(sql: string): void; bindInfoDict: Map<string, unknown> } };

function oracleBindNames(sql: string): string[] {
  const statement = new Statement();
  statement._prepare(sql);
  return [...statement.bindInfoDict.keys()];
}

/** An Error as oracledb throws it: the code in front of the message, errorNum for ORA- errors. */
function oracleError(message: string): Error {
  const code = message.slice(0, 9);
  return Object.assign(new Error(message), code.startsWith('ORA-') ? { code, errorNum: Number(code.slice(4)), offset: 0 } : { code });
}

type Result = { rows: Record<string, unknown>[]; columns?: string[] };

interface Executed {
  sql: string;
  binds: Record<string, unknown>;
  options: { outFormat: number };
}

/** A pool as node-oracledb's, reduced to what the adapter calls, checking every call. */
class FakeOracle {
  pools: OraclePoolAttributes[] = [];
  executed: Executed[] = [];
  /** Connections handed out and not closed yet. */
  open = 0;
  poolsClosed: (number | undefined)[] = [];
  /** What the next executes answer, or throw. */
  answer: (e: Executed) => Result | Error = () => ({ rows: [] });
  failCreatePool: Error[] = [];
  failGetConnection: Error[] = [];

  createPool = async (attributes: OraclePoolAttributes): Promise<OraclePoolLike> => {
    this.pools.push(attributes);
    const failure = this.failCreatePool.shift();
    if (failure) throw failure;
    let closed = false;
    return {
      getConnection: async () => {
        if (closed) throw oracleError('NJS-065: connection pool was closed');
        const failure = this.failGetConnection.shift();
        if (failure) throw failure;
        this.open++;
        return this.connection();
      },
      close: async (drainTime?: number) => {
        closed = true;
        this.poolsClosed.push(drainTime);
      },
    };
  };

  private connection(): OracleConnectionLike {
    let closed = false;
    return {
      execute: async (sql, binds, options) => {
        if (closed) throw oracleError('NJS-003: invalid or closed connection');
        const executed = { sql, binds, options };
        this.executed.push(executed);
        const placeholders = oracleBindNames(sql);
        for (const name of Object.keys(binds)) {
          if (!placeholders.includes(name.toUpperCase())) throw oracleError(`NJS-097: no bind placeholder named ":${name.toUpperCase()}" was found in the statement text`);
        }
        const given = Object.keys(binds).map((n) => n.toUpperCase());
        if (placeholders.some((p) => !given.includes(p))) throw oracleError('ORA-01008: not all variables bound');
        const answer = this.answer(executed);
        if (answer instanceof Error) throw answer;
        const columns = answer.columns ?? Object.keys(answer.rows[0] ?? {});
        const metaData = columns.map((name) => ({ name }));
        // Without outFormat OBJECT, Oracle's rows are arrays.
        const rows = options.outFormat === oracledb.OUT_FORMAT_OBJECT ? answer.rows : answer.rows.map((r) => columns.map((c) => r[c]));
        return { rows, metaData };
      },
      close: async () => {
        if (closed) throw oracleError('NJS-003: invalid or closed connection');
        closed = true;
        this.open--;
      },
    };
  }
}

const SETTINGS: TaskDbSettings = {
  type: 'oracle',
  connectString: 'db.example.com:1521/TASKS',
  user: 'tasks_reader',
  password: () => 'oracle-secret-31337',
  queries: ORACLE_QUERIES,
};

const T = Date.parse('2026-11-20T09:00:00.250Z');
const MIN = 60_000;

let fake: FakeOracle;
beforeEach(() => {
  fake = new FakeOracle();
});
afterEach(() => {
  // Every connection went back to the pool, whatever happened.
  expect(fake.open).toBe(0);
});

function open(extra: Partial<TaskDbSettings> = {}) {
  return createOracleTaskDatabase({ ...SETTINGS, ...extra }, { createPool: fake.createPool });
}

const rejection = (promise: Promise<unknown>) => rejectionOf(promise, TaskDbError);

describe('reading', () => {
  test('statuses: the SQL unchanged, :request bound by name as a string, UPPERCASE columns, Dates and epoch seconds', async () => {
    fake.answer = () => ({
      rows: [
        { SUBTASK_ID: 'a1', STATE: 'DONE', STARTED_AT: new Date(T), FINISHED_AT: new Date(T + 42 * MIN + 500) },
        { SUBTASK_ID: 'a2', STATE: 'In_Progress', STARTED_AT: (T + 43 * MIN) / 1000, FINISHED_AT: null },
        { SUBTASK_ID: 17, STATE: 'ABORTED', STARTED_AT: new Date(T), FINISHED_AT: new Date(T + MIN) },
        { SUBTASK_ID: 'a4', STATE: null, STARTED_AT: null, FINISHED_AT: null },
        { SUBTASK_ID: null, STATE: 'DONE', STARTED_AT: null, FINISHED_AT: null },
      ],
    });
    const db = open();
    expect(await db.subtaskStatuses('REQ-7')).toEqual([
      { id: 'a1', state: 'done', startedAt: T, finishedAt: T + 42 * MIN + 500 },
      { id: 'a2', state: 'running', startedAt: T + 43 * MIN },
      { id: '17', state: 'failed', startedAt: T, finishedAt: T + MIN },
      { id: 'a4', state: 'pending' },
    ]);
    const [call] = fake.executed;
    expect(call.sql).toBe(ORACLE_QUERIES.status);
    expect(call.binds).toEqual({ request: 'REQ-7' });
    expect(typeof call.binds.request).toBe('string');
    expect(call.options).toEqual({ outFormat: oracledb.OUT_FORMAT_OBJECT });
    expect(fake.pools).toEqual([{ user: 'tasks_reader', password: 'oracle-secret-31337', connectString: 'db.example.com:1521/TASKS', poolMin: 0, poolMax: 4 }]);
    await db.close();
  });

  test('history: :since bound as a Date; NUMBER seconds to ms; null, negative and NaN dropped; one pool for all calls', async () => {
    fake.answer = () => ({
      rows: [
        { SUBTASK_TYPE: 'provision', DURATION_SECONDS: 2400 },
        { SUBTASK_TYPE: 'provision', DURATION_SECONDS: 2310.5 },
        { SUBTASK_TYPE: 'test', DURATION_SECONDS: 5400 },
        { SUBTASK_TYPE: 'test', DURATION_SECONDS: null },
        { SUBTASK_TYPE: 'test', DURATION_SECONDS: -30 },
        { SUBTASK_TYPE: 'test', DURATION_SECONDS: NaN },
        { SUBTASK_TYPE: null, DURATION_SECONDS: 60 },
      ],
    });
    const db = open({ poolSize: 7 });
    const since = new Date(T - 30 * 86_400_000);
    expect(await db.durationHistory(since)).toEqual({ provision: [2_400_000, 2_310_500], test: [5_400_000] });
    expect(await db.durationHistory(since)).toEqual({ provision: [2_400_000, 2_310_500], test: [5_400_000] });
    const [call] = fake.executed;
    expect(call.sql).toBe(ORACLE_QUERIES.history);
    expect(Object.keys(call.binds)).toEqual(['since']);
    expect(call.binds.since).toBeInstanceOf(Date);
    expect((call.binds.since as Date).getTime()).toBe(since.getTime());
    expect(fake.pools).toHaveLength(1);
    expect(fake.pools[0].poolMax).toBe(7);
    await db.close();
    expect(fake.poolsClosed).toHaveLength(1);
  });

  test('history from STARTED_AT and FINISHED_AT; literals and comments hold no binds', async () => {
    const history = `SELECT subtask_type, started_at, finished_at FROM runs -- since :since
 WHERE note <> ':x' AND label <> q'[:y]' /* :z */ AND finished_at >= :SINCE`;
    fake.answer = () => ({
      rows: [
        { SUBTASK_TYPE: 'deploy', STARTED_AT: new Date(T), FINISHED_AT: new Date(T + 5 * MIN) },
        { SUBTASK_TYPE: 'deploy', STARTED_AT: new Date(T), FINISHED_AT: null },
      ],
    });
    const db = open({ queries: { status: ORACLE_QUERIES.status, history } });
    expect(await db.durationHistory(new Date(T - 86_400_000))).toEqual({ deploy: [5 * MIN] });
    expect(fake.executed[0].sql).toBe(history);
    expect(Object.keys(fake.executed[0].binds)).toEqual(['since']);
    await db.close();
  });

  test('the default queries use exactly the binds dutydesk supplies, as the driver sees them', () => {
    expect(oracleBindNames(ORACLE_QUERIES.status)).toEqual(['REQUEST']);
    expect(oracleBindNames(ORACLE_QUERIES.history)).toEqual(['SINCE']);
  });

  test('a missing column is named with the columns Oracle returned', async () => {
    fake.answer = () => ({ rows: [], columns: ['SUBTASK_TYPE', 'ELAPSED'] });
    const db = open();
    const err = await rejection(db.durationHistory(new Date(T)));
    expect(err.retryable).toBe(false);
    expect(err.message).toMatch(/history query returned no duration_seconds or started_at and finished_at column \(its columns: SUBTASK_TYPE, ELAPSED\)/);
    await db.close();
  });
});

describe('errors as oracledb throws them', () => {
  test('ORA-00942 from execute: not retryable, names the status query; the connection is closed all the same', async () => {
    fake.answer = () => oracleError('ORA-00942: table or view does not exist\nHelp: https://docs.oracle.com/error-help/db/ora-00942/');
    const db = open();
    const err = await rejection(db.subtaskStatuses('REQ-7'));
    expect(err).toMatchObject({ retryable: false, code: 'ORA-00942', query: 'status' });
    expect(err.message).toBe(
      'Task database (Oracle at db.example.com:1521/TASKS): the status query failed: a table or view it reads does not exist (ORA-00942: table or view does not exist). ' +
        'Check the table names in the configured status query and that the database user can see them (schema, synonyms, search_path).',
    );
    await db.close();
  });

  test.each([
    ['ORA-00904: "DURATION": invalid identifier', 'a column it names does not exist'],
    ['ORA-01008: not all variables bound', 'its bind variables do not match'],
    ['ORA-01017: invalid credential or not authorized; logon denied', 'the database refused the login'],
    ['ORA-01031: insufficient privileges', 'the database user may not read a table'],
  ])('%s: not retryable', async (message, what) => {
    fake.answer = () => oracleError(message);
    const db = open();
    const err = await rejection(db.durationHistory(new Date(T)));
    expect(err).toMatchObject({ retryable: false, code: message.slice(0, 9), query: 'history' });
    expect(err.message).toContain(`the history query failed: ${what}`);
    expect(err.message).not.toContain('oracle-secret-31337');
    await db.close();
  });

  test.each([
    'ORA-03113: end-of-file on communication channel',
    'ORA-03114: not connected to ORACLE',
    'ORA-12541: Cannot connect. No listener at host db.example.com port 1521.',
    'ORA-12170: Cannot connect. TCP connect timeout of 20s for host db.example.com port 1521.',
    'NJS-500: connection to Oracle Database was closed or broken',
    'NJS-040: connection request timeout. Request exceeded "queueTimeout" of 60000',
  ])('%s: retryable', async (message) => {
    fake.failGetConnection.push(oracleError(message));
    const db = open();
    const err = await rejection(db.subtaskStatuses('REQ-7'));
    expect(err).toMatchObject({ retryable: true, code: /^[A-Z]+-\d+/.exec(message)![0] });
    expect(err.message).toMatch(/dutydesk will try again\.$/);
    await db.close();
  });

  test('NJS-503 when the pool is made: retryable, and the next call makes the pool again', async () => {
    fake.failCreatePool.push(
      oracleError('NJS-503: connection to host db.example.com port 1521 could not be established. (CONNECTION_ID=abc)\nconnect ECONNREFUSED 10.0.0.5:1521'),
    );
    fake.answer = () => ({ rows: [{ SUBTASK_ID: 'a1', STATE: 'RUNNING', STARTED_AT: new Date(T), FINISHED_AT: null }] });
    const db = open();
    const err = await rejection(db.subtaskStatuses('REQ-7'));
    expect(err).toMatchObject({ retryable: true, code: 'NJS-503' });
    expect(err.message).toContain('the database is unreachable (NJS-503: connection to host db.example.com port 1521 could not be established. (CONNECTION_ID=abc))');
    expect(await db.subtaskStatuses('REQ-7')).toEqual([{ id: 'a1', state: 'running', startedAt: T }]);
    expect(fake.pools).toHaveLength(2);
    await db.close();
  });

  test('a password that shows up in a driver message is blanked out', async () => {
    fake.failGetConnection.push(oracleError('NJS-500: broken while sending oracle-secret-31337'));
    const db = open();
    const err = await rejection(db.subtaskStatuses('REQ-7'));
    expect(err.message).toContain('broken while sending ***');
    expect(err.message).not.toContain('oracle-secret-31337');
    await db.close();
  });
});

describe('set-up and shut-down', () => {
  test('an unknown bind fails at creation, before any pool is made', () => {
    expect(() => open({ queries: { status: ORACLE_QUERIES.status, history: 'SELECT subtask_type, duration_seconds FROM runs WHERE finished_at >= :since AND request_id = :request' } })).toThrow(
      /history query uses the bind :request, which dutydesk does not supply \(supported: :request in the status query and :since in the history query\)/,
    );
    expect(fake.pools).toHaveLength(0);
  });

  test('close before any query makes no pool; a query after close is refused', async () => {
    const db = open();
    await db.close();
    expect(fake.pools).toHaveLength(0);
    expect((await rejection(db.subtaskStatuses('REQ-7'))).message).toMatch(/closed/);
  });
});

describe('the real node-oracledb driver (thin mode), no database', () => {
  test('nobody listening: NJS-503, retryable', async () => {
    const db = createTaskDatabase({ ...SETTINGS, connectString: `127.0.0.1:${await freePort()}/FREEPDB1` });
    try {
      const err = await rejection(db.subtaskStatuses('REQ-7'));
      expect(err).toMatchObject({ retryable: true, code: 'NJS-503', query: 'status' });
      expect(err.message).not.toContain('oracle-secret-31337');
    } finally {
      await db.close();
    }
  });

  test('a listener that hangs up: NJS-500, retryable', async () => {
    const server = net.createServer((socket) => socket.destroy());
    await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
    const db = createTaskDatabase({ ...SETTINGS, connectString: `127.0.0.1:${(server.address() as net.AddressInfo).port}/FREEPDB1` });
    try {
      const err = await rejection(db.durationHistory(new Date(T)));
      expect(err).toMatchObject({ retryable: true, code: 'NJS-500', query: 'history' });
    } finally {
      await db.close();
      server.close();
    }
  });
});
