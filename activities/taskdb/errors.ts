/**
 * Driver errors of PostgreSQL (pg) and Oracle (oracledb) sorted into "try
 * again later" (the database is unreachable, restarting or busy) and "retrying
 * will not help" (the SQL, the login or the database name is wrong), each told
 * in a message for whoever configured the task database: what is wrong, in
 * which query, what to check. Messages never carry the password.
 */

export type TaskDbQuery = 'status' | 'history';

export class TaskDbError extends Error {
  constructor(
    message: string,
    /** The database was unreachable or busy: the same call may work later. */
    readonly retryable: boolean,
    /** The driver's code (42P01, ORA-00942, NJS-503, ECONNREFUSED), if any. */
    readonly code?: string,
    readonly query?: TaskDbQuery,
  ) {
    super(message);
    this.name = 'TaskDbError';
  }
}

/** Where the error happened, for the message. */
export interface ErrorContext {
  /** E.g. "PostgreSQL at db.example.com:5432/tasks": host, port and database only. */
  database: string;
  query?: TaskDbQuery;
  /** Strings that must never reach a message (the password); read only when a message is made. */
  secrets: () => (string | undefined)[];
}

interface Kind {
  retryable: boolean;
  /** What went wrong, as a clause: "a table or view it reads does not exist". */
  what: string;
  /** What to check; {query} becomes "the configured status query". */
  check: string;
}

const UNREACHABLE: Kind = {
  retryable: true,
  what: 'the database is unreachable',
  check: 'Check that the database and its listener run and that the host and port are right',
};
const LOST: Kind = { retryable: true, what: 'the connection to the database was lost', check: 'The database may be restarting' };
const TIMEOUT: Kind = { retryable: true, what: 'the database did not answer in time', check: 'The database or the network may be overloaded' };
const BUSY: Kind = { retryable: true, what: 'the database is starting, stopping or out of connections', check: 'Check the database and the pool size' };
const POOL_EXHAUSTED: Kind = {
  retryable: true,
  what: 'no connection became available in time',
  check: 'Queries may be slow, the pool too small (poolSize) or the database not answering',
};
const NO_TABLE: Kind = { retryable: false, what: 'a table or view it reads does not exist', check: 'Check the table names in {query} and that the database user can see them (schema, synonyms, search_path)' };
const NO_COLUMN: Kind = { retryable: false, what: 'a column it names does not exist', check: 'Check the column names in {query}' };
const SYNTAX: Kind = { retryable: false, what: 'its SQL is not valid', check: 'Check the SQL of {query}' };
const BINDS: Kind = { retryable: false, what: 'its bind variables do not match', check: 'Use only :request in the status query and :since in the history query' };
const TYPES: Kind = { retryable: false, what: 'a value does not fit its type', check: 'Check the types in {query}: :request is text, :since a timestamp' };
const DENIED: Kind = { retryable: false, what: 'the database user may not read a table it uses', check: 'Grant the user SELECT on the tables in {query}' };
const LOGIN: Kind = { retryable: false, what: 'the database refused the login', check: 'Check the user name and the password secret' };
const LOCKED: Kind = { retryable: false, what: 'the database account is locked or its password expired', check: 'Ask the DBA to unlock the account or set a new password' };
const NOT_ALLOWED: Kind = { retryable: false, what: 'the server does not accept this user from this host', check: 'Check pg_hba.conf on the server' };
const NO_DATABASE: Kind = { retryable: false, what: 'the database named in the connect string does not exist', check: 'Check the database (PostgreSQL) or service name (Oracle) in the connect string' };
const CONNECT_STRING: Kind = { retryable: false, what: 'the connect string is not valid', check: 'Oracle wants Easy Connect "host:1521/SERVICE"' };
const SERVICE: Kind = {
  retryable: true,
  what: 'the listener does not know the service (yet)',
  check: 'Check the service name in the connect string; a starting database registers it late',
};
const REJECTED: Kind = { retryable: false, what: 'the database rejected it', check: 'Check {query}' };

/** PostgreSQL SQLSTATE codes that need their own words; the rest go by class. */
const POSTGRES_CODES: Record<string, Kind> = {
  '42P01': NO_TABLE,
  '42703': NO_COLUMN,
  '42601': SYNTAX,
  '42P02': BINDS,
  '42501': DENIED,
  '42883': TYPES,
  '42804': TYPES,
  '28P01': LOGIN,
  '28000': NOT_ALLOWED,
  '3D000': NO_DATABASE,
  // Class 08 is the connection's, but a protocol violation (a bind count mismatch) will not heal.
  '08P01': BINDS,
  '57014': TIMEOUT,
  '57P01': LOST,
  '57P02': LOST,
  '57P03': BUSY,
  '53300': BUSY,
};

/** PostgreSQL classes (the SQLSTATE's first two characters): connection trouble is worth another try, the rest is not. */
const POSTGRES_CLASSES: Record<string, Kind> = {
  '08': UNREACHABLE,
  '40': BUSY,
  '53': BUSY,
  '57': LOST,
  '58': LOST,
  XX: LOST,
  '22': TYPES,
  '28': LOGIN,
  '42': SYNTAX,
};

