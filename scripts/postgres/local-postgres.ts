/**
 * A local PostgreSQL (Debian's postgresql package) for the tests and the
 * `npm start` demo: its own data folder, a server on a loopback port only, and
 * a database "tasks" owned by the login "dutydesk". initdb runs once into a
 * template under .cache/postgres; each instance starts from a copy of it, so
 * a start takes a fraction of a second. PostgreSQL refuses to run as root: as
 * root, initdb and the server run as the postgres system user (runuser).
 */
import { execFile, spawnSync } from 'node:child_process';
import { createHash } from 'node:crypto';
import { chmodSync, existsSync, mkdirSync, readdirSync, readFileSync, renameSync, rmSync, statSync } from 'node:fs';
import path from 'node:path';
import { promisify } from 'node:util';

const ROOT = path.resolve(__dirname, '../..');
const POSTGRESQL_DIR = '/usr/lib/postgresql';
/** The system user the server runs as when we are root. */
const SERVER_USER = 'postgres';
export const LOCAL_POSTGRES_USER = 'dutydesk';
export const LOCAL_POSTGRES_DATABASE = 'tasks';
/** A fixed password: the server listens on 127.0.0.1 only and holds test and demo data. */
export const LOCAL_POSTGRES_PASSWORD = 'dutydesk-local';

export interface LocalPostgres {
  /** postgres://dutydesk@127.0.0.1:<port>/tasks, without the password (that is `password`). */
  url: string;
  user: string;
  password: string;
  port: number;
  /** Stops the server (fast shutdown: open sessions are ended); the data stays, so start() brings it back. */
  stop(): Promise<void>;
  start(): Promise<void>;
}

/** The newest installed PostgreSQL's bin folder, if any. */
export function postgresBinDir(): string | undefined {
  if (!existsSync(POSTGRESQL_DIR)) return undefined;
  const versions = readdirSync(POSTGRESQL_DIR)
    .filter((v) => existsSync(path.join(POSTGRESQL_DIR, v, 'bin', 'postgres')))
    .sort((a, b) => Number(b) - Number(a));
  return versions.length ? path.join(POSTGRESQL_DIR, versions[0], 'bin') : undefined;
}

export function localPostgresInstalled(): boolean {
  return postgresBinDir() !== undefined;
}

const isRoot = () => process.getuid?.() === 0;

/** The command as the server's user: itself, or through runuser when we are root. */
function asServerUser(command: string, args: string[]): [string, string[]] {
  return isRoot() ? ['runuser', ['-u', SERVER_USER, '--', command, ...args]] : [command, args];
}

function runSync(command: string, args: string[], what: string, input?: string): void {
  // cwd /: the server's user may not enter ours.
  const result = spawnSync(command, args, { cwd: '/', input, encoding: 'utf8' });
  if (result.status !== 0) throw new Error(`${what} failed (${result.status ?? result.signal ?? result.error?.message}): ${(result.stderr || result.stdout || '').slice(-2000)}`);
}

/** Hands a folder we made to the server's user (as root); otherwise it is ours already. */
function giveToServerUser(dir: string): void {
  if (isRoot()) runSync('chown', ['-R', `${SERVER_USER}:`, dir], `chown ${dir}`);
}

/** Run in single-user mode when the template is made, one statement a line. */
const TEMPLATE_SQL = [
  `CREATE ROLE ${LOCAL_POSTGRES_USER} LOGIN PASSWORD '${LOCAL_POSTGRES_PASSWORD}';`,
  `CREATE DATABASE ${LOCAL_POSTGRES_DATABASE} OWNER ${LOCAL_POSTGRES_USER};`,
].join('\n');

/**
 * Sockets trust whoever may open them (the data folder's owner); TCP wants the
 * password. 1 MB WAL segments instead of 16 make the template a third smaller to copy.
 */
const INITDB_ARGS = ['-U', 'postgres', '--auth-local=trust', '--auth-host=scram-sha-256', '-E', 'UTF8', '--no-locale', '--no-sync', '--wal-segsize=1'];

