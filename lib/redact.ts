/**
 * Takes secrets out of text bound for workflow history and chat: command-line
 * options and assignments named like secrets (-Ddb.password=…, --api-token …,
 * DB_PASSWORD=…), credentials in URLs (user:password@, JDBC's user/password@,
 * ;password=…), curl -u, Authorization and X-Api-Key headers, the values of URL
 * query parameters named like secrets (?token=…), JSON pairs named like secrets
 * ({"spring.datasource.password":"…"}), the values of the secrets this process
 * has read (readSecret), wherever they stand, plus patterns from the configuration.
 * Each rule reads a name or value once (no nested quantifiers that backtrack),
 * so a megabyte of output takes about a tenth of a second.
 */

/** Options and query parameters are secret when their name holds one of these anywhere (--keyboard too: cheap to over-hide). */
const OPTION_WORDS = /password|passwd|pwd|secret|token|key|credential/i;
/** Query parameters are also signatures and auth codes (sig=, X-Amz-Signature=, auth=). */
const QUERY_WORDS = /password|passwd|pwd|secret|token|key|credential|auth|sig/i;
/**
 * Elsewhere (DB_PASSWORD=, X-Api-Key:, and "pass" in options) a whole word must be one, words split at
 * . - _ digits and camelCase: "pass" or "pw" alone, or ending in password, token… (PGPASSWORD, apitoken), or
 * "key" alone or after api, access… (apikey): not compass, bypass, monkey, keyboard, tokenizer.
 */
const SECRET_WORD =
  /^(?:pass|pw|[a-z]*(?:password|passwd|passphrase|pwd|secret|token|credential|signature)s?|(?:api|access|secret|private|master|signing|encryption|license|auth|pass)?keys?)$/;
/** The shell's working directories, not passwords. */
const NOT_SECRET = /^(?:old)?pwd$/i;

