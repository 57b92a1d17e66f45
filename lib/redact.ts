/**
 * Takes secrets out of text bound for workflow history and chat: command-line
 * options named like secrets (-Ddb.password=…, --api-token=…, --password …),
 * credentials in URLs (user:password@) and the values of URL query parameters
 * named like secrets (?token=…), plus patterns from the configuration.
 */

/** Words that make an option a secret. */
const OPTION_WORDS = 'password|passwd|pwd|secret|token|key|credential';
/** Query parameters are also signatures and auth codes (sig=, X-Amz-Signature=, auth=). */
const QUERY_WORDS = `${OPTION_WORDS}|auth|sig`;

/** scheme://user:password@host: the last "@" before the path ends the credentials, as URL parsers read it. */
const URL_USERINFO = /\b([a-z][a-z0-9+.-]*:\/\/)[^\s/?#]*@/gi;
const QUERY_SECRET = new RegExp(`([?&;][^=&#\\s]*(?:${QUERY_WORDS})[^=&#\\s]*=)[^&#\\s]*`, 'gi');
/** -Dkey=value and --name=value, -name=value. */
const OPTION_SECRET = new RegExp(`(^|[\\s"'])(-{1,2}[^\\s=]*(?:${OPTION_WORDS})[^\\s=]*=)[^\\s"']*`, 'gi');
/** --password value (the next word, unless it is another option). */
const SPACED_SECRET = new RegExp(`(^|[\\s"'])(--[^\\s=]*(?:${OPTION_WORDS})[^\\s=]*\\s+)(?!-)[^\\s"']+`, 'gi');

export const REDACTED = '***';

/** Extra patterns (dumps.redact): matched case-insensitively; throws on a pattern that is no regular expression. */
export function compileRedactions(patterns: readonly string[]): RegExp[] {
  return patterns.map((p) => new RegExp(p, 'gid'));
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
  let out = text
    .replace(URL_USERINFO, '$1')
    .replace(QUERY_SECRET, `$1${REDACTED}`)
    .replace(OPTION_SECRET, `$1$2${REDACTED}`)
    .replace(SPACED_SECRET, `$1$2${REDACTED}`);
  for (const pattern of extra) out = applyPattern(out, pattern);
  return out;
}
