/**
 * A real PostgreSQL for a test file: its own data folder (a copy of the cached
 * template) and server on a free loopback port, plus a client of the "tasks"
 * database as its owner, for the test's own set-up SQL.
 */
import { mkdtempSync, rmSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { Client } from 'pg';
import { LOCAL_POSTGRES_DATABASE, startLocalPostgres, type LocalPostgres } from '../../scripts/postgres/local-postgres';
import { freePort } from './wait';

export interface TestPostgres extends LocalPostgres {
  /** Runs SQL as the database's owner (one connection per call); several statements without values give the last one's rows. */
  sql(text: string, values?: unknown[]): Promise<Record<string, unknown>[]>;
  /** Stops the server and deletes its data. */
  remove(): Promise<void>;
}

export async function startPostgres(): Promise<TestPostgres> {
  const dir = mkdtempSync(path.join(os.tmpdir(), 'dutydesk-pg-'));
  const pg = await startLocalPostgres({ dir, port: await freePort() });
  return {
    ...pg,
    async sql(text, values) {
      // Not connectionString: pg would let the URL's empty password win over this one.
      const client = new Client({ host: '127.0.0.1', port: pg.port, user: pg.user, password: pg.password, database: LOCAL_POSTGRES_DATABASE });
      await client.connect();
      try {
        const result = (await client.query(text, values)) as unknown as { rows: Record<string, unknown>[] } | { rows: Record<string, unknown>[] }[];
        return Array.isArray(result) ? (result.at(-1)?.rows ?? []) : result.rows;
      } finally {
        await client.end();
      }
    },
    async remove() {
      try {
        await pg.stop();
      } finally {
        rmSync(dir, { recursive: true, force: true });
      }
    },
  };
}