/** A name or option starts the text, or follows a space, a quote or the "=" of --env=NAME=value. */
const LEAD = `(?<=^|[\\s="'])`;
/** ?name=value, &name=value, and ;name=value (JDBC SQL Server); a {braced} value may hold ";". */
const QUERY_SECRET = /([?&;]([^=?&;#\s"']+)=)(?:\{[^}\n]*\}|[^?&;#\s"']*)/g;
// URL userinfo is dropped up to the last "@" before the path; or, if "user:" is followed by no port, up to the first "@" after which a host (no other "@") runs to "/", "?", "#" or a space.
const URL_USERINFO = /\b([a-z][a-z0-9+.-]{0,30}:\/\/)(?:[^\s/?#]*@|[^\s/?#@:[]*:(?!\d*[/?#])(?:[^\s/]|\/(?!\/))*?@(?=[^\s/?#@]+(?:[\s/?#]|$)))/gi;
/** Oracle's user/password@db: jdbc:oracle:thin:scott/tiger@//db:1521/ORCL, sqlplus scott/tiger@db. */
const ORACLE = /(\bjdbc:oracle:[a-z0-9]+:|\bsqlplus[ \t]+(?:-\S+[ \t]+){0,3})([^\s/@"':]+\/)(?:"[^"\n]*"|[^\s@"']+)/gi;
/** Authorization keeps its scheme (Bearer, Basic) and loses the rest, up to a quote or the line's end. */
const AUTH_HEADER = /(?<=^|[\s"'{,])((?:proxy-)?authorization["']?:[ \t]*["']?(?:[a-z][\w-]*[ \t]+(?=[^\s"']))?)[^"'\r\n]+/gi;
/** Other headers named like secrets: X-Api-Key: …, "x-auth-token": "…" (a hyphen, so that "bad token: …" in prose stays). */
const HEADER = new RegExp(`${LEAD}([a-z]\\w*(?:-\\w+)+)["']?:[ \\t]*(?=\\S)`, 'gi');
/** curl -u user:password, --user, --proxy-user: what follows the first ":" (not docker's -u 1000:1000). */
const CURL_USER = new RegExp(`${LEAD}(?:-[uU][ \\t]+|--(?:proxy-)?user[ \\t=][ \\t]*)(?<q>["']?)(?!\\d+:\\d+(?![^\\s"']))[^\\s"':]+:(?=[^\\s"'])`, 'g');
/** -Dkey=value, --name=value, -name=value, and NAME=value (export API_TOKEN=…, spring.datasource.password=…). */
const ASSIGNMENT = new RegExp(`${LEAD}(-{1,2}[^\\s="']+|[a-z_][\\w.-]*)=`, 'gi');
// --password value: the next word unless it is an option, i.e. starts "--" or is "-" and letters only (-v, -jar); so -hunter2, -x9! are values, and "-" (stdin) is none.
const SPACED = new RegExp(`${LEAD}(--[^\\s="']+)[ \\t]+(?=[^\\s-]|-(?![a-zA-Z]+(?:\\s|$))[^\\s-])`, 'g');
/** "name": in JSON, when a value follows (a string, a number, true, null; not an object, whose own names are judged). */
const JSON_KEY = /"([^"\\\n]*)"[ \t]*:[ \t]*(?=["\w+-])/g;
/** A JSON string, past \" escapes (to the line's end if it is cut off), or a number, true, null. */
const JSON_VALUE = /"(?:[^"\\\n]|\\.)*"?|[\w.+-]+/y;

/**
 * A value: quoted ("a b", "a\"b"), or inside quotes that also hold its name ('-Dx.password=a b', to the
 * quote), or else all up to the next space (hun"ter2 is one word).
 */
const QUOTED = /"(?:[^"\\\n]|\\.)*"|'[^'\n]*'/y;
const TO_QUOTE: Record<string, RegExp> = { '"': /(?:[^"\\\n]|\\.)+(?=")/y, "'": /[^'\n]+(?=')/y };
const WORD = /\S*/y;
/** How a value ends: the first rule that matches where it starts (a record: by the quote before the name). */
type ValueRule = RegExp | Record<string, RegExp>;
const VALUE: readonly ValueRule[] = [QUOTED, TO_QUOTE, WORD];

export const REDACTED = '***';

/** Values of the secrets this process read (tokens, passwords): hidden wherever they appear, even bare in prose. */
const knownSecrets = new Set<string>();

/** Enough for every secret a configuration names; each costs one scan of the text. */
const MAX_KNOWN = 200;

/**
 * Remembers a secret's value so that redactSecrets hides it. Values that would garble ordinary
 * text are left out: short ones, plain lowercase words ("password", "administrator"), and PEM
 * files but for private keys, which never appear whole in output (certificates are public).
 */
export function rememberSecret(value: string): void {
  const v = value.trim();
  if (v.includes('-----BEGIN')) return;
  if (knownSecrets.size < MAX_KNOWN && v.length >= 8 && !/^[a-z]+$/.test(v)) knownSecrets.add(v);
}

/** Extra patterns (dumps.redact): matched case-insensitively; throws on a pattern that is no regular expression. */
export function compileRedactions(patterns: readonly string[]): RegExp[] {
  return patterns.map((p) => new RegExp(p, 'gid'));
}

function hasSecretWord(name: string): boolean {
  const words = name.replace(/([a-z])(?=[A-Z])/g, '$1 ').toLowerCase().split(/[^a-z]+/);
  return words.some((word) => SECRET_WORD.test(word));
}

const secretAssigned = (name: string) => hasSecretWord(name) && !NOT_SECRET.test(name);
/** -Dpass is "pass": the D of -D is no part of the name. */
const secretOption = (name: string) => OPTION_WORDS.test(name) || hasSecretWord(name.replace(/^-(?:-|D)?/, ''));

function valueEnd(text: string, at: number, quote: string | undefined, value: readonly ValueRule[]): number {
  for (const rule of value) {
    const re = rule instanceof RegExp ? rule : rule[quote ?? ''];
    if (!re) continue;
    re.lastIndex = at;
    if (re.test(text)) return re.lastIndex;
  }
  return at;
}

/**
 * The value after each match that `secret` accepts becomes ***. Matches end
 * before the value, so one that is no secret never hides what follows it.
 */
function redactAfter(text: string, re: RegExp, secret: (m: RegExpMatchArray) => boolean, value: readonly ValueRule[] = VALUE): string {
  let out = '';
  let at = 0;
  for (const m of text.matchAll(re)) {
    const index = m.index ?? 0;
    if (index < at || !secret(m)) continue;
    const start = index + m[0].length;
    out += text.slice(at, start) + REDACTED;
    at = valueEnd(text, start, m.groups?.q || text[index - 1], value);
  }
  return out + text.slice(at);
}

/**
 * Every match becomes ***; when the pattern has capture groups, only what they
 * capture does (so "password=(\S+)" keeps "password=").
 */
function applyPattern(text: string, pattern: RegExp): string {
  const re = new RegExp(pattern.source, pattern.flags.includes('d') ? pattern.flags : `${pattern.flags}d`);
  let out = '';
  let at = 0;
  for (const m of text.matchAll(re)) {
    if (!m[0] || !m.indices) continue;
    const groups = m.indices.slice(1).filter((span): span is [number, number] => span !== undefined);
    const spans = (groups.length ? groups : [m.indices[0]]).sort((a, b) => a[0] - b[0]);
    for (const [start, end] of spans) {
      if (start < at || end === start) continue;
      out += text.slice(at, start) + REDACTED;
      at = end;
    }
  }
  return out + text.slice(at);
}

export function redactSecrets(text: string, extra: readonly RegExp[] = []): string {
  let out = text;
  for (const secret of knownSecrets) if (out.includes(secret)) out = out.split(secret).join(REDACTED);
  // Query values first: an "@" in ;password=p@ss must not read as the end of URL credentials.
  out = out
    .replace(QUERY_SECRET, (all, kept: string, name: string) => (QUERY_WORDS.test(name) || hasSecretWord(name) ? kept + REDACTED : all))
    .replace(URL_USERINFO, '$1')
    .replace(ORACLE, `$1$2${REDACTED}`)
    .replace(AUTH_HEADER, `$1${REDACTED}`);
  out = redactAfter(out, HEADER, (m) => hasSecretWord(m[1]));
  out = redactAfter(out, CURL_USER, () => true);
  out = redactAfter(out, ASSIGNMENT, ([, name]) => (name.startsWith('-') ? secretOption(name) : secretAssigned(name)));
  out = redactAfter(out, SPACED, ([, name]) => secretOption(name));
  // JSON last: the header rule has already taken "X-Api-Key": "…" whole (its quotes too), so the "," after it stays.
  out = redactAfter(out, JSON_KEY, ([, name]) => secretAssigned(name.slice(name.lastIndexOf('.') + 1)), [JSON_VALUE]);
  for (const pattern of extra) out = applyPattern(out, pattern);
  return out;
}