/** A data folder with the role and the database, made once per PostgreSQL version and set-up. */
function templateDataDir(bin: string): string {
  const version = path.basename(path.dirname(bin));
  const hash = createHash('sha256').update(TEMPLATE_SQL).update(INITDB_ARGS.join(' ')).digest('hex').slice(0, 12);
  const cache = path.join(ROOT, '.cache/postgres');
  const template = path.join(cache, `template-${version}-${hash}`);
  if (existsSync(template)) return template;
  mkdirSync(cache, { recursive: true });
  const work = path.join(cache, `building-${process.pid}`);
  rmSync(work, { recursive: true, force: true });
  mkdirSync(work);
  giveToServerUser(work);
  const data = path.join(work, 'data');
  runSync(...asServerUser(path.join(bin, 'initdb'), ['-D', data, ...INITDB_ARGS]), 'initdb');
  runSync(...asServerUser(path.join(bin, 'postgres'), ['--single', '-D', data, '-F', '-c', 'exit_on_error=true', 'postgres']), 'creating the role and database', TEMPLATE_SQL);
  try {
    renameSync(data, template);
  } catch (err) {
    // Another process made it meanwhile: theirs is as good.
    if (!existsSync(template)) throw err;
  }
  rmSync(work, { recursive: true, force: true });
  return template;
}

const execFileAsync = promisify(execFile);

async function pgCtl(bin: string, args: string[], what: string, log: string): Promise<void> {
  try {
    await execFileAsync(...asServerUser(path.join(bin, 'pg_ctl'), args), { cwd: '/' });
  } catch (err) {
    const output = existsSync(log) ? readFileSync(log, 'utf8').slice(-2000) : '';
    throw new Error(`${what} failed: ${(err as Error).message.slice(0, 1000)}${output ? `\nserver log:\n${output}` : ''}`);
  }
}

/**
 * Starts PostgreSQL with its data in `dir`/data (kept across starts) on
 * 127.0.0.1:port, its unix socket in the data folder. Durability is traded for
 * speed (fsync off): this is test and demo data.
 */
export async function startLocalPostgres(options: { dir: string; port: number }): Promise<LocalPostgres> {
  const bin = postgresBinDir();
  if (!bin) throw new Error(`PostgreSQL is not installed (no ${POSTGRESQL_DIR}/*/bin/postgres): apt-get install postgresql`);
  const { dir, port } = options;
  mkdirSync(dir, { recursive: true });
  // mkdtemp makes 0700 folders: the server's user needs to pass through (not to list it).
  if (isRoot()) chmodSync(dir, statSync(dir).mode | 0o011);
  const data = path.join(dir, 'data');
  // As root, cp -a keeps the template's owner (the server's user) and its 0700.
  if (!existsSync(data)) runSync('cp', ['-a', templateDataDir(bin), data], 'copying the PostgreSQL template');
  const log = path.join(data, 'server.log');
  const settings = [`-p ${port}`, "-c listen_addresses='127.0.0.1'", `-c unix_socket_directories='${data}'`, '-c fsync=off', '-c synchronous_commit=off', '-c full_page_writes=off'];

  // pg_ctl status: 0 when a server runs on this data (a stale postmaster.pid does not count).
  const running = () => spawnSync(...asServerUser(path.join(bin, 'pg_ctl'), ['status', '-D', data]), { cwd: '/', stdio: 'ignore' }).status === 0;
  const stop = async () => {
    if (running()) await pgCtl(bin, ['stop', '-D', data, '-w', '-t', '60', '-m', 'fast'], 'stopping PostgreSQL', log);
  };
  const start = async () => {
    // One left running by an earlier run (the demo after a crash) may listen elsewhere: start afresh.
    await stop();
    await pgCtl(bin, ['start', '-D', data, '-w', '-t', '60', '-l', log, '-o', settings.join(' ')], `starting PostgreSQL on 127.0.0.1:${port}`, log);
  };
  await start();
  const url = `postgres://${LOCAL_POSTGRES_USER}@127.0.0.1:${port}/${LOCAL_POSTGRES_DATABASE}`;
  return { url, user: LOCAL_POSTGRES_USER, password: LOCAL_POSTGRES_PASSWORD, port, stop, start };
}
