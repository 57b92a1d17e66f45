/** Text cut to at most `max` characters, ending in "…" when cut (never in the middle of a surrogate pair). */
export function clip(text: string, max: number): string {
  if (text.length <= max) return text;
  let end = max - 1;
  const code = text.charCodeAt(end - 1);
  if (code >= 0xd800 && code <= 0xdbff) end--;
  return `${text.slice(0, end)}…`;
}

/** How much of a name people typed is echoed back in an answer ("Unknown host …"). */
export const ECHO_MAX = 80;

/** A name someone typed, as an answer echoes it: a screenful at most. */
export const echoed = (typed: string) => clip(typed, ECHO_MAX);
