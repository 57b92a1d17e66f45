/**
 * Long texts are split for platforms with a size limit, never cut silently:
 * at line breaks where possible, else at spaces, else hard.
 */
export function splitText(text: string, limit: number): string[] {
  const parts: string[] = [];
  let rest = text;
  while (rest.length > limit) {
    const window = rest.slice(0, limit);
    let cut = window.lastIndexOf('\n');
    if (cut < limit / 2) cut = window.lastIndexOf(' ');
    if (cut < limit / 2) cut = limit;
    parts.push(rest.slice(0, cut));
    rest = rest.slice(cut).replace(/^[\n ]/, '');
  }
  parts.push(rest);
  return parts;
}

/** For an edit, which must stay one message: shortened, saying so. */
export function shortenForEdit(text: string, limit: number): string {
  if (text.length <= limit) return text;
  const note = `\n… (${text.length - limit + 40} more characters not shown)`;
  return text.slice(0, limit - note.length) + note;
}
