/** Types of text-links.js (plain JavaScript, as the console page runs it too). */
export interface TextPart {
  text: string;
  /** Set for a link: the absolute http(s) URL it goes to. */
  href?: string;
}

export function textParts(text: string): TextPart[];
export function httpHref(candidate: string): string | undefined;
