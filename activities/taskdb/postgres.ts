/**
 * The task database on PostgreSQL, through a `pg` connection pool: the
 * configured SQL with its :binds rewritten to $1, $2 and the values sent
 * apart from it.
 */
import { Pool, type PoolConfig } from 'pg';
import { TaskDbError, taskDbError } from './errors';
import { DEFAULT_POOL_SIZE, type TaskDatabase, type TaskDbSettings } from './port';
import { taskDatabaseOver, type Row } from './rows';
import { toPostgres, type PreparedQuery } from './sql';

/** Refuses a connect string that is not a postgres:// URL, without repeating it (it may hold a password). */
function parseUrl(connectString: string): URL {
  let url: URL | undefined;
  try {
    url = new URL(connectString);
  } catch {
    /* reported below */
  }
  if (!url || !/^postgres(ql)?:$/.test(url.protocol)) {
    throw new TaskDbError('Task database: the PostgreSQL connect string must be a URL like postgres://user@host:5432/database.', false);
  }
  return url;
}

/** libpq's sslmode words in pg's terms; prefer and allow mean no TLS here, as pg cannot fall back. */
function ssl(mode: string | null): PoolConfig['ssl'] {
  if (mode === 'require' || mode === 'no-verify') return { rejectUnauthorized: false };
  if (mode === 'verify-ca' || mode === 'verify-full') return true;
  return false;
}

/**
 * The pool's settings from the URL and the settings' own user and password,
 * which win over the URL's (pg would let the URL's empty user and password win).
 */
export function postgresPoolConfig(settings: TaskDbSettings): PoolConfig & { description: string } {
  const url = parseUrl(settings.connectString);
  const host = url.searchParams.get('host') ?? (decodeURIComponent(url.hostname).replace(/^\[(.*)\]$/, '$1') || 'localhost');
  const port = Number(url.port || 5432);
  const database = decodeURIComponent(url.pathname.slice(1)) || undefined;
  const urlPassword = url.password ? decodeURIComponent(url.password) : undefined;
  return {
    description: `PostgreSQL at ${host}:${port}/${database ?? '(default database)'}`,
    host,
    port,
    database,
    user: settings.user ?? (decodeURIComponent(url.username) || undefined),
    password: settings.password ?? urlPassword,
    ssl: ssl(url.searchParams.get('sslmode')),
    max: settings.poolSize ?? DEFAULT_POOL_SIZE,
    application_name: 'dutydesk',
    // Fail rather than hang: a busy pool or a dead host turns into a retryable error.
    connectionTimeoutMillis: 10_000,
    statement_timeout: 60_000,
    idleTimeoutMillis: 30_000,
  };
}

export function createPostgresTaskDatabase(settings: TaskDbSettings): TaskDatabase {
  const { description, ...config } = postgresPoolConfig(settings);
  const urlPassword = parseUrl(settings.connectString).password;
  const secrets = () => [settings.password?.(), urlPassword && decodeURIComponent(urlPassword)];
  const pool = new Pool(config);
  // An idle connection the server dropped: the pool discards it and the next query opens another.
  pool.on('error', () => undefined);

  async function run(prepared: PreparedQuery, values: Record<string, unknown>): Promise<{ rows: Row[]; columns: string[] }> {
    if (pool.ending) throw new TaskDbError(`Task database (${description}): closed.`, false, undefined, prepared.query);
    const { text, values: ordered } = toPostgres(prepared, values);
    try {
      const result = await pool.query<Row>({ text, values: ordered });
      return { rows: result.rows, columns: result.fields.map((f) => f.name) };
    } catch (err) {
      throw taskDbError(err, { database: description, query: prepared.query, secrets });
    }
  }

  return taskDatabaseOver(settings, run, async () => {
    if (!pool.ending) await pool.end();
  });
}
