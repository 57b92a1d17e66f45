/**
 * One cheap linear pass over a request's XML before any parser sees it. It
 * refuses <!DOCTYPE> and other declarations, so entities never expand (no
 * billion laughs); refuses nesting deeper than the limit as soon as it is
 * seen, so 100 000 levels cost one pass instead of a deep tree; and names
 * the tag that is never closed, where fast-xml-parser's validator points at
 * the closing tag that follows it, or at line 1 when the text ends first.
 * Anything else it cannot make sense of is left to the validator, which
 * runs next and has the wording for it.
 */
import type { SourcePositions } from './task-xml-errors';

interface OpenTag {
  name: string;
  at: number;
}

/** Roughly XML's name rule; a tag failing it still counts for depth, but its problem is worded by the validator. */
const NAME = /^[A-Za-z_:\u00C0-\uFFFD][-A-Za-z0-9_:.\u00B7-\uFFFD]*$/;

/**
 * Throws a TaskXmlError for a declaration, too deep a nesting or an unclosed
 * tag; returns quietly when the text looks fine or when the problem is one
 * for the validator. maxDepth is in groups with the request as 1, so an
 * element maxDepth + 2 deep (a child of a group one level too deep) fails.
 */
export function prescanTaskXml(text: string, maxDepth: number, positions: SourcePositions): void {
  const open: OpenTag[] = [];
  // After something odd our idea of which tag is open may differ from the validator's: then we only count depth.
  let namesTrusted = true;
  for (let i = text.indexOf('<'); i !== -1; i = text.indexOf('<', i)) {
    if (text.startsWith('<!--', i)) {
      i = skipPast(text, '-->', i + 4, i, 'the comment <!-- is never closed with -->.', positions);
    } else if (text.startsWith('<![CDATA[', i)) {
      i = skipPast(text, ']]>', i + 9, i, 'the <![CDATA[ section is never closed with ]]>.', positions);
    } else if (text.startsWith('<?', i)) {
      i = skipPast(text, '?>', i + 2, i, 'the processing instruction <? is never closed with ?>.', positions);
    } else if (text[i + 1] === '!') {
      const declaration = /^[A-Za-z]*/.exec(text.slice(i + 2, i + 20))?.[0] || '…';
      throw positions.error('doctype', i, { declaration });
    } else if (text[i + 1] === '/') {
      const end = text.indexOf('>', i);
      if (end === -1) return; // no '>' left, so no tag either
      const name = text.slice(i + 2, end).trim();
      const top = open[open.length - 1];
      if (top?.name === name) {
        open.pop();
      } else if (namesTrusted && open.some((tag) => tag.name === name)) {
        throw positions.error('unclosedTag', top.at, { tag: top.name });
      } else {
        namesTrusted = false; // a closing tag nothing opened: the validator says so, at the right place
        open.pop();
      }
      i = end + 1;
    } else {
      const end = tagEnd(text, i + 1);
      if (end === -1) return; // an open quote runs to the end: the validator says so
      const name = /^[^\s/<>]*/.exec(text.slice(i + 1, Math.min(end, i + 200)))?.[0] ?? '';
      if (!NAME.test(name) || text.lastIndexOf('<', end) !== i) namesTrusted = false;
      if (open.length > maxDepth) {
        const tooDeep = open[maxDepth];
        throw positions.error('tooDeep', tooDeep.at, { depth: maxDepth + 1, maxDepth });
      }
      if (text[end - 1] !== '/') open.push({ name, at: i });
      i = end + 1;
    }
  }
  const unclosed = open[open.length - 1];
  if (unclosed && namesTrusted) throw positions.error('unclosedTag', unclosed.at, { tag: unclosed.name });
}

/** Index of the '>' ending the tag whose name starts at i, skipping quoted attribute values; -1 if none. */
function tagEnd(text: string, i: number): number {
  for (; i < text.length; i++) {
    const ch = text[i];
    if (ch === '>') return i;
    if (ch === '"' || ch === "'") {
      const close = text.indexOf(ch, i + 1);
      if (close === -1) return -1;
      i = close;
    }
  }
  return -1;
}

function skipPast(text: string, terminator: string, from: number, start: number, problem: string, positions: SourcePositions): number {
  const end = text.indexOf(terminator, from);
  if (end === -1) throw positions.error('malformed', start, { problem });
  return end + terminator.length;
}
