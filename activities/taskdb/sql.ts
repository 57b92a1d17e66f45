/**
 * Named binds (:request, :since) in the configured SQL: found without being
 * fooled by literals, quoted names, comments or PostgreSQL's ::casts, checked
 * against the binds dutydesk supplies, and rewritten into PostgreSQL's $1, $2.
 * Oracle takes the SQL unchanged with a binds object. Values always travel as
 * binds: the SQL text is never built from them.
 */
import { TaskDbError, type TaskDbQuery } from './errors';

/** One :name in the SQL; [start, end) covers the colon and the name. */
export interface BindUse {
  /** Lower case: Oracle's bind names are case-insensitive, and so are ours. */
  name: string;
  start: number;
  end: number;
}

/** A configured query, checked. */
export interface PreparedQuery {
  query: TaskDbQuery;
  sql: string;
  binds: BindUse[];
}

/** The binds each query gets. */
export const SUPPORTED_BINDS: Record<TaskDbQuery, string[]> = { status: ['request'], history: ['since'] };

const IDENT_CHAR = /[A-Za-z0-9_$#]/;
const BIND_NAME = /[A-Za-z_][A-Za-z0-9_$#]*/y;
const DOLLAR_TAG = /\$([A-Za-z_][A-Za-z0-9_]*)?\$/y;
const POSITIONAL = /\$\d+/y;
const Q_CLOSERS: Record<string, string> = { '[': ']', '{': '}', '(': ')', '<': '>' };

/** Index after a literal or quoted name opened at `i` by `quote`; doubled quotes stay inside, as do \-escapes with `backslash`. */
function skipQuoted(sql: string, i: number, quote: string, backslash = false): number {
  for (let j = i + 1; j < sql.length; j++) {
    if (backslash && sql[j] === '\\') j++;
    else if (sql[j] === quote) {
      if (sql[j + 1] !== quote) return j + 1;
      j++;
    }
  }
  return sql.length;
}

function matchAt(re: RegExp, sql: string, i: number): RegExpExecArray | null {
  re.lastIndex = i;
  return re.exec(sql);
}

/**
 * Every :name outside string literals ('…', E'…', Oracle's q'[…]', PostgreSQL's
 * $tag$…$tag$), quoted identifiers ("…"), comments (-- and /* *\/) and casts
 * (::type). `positional` gets each $1-style placeholder found, which the
 * configured SQL must not use.
 */
export function findBinds(sql: string, positional?: (text: string) => void): BindUse[] {
  const binds: BindUse[] = [];
  let i = 0;
  while (i < sql.length) {
    const c = sql[i];
    const prev = i > 0 ? sql[i - 1] : '';
    const wordStart = i < 2 || !IDENT_CHAR.test(sql[i - 2]);
    if (c === "'") {
      if (/[qQ]/.test(prev) && wordStart && i + 1 < sql.length) {
        // Oracle's q'Xtext X': ends at the closer followed by a quote.
        const close = (Q_CLOSERS[sql[i + 1]] ?? sql[i + 1]) + "'";
        const end = sql.indexOf(close, i + 2);
        i = end < 0 ? sql.length : end + 2;
      } else {
        i = skipQuoted(sql, i, "'", /[eE]/.test(prev) && wordStart);
      }
    } else if (c === '"') {
      i = skipQuoted(sql, i, '"');
    } else if (c === '-' && sql[i + 1] === '-') {
      const end = sql.indexOf('\n', i);
      i = end < 0 ? sql.length : end + 1;
    } else if (c === '/' && sql[i + 1] === '*') {
      const end = sql.indexOf('*/', i + 2);
      i = end < 0 ? sql.length : end + 2;
    } else if (c === '$' && !IDENT_CHAR.test(prev)) {
      const tag = matchAt(DOLLAR_TAG, sql, i);
      const number = tag ? null : matchAt(POSITIONAL, sql, i);
      if (tag) {
        const end = sql.indexOf(tag[0], i + tag[0].length);
        i = end < 0 ? sql.length : end + tag[0].length;
      } else if (number) {
        positional?.(number[0]);
        i += number[0].length;
      } else i++;
    } else if (c === ':') {
      if (sql[i + 1] === ':') {
        i += 2; // a cast: value::date
        continue;
      }
      const name = matchAt(BIND_NAME, sql, i + 1);
      if (name) {
        binds.push({ name: name[0].toLowerCase(), start: i, end: i + 1 + name[0].length });
        i += 1 + name[0].length;
      } else i++;
    } else i++;
  }
  return binds;
}

function supportedList(): string {
  return Object.entries(SUPPORTED_BINDS)
    .map(([query, names]) => `${names.map((n) => `:${n}`).join(', ')} in the ${query} query`)
    .join(' and ');
}

/** Checks a configured query: not empty, only the binds dutydesk supplies, no $1 placeholders. */
export function prepareQuery(query: TaskDbQuery, sql: string): PreparedQuery {
  if (!sql || !sql.trim()) throw new TaskDbError(`Task database: the ${query} query is empty.`, false, undefined, query);
  const found: string[] = [];
  const binds = findBinds(sql, (text) => found.push(text));
  if (found.length) {
    throw new TaskDbError(`Task database: the ${query} query uses the placeholder ${found[0]}; use the named binds instead (supported: ${supportedList()}).`, false, undefined, query);
  }
  const unknown = binds.find((b) => !SUPPORTED_BINDS[query].includes(b.name));
  if (unknown) {
    throw new TaskDbError(
      `Task database: the ${query} query uses the bind :${unknown.name}, which dutydesk does not supply (supported: ${supportedList()}).`,
      false,
      undefined,
      query,
    );
  }
  return { query, sql, binds };
}

/** Both configured queries, checked when the adapter is made rather than on first use. */
export function prepareQueries(queries: { status: string; history: string }): Record<TaskDbQuery, PreparedQuery> {
  return { status: prepareQuery('status', queries.status), history: prepareQuery('history', queries.history) };
}

/** The distinct bind names the query uses, first use first. */
export function bindNames(prepared: PreparedQuery): string[] {
  return [...new Set(prepared.binds.map((b) => b.name))];
}

/** PostgreSQL's form: each :name becomes $n (the same name, the same n) and the values go in that order. */
export function toPostgres(prepared: PreparedQuery, values: Record<string, unknown>): { text: string; values: unknown[] } {
  const names = bindNames(prepared);
  let text = '';
  let at = 0;
  for (const b of prepared.binds) {
    text += `${prepared.sql.slice(at, b.start)}$${names.indexOf(b.name) + 1}`;
    at = b.end;
  }
  text += prepared.sql.slice(at);
  return { text, values: names.map((n) => values[n]) };
}

/** Oracle's form: the values of exactly the binds the SQL uses (node-oracledb refuses names it cannot find). */
export function bindObject(prepared: PreparedQuery, values: Record<string, unknown>): Record<string, unknown> {
  return Object.fromEntries(bindNames(prepared).map((n) => [n, values[n]]));
}
