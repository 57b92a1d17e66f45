/**
 * Text for Jira's v2 API, whose descriptions and comments are wiki markup:
 * what we write (an alert's summary, a failure's message, a person's words)
 * must read as it is, so a hostile "!https://…/pixel.png!" embeds no image,
 * "[click|https://…]" hides no link, "{html}" starts no macro and a line
 * "h1. …" or "* …" is no heading or list. Markup characters are escaped with
 * a backslash; URLs are left whole, so Jira still links them. A backslash of
 * the text itself becomes "⧵" (U+29F5): in wiki markup "\\" is a line break,
 * and no escape shows a backslash.
 */

/** A URL as Jira links it in plain text; it stops before markup characters, which are escaped like the rest. */
const URL = /\bhttps?:\/\/[^\s[\]{}|!*^~<>"'\\]+/g;
/** Characters that start or end wiki markup anywhere in a line. */
const MARKUP = /[*_?\-+^~{}[\]|!#]/g;
/** Block markup at a line's start: headings (h1.), quotes (bq.), tables (||), panels. */
const BLOCK = /^(\s*)(h[1-6]|bq)\./gim;

function escapeProse(text: string): string {
  return text.replace(/\\/g, '\u29f5').replace(MARKUP, '\\$&').replace(BLOCK, '$1$2\\.');
}

/** Our own escapes taken out again, for text read back from v2 (a description dutydesk wrote). */
export function jiraWikiPlain(text: string): string {
  return text.replace(/\\([*_?\-+^~{}[\]|!#.])/g, '$1');
}

export function jiraWikiText(text: string): string {
  let out = '';
  let at = 0;
  for (const m of text.matchAll(URL)) {
    const index = m.index ?? 0;
    out += escapeProse(text.slice(at, index)) + m[0];
    at = index + m[0].length;
  }
  return out + escapeProse(text.slice(at));
}
