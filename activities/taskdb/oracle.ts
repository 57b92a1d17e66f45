/**
 * The task database on Oracle, through node-oracledb in thin mode (plain
 * JavaScript, no Instant Client; oracledb 6's default, so initOracleClient is
 * never called): the configured SQL unchanged with a binds object, on a pool
 * made on first use.
 */
import { TaskDbError, taskDbError } from './errors';
import { DEFAULT_POOL_SIZE, type TaskDatabase, type TaskDbSettings } from './port';
import { taskDatabaseOver, type Row } from './rows';
import { bindObject, type PreparedQuery } from './sql';

/** The few parts of a node-oracledb connection this adapter calls. */
export interface OracleConnectionLike {
  execute(sql: string, binds: Record<string, unknown>, options: { outFormat: number }): Promise<{ rows?: unknown[]; metaData?: { name: string }[] }>;
  close(): Promise<void>;
}

/** The few parts of a node-oracledb pool this adapter calls; a test can hand in its own. */
export interface OraclePoolLike {
  getConnection(): Promise<OracleConnectionLike>;
  close(drainTime?: number): Promise<void>;
}

export interface OraclePoolAttributes {
  user?: string;
  password?: string;
  connectString: string;
  poolMin: number;
  poolMax: number;
}

interface OracleDriver {
  OUT_FORMAT_OBJECT: number;
  createPool(attributes: OraclePoolAttributes): Promise<OraclePoolLike>;
}

let driver: OracleDriver | undefined;

/** node-oracledb, loaded on first use so PostgreSQL set-ups never load it (it ships no types). */
function oracledb(): OracleDriver {
  return (driver ??= require('oracledb') as OracleDriver);
}

/** Seconds queries in flight get to finish when the pool closes. */
const DRAIN_SECONDS = 10;

/** "Oracle at host:1521/SERVICE": the connect string without parameters (a wallet path is nobody's business). */
function describe(connectString: string): string {
  const target = connectString.replace(/^.*@/, '').replace(/\?.*$/s, '').replace(/\s+/g, ' ');
  return `Oracle at ${target.length > 120 ? `${target.slice(0, 117)}...` : target}`;
}

export function createOracleTaskDatabase(
  settings: TaskDbSettings,
  options: { createPool?: (attributes: OraclePoolAttributes) => Promise<OraclePoolLike> } = {},
): TaskDatabase {
  const createPool = options.createPool ?? ((attributes) => oracledb().createPool(attributes));
  const database = describe(settings.connectString);
  const secrets = () => [settings.password?.()];
  let pool: Promise<OraclePoolLike> | undefined;
  let closed = false;

  function getPool(): Promise<OraclePoolLike> {
    // The secret is read when the pool is made; a failed attempt is forgotten so the next call tries again.
    pool ??= createPool({
      user: settings.user,
      password: settings.password?.(),
      connectString: settings.connectString,
      poolMin: 0,
      poolMax: settings.poolSize ?? DEFAULT_POOL_SIZE,
    }).catch((err: unknown) => {
      pool = undefined;
      throw err;
    });
    return pool;
  }

  async function run(prepared: PreparedQuery, values: Record<string, unknown>): Promise<{ rows: Row[]; columns?: string[] }> {
    if (closed) throw new TaskDbError(`Task database (${database}): closed.`, false, undefined, prepared.query);
    let connection: OracleConnectionLike | undefined;
    try {
      connection = await (await getPool()).getConnection();
      const result = await connection.execute(prepared.sql, bindObject(prepared, values), { outFormat: oracledb().OUT_FORMAT_OBJECT });
      return { rows: (result.rows ?? []) as Row[], columns: result.metaData?.map((m) => m.name) };
    } catch (err) {
      throw taskDbError(err, { database, query: prepared.query, secrets });
    } finally {
      // Back to the pool whatever happened; a failure to return it must not hide the result.
      await connection?.close().catch(() => undefined);
    }
  }

  return taskDatabaseOver(settings, run, async () => {
    closed = true;
    const made = await pool?.catch(() => undefined);
    pool = undefined;
    await made?.close(DRAIN_SECONDS);
  });
}