/** Oracle's ORA- numbers (errorNum). */
const ORACLE_ERRORS: Record<number, Kind> = {
  942: NO_TABLE,
  904: NO_COLUMN,
  933: SYNTAX,
  936: SYNTAX,
  907: SYNTAX,
  923: SYNTAX,
  1008: BINDS,
  1036: BINDS,
  932: TYPES,
  1722: TYPES,
  1830: TYPES,
  1843: TYPES,
  1858: TYPES,
  1861: TYPES,
  1031: DENIED,
  1017: LOGIN,
  1005: LOGIN,
  28000: LOCKED,
  28001: LOCKED,
  12541: UNREACHABLE,
  12543: UNREACHABLE,
  12545: UNREACHABLE,
  12560: UNREACHABLE,
  12170: TIMEOUT,
  1013: TIMEOUT,
  3113: LOST,
  3114: LOST,
  3135: LOST,
  3136: LOST,
  12537: LOST,
  12547: LOST,
  12571: LOST,
  28: LOST,
  1012: LOST,
  2396: LOST,
  12514: SERVICE,
  12505: SERVICE,
  1033: BUSY,
  1034: BUSY,
  1089: BUSY,
  1090: BUSY,
  18: BUSY,
  20: BUSY,
  60: BUSY,
  12516: BUSY,
  12518: BUSY,
  12519: BUSY,
  12520: BUSY,
  12521: BUSY,
  12526: BUSY,
  12527: BUSY,
  12528: BUSY,
};

/** node-oracledb's own NJS- errors (thin mode's network layer is NJS-5xx). */
const ORACLE_DRIVER_ERRORS: Record<string, Kind> = {
  'NJS-500': LOST,
  'NJS-501': LOST,
  'NJS-521': LOST,
  'NJS-003': LOST,
  'NJS-503': UNREACHABLE,
  'NJS-504': UNREACHABLE,
  'NJS-511': UNREACHABLE,
  'NJS-530': UNREACHABLE,
  'NJS-510': TIMEOUT,
  'NJS-040': POOL_EXHAUSTED,
  'NJS-518': SERVICE,
  'NJS-519': SERVICE,
  'NJS-512': CONNECT_STRING,
  'NJS-514': CONNECT_STRING,
  'NJS-515': CONNECT_STRING,
  'NJS-517': CONNECT_STRING,
  'NJS-097': BINDS,
  'NJS-098': BINDS,
  'NJS-137': BINDS,
};

/** Node's socket errors: the network, not the SQL. */
const NETWORK_CODES = new Set(['ECONNREFUSED', 'ECONNRESET', 'ETIMEDOUT', 'EHOSTUNREACH', 'ENETUNREACH', 'EHOSTDOWN', 'ENOTFOUND', 'EAI_AGAIN', 'EPIPE', 'ECONNABORTED']);

function kindOf(err: { code?: unknown; errorNum?: unknown; message: string }): { kind: Kind; code?: string } {
  const code = typeof err.code === 'string' ? err.code : undefined;
  const prefixed = /^(ORA|NJS|DPI|TNS)-\d+/.exec(err.message)?.[0];
  const oracleCode = code && /^(ORA|NJS|DPI|TNS)-\d+$/.test(code) ? code : prefixed;
  if (oracleCode) {
    const num = typeof err.errorNum === 'number' ? err.errorNum : Number(oracleCode.split('-')[1]);
    if (oracleCode.startsWith('ORA-')) return { kind: ORACLE_ERRORS[num] ?? REJECTED, code: oracleCode };
    return { kind: ORACLE_DRIVER_ERRORS[oracleCode] ?? { ...REJECTED, what: 'the Oracle driver failed' }, code: oracleCode };
  }
  if (code && NETWORK_CODES.has(code)) return { kind: code === 'ETIMEDOUT' ? TIMEOUT : UNREACHABLE, code };
  if (code && /^[0-9A-Z]{5}$/.test(code)) {
    return { kind: POSTGRES_CODES[code] ?? POSTGRES_CLASSES[code.slice(0, 2)] ?? REJECTED, code };
  }
  // pg's own words when the socket goes or a timeout passes, without a code.
  if (/timeout exceeded when trying to connect/i.test(err.message)) return { kind: POOL_EXHAUSTED, code };
  if (/timeout|timed out/i.test(err.message)) return { kind: TIMEOUT, code };
  if (/terminated|ended unexpectedly|closed|connect/i.test(err.message)) return { kind: LOST, code };
  // Anything else is unexpected: worth another try rather than a silent give-up.
  return { kind: { retryable: true, what: 'it failed', check: 'See the worker log' }, code };
}

/** The secrets blanked out, cut to the first line. */
function redact(text: string, secrets: (string | undefined)[]): string {
  let out = text.split('\n')[0].slice(0, 300);
  for (const s of secrets) if (s && s.length >= 3) out = out.split(s).join('***');
  return out;
}

function readSecrets(context: ErrorContext): (string | undefined)[] {
  try {
    return context.secrets();
  } catch {
    return [];
  }
}

/** A driver's error as a TaskDbError for `context`; a TaskDbError passes through. */
export function taskDbError(err: unknown, context: ErrorContext): TaskDbError {
  if (err instanceof TaskDbError) return err;
  // Not instanceof Error: errors from another realm (node's net under jest's sandbox) fail that test.
  const e = typeof err === 'object' && err !== null && typeof (err as Error).message === 'string' ? (err as Error & { code?: unknown; errorNum?: unknown }) : new Error(String(err));
  const { kind, code } = kindOf(e);
  const secrets = readSecrets(context);
  const query = context.query ? `the ${context.query} query` : undefined;
  const check = kind.check.replace('{query}', query ? `the configured ${context.query} query` : 'the configured queries');
  const said = redact(e.message, secrets);
  // PostgreSQL's messages do not carry their SQLSTATE, Oracle's and node's do.
  const detail = !said ? (code ?? e.name) : code && !said.includes(code) ? `${code}: ${said}` : said;
  const head = query ? `${query} failed: ${kind.what}` : kind.what;
  const tail = kind.retryable ? '; dutydesk will try again.' : '.';
  return new TaskDbError(`Task database (${context.database}): ${head} (${detail}). ${check}${tail}`, kind.retryable, code, context.query);
}
