/**
 * Chat grammars of runbook actions: "where is {ip:ip}", "capture {host:host}
 * {seconds:int<=300}", "report {kind:lan|wan}", "find {ticket:/[A-Z]+-\d+/}",
 * "note {text:text}". Words match case-insensitively; each {name:type} takes
 * one word of its type (text: the rest of the line). Compiled when the
 * configuration loads, so a bad grammar, and two grammars that can match the
 * same words, are configuration errors, not surprises in chat.
 */
import { parseIp } from '../inventory/ip';
import { grammarProblemText } from './grammar-text';

export type ParamType =
  | { kind: 'ip' }
  | { kind: 'host' }
  | { kind: 'int'; min: number; max: number }
  | { kind: 'choice'; options: string[] }
  | { kind: 'pattern'; source: string; re: RegExp }
  | { kind: 'word' }
  | { kind: 'text' };

export type GrammarToken = { literal: string } | { param: string; type: ParamType };

export interface Grammar {
  source: string;
  tokens: GrammarToken[];
}

export class GrammarError extends Error {}

const NAME = /^[a-z][a-zA-Z0-9_]{0,30}$/;
/** What a parameter's value may be at most: a word of chat, not a document. */
const MAX_VALUE = 200;
const MAX_TEXT = 2000;

function paramType(spec: string, where: string): ParamType {
  if (spec === 'ip' || spec === 'host' || spec === 'word' || spec === 'text') return { kind: spec };
  const int = /^int(?:(<=|>=)(-?\d{1,12})|(-?\d{1,12})\.\.(-?\d{1,12}))?$/.exec(spec);
  if (int) {
    const [, op, bound, lo, hi] = int;
    const min = lo !== undefined ? Number(lo) : op === '>=' ? Number(bound) : op === '<=' ? 0 : 0;
    const max = hi !== undefined ? Number(hi) : op === '<=' ? Number(bound) : Number.MAX_SAFE_INTEGER;
    if (min > max) throw new GrammarError(`${where}: the range ${spec} is empty`);
    return { kind: 'int', min, max };
  }
  if (spec.startsWith('/') && spec.endsWith('/') && spec.length > 2) {
    const source = spec.slice(1, -1);
    try {
      return { kind: 'pattern', source, re: new RegExp(`^(?:${source})$`, 'u') };
    } catch (err) {
      throw new GrammarError(`${where}: /${source}/ is not a regular expression (${(err as Error).message})`);
    }
  }
  if (/^[a-z0-9][a-z0-9_.-]*(\|[a-z0-9][a-z0-9_.-]*)+$/i.test(spec)) return { kind: 'choice', options: spec.toLowerCase().split('|') };
  throw new GrammarError(`${where}: unknown type "${spec}"; use ip, host, int, int<=N, int>=N, intA..B, a|b|c, /regex/, word or text`);
}

/** "where is {ip:ip}" → tokens; throws GrammarError naming what is wrong. */
export function parseGrammar(source: string): Grammar {
  const words = source.trim().split(/\s+/).filter(Boolean);
  if (words.length === 0) throw new GrammarError('the grammar is empty');
  const names = new Set<string>();
  const tokens = words.map((word, i): GrammarToken => {
    const m = /^\{([^:{}]+):(.+)\}$/.exec(word);
    if (!m) {
      if (/[{}]/.test(word)) throw new GrammarError(`"${word}": write a parameter as {name:type}, without spaces inside`);
      return { literal: word.toLowerCase() };
    }
    const [, name, spec] = m;
    if (!NAME.test(name)) throw new GrammarError(`"${word}": a parameter's name is a letter, then letters, digits or _`);
    if (names.has(name)) throw new GrammarError(`"${word}": the parameter ${name} is named twice`);
    names.add(name);
    const type = paramType(spec, `"${word}"`);
    if (type.kind === 'text' && i !== words.length - 1) throw new GrammarError(`"${word}": a text parameter takes the rest of the line, so it comes last`);
    return { param: name, type };
  });
  if (!('literal' in tokens[0])) throw new GrammarError('the grammar starts with a word, not a parameter, so that chat can tell it from other commands');
  return { source: source.trim(), tokens };
}

/** Whether a word is a value of the type; hosts are checked against the configuration by the caller. */
function accepts(type: ParamType, word: string): boolean {
  if (word.length > MAX_VALUE) return false;
  switch (type.kind) {
    case 'ip':
      return parseIp(word) !== undefined;
    case 'host':
      return /^[A-Za-z0-9][A-Za-z0-9_.-]*$/.test(word);
    case 'int': {
      if (!/^-?\d{1,15}$/.test(word)) return false;
      const n = Number(word);
      return n >= type.min && n <= type.max;
    }
    case 'choice':
      return type.options.includes(word.toLowerCase());
    case 'pattern':
      return type.re.test(word);
    case 'word':
      return !/[\u0000-\u001f]/.test(word);
    case 'text':
      return true;
  }
}

/** Types whose values are free words: one starting with "-" would reach a program as an option. */
const FREE_FORM = new Set<ParamType['kind']>(['word', 'pattern', 'host']);

/** One form per value, so equal values compare equal (a concurrency key, a schedule's values): 2001:DB8::1 is 2001:db8::1, 007 is 7. */
function canonical(type: ParamType, word: string): string {
  if (type.kind === 'choice') return word.toLowerCase();
  if (type.kind === 'ip') return parseIp(word)!.text;
  if (type.kind === 'int') return String(Number(word));
  return word;
}

/** What is wrong with a line, in words (English, for logs and refusals) and as a code with values (for each reader's language). */
export type GrammarProblem =
  | { code: 'expected'; literal: string; found?: string }
  | { code: 'missing'; param: string }
  | { code: 'notType'; param: string; value: string; type: ParamType }
  | { code: 'dash'; param: string; value: string }
  | { code: 'tooLong'; param: string; max: number }
  | { code: 'extra'; rest: string };

export type GrammarMatch = { params: Record<string, string> } | { problem: string; param?: string; why: GrammarProblem };

export function problem(why: GrammarProblem): { problem: string; param?: string; why: GrammarProblem } {
  const text = grammarProblemText('en', why);
  return { problem: text, ...('param' in why ? { param: why.param } : {}), why };
}

/**
 * The words against the grammar: the parameters when they fit; otherwise, when the literal words
 * fit, which parameter is wrong (so chat can say so); undefined when this is not the grammar's command.
 */
export function matchGrammar(grammar: Grammar, text: string): GrammarMatch | undefined {
  const words = text.trim().split(/\s+/).filter(Boolean);
  const params: Record<string, string> = Object.create(null);
  // Not this command unless its leading words are there.
  for (let i = 0; i < grammar.tokens.length && 'literal' in grammar.tokens[i]; i++) {
    if ((words[i] ?? '').toLowerCase() !== (grammar.tokens[i] as { literal: string }).literal) return undefined;
  }
  let at = 0;
  for (const token of grammar.tokens) {
    if ('literal' in token) {
      if ((words[at] ?? '').toLowerCase() !== token.literal) return problem({ code: 'expected', literal: token.literal, found: words[at]?.slice(0, 40) });
      at++;
      continue;
    }
    if (token.type.kind === 'text') {
      const rest = words.slice(at).join(' ');
      if (!rest) return problem({ code: 'missing', param: token.param });
      if (rest.startsWith('-')) return problem({ code: 'dash', param: token.param, value: rest.slice(0, 40) });
      if (rest.length > MAX_TEXT) return problem({ code: 'tooLong', param: token.param, max: MAX_TEXT });
      params[token.param] = rest;
      at = words.length;
      continue;
    }
    const word = words[at];
    if (word === undefined) return problem({ code: 'missing', param: token.param });
    if (!accepts(token.type, word)) return problem({ code: 'notType', param: token.param, value: word.slice(0, 40), type: token.type });
    if (word.startsWith('-') && FREE_FORM.has(token.type.kind)) return problem({ code: 'dash', param: token.param, value: word.slice(0, 40) });
    params[token.param] = canonical(token.type, word);
    at++;
  }
  if (at < words.length) return problem({ code: 'extra', rest: words.slice(at).join(' ').slice(0, 60) });
  return { params };
}


/** The grammar as people read it in help: "where is <ip>". */
export function grammarUsage(grammar: Grammar): string {
  return grammar.tokens.map((t) => ('literal' in t ? t.literal : `<${t.param}>`)).join(' ');
}

/** Whether two types may both accept one word (conservatively: unsure means yes). */
function typesMeet(a: ParamType, b: ParamType): boolean {
  if (a.kind === 'text' || b.kind === 'text' || a.kind === 'word' || b.kind === 'word') return true;
  if (a.kind === 'choice') return a.options.some((o) => takesWord(b, o));
  if (b.kind === 'choice') return b.options.some((o) => takesWord(a, o));
  if (a.kind === 'int' && b.kind === 'int') return a.min <= b.max && b.min <= a.max;
  const kinds = new Set([a.kind, b.kind]);
  // An address is never a whole number; a host name may be a number, and IPv4 looks like a host name.
  if (kinds.has('ip') && kinds.has('int')) return false;
  return true;
}

/** A literal is typed in any case: "find ALL" is "find all" too, so a type meets it when it takes any of its cases. */
function takesWord(type: ParamType, literal: string): boolean {
  if (type.kind === 'pattern') return new RegExp(type.re.source, 'iu').test(literal);
  return [literal, literal.toUpperCase(), literal[0].toUpperCase() + literal.slice(1)].some((w) => accepts(type, w));
}

function tokensMeet(a: GrammarToken, b: GrammarToken): boolean {
  if ('literal' in a && 'literal' in b) return a.literal === b.literal;
  if ('literal' in a) return takesWord((b as { type: ParamType }).type, a.literal);
  if ('literal' in b) return takesWord(a.type, b.literal);
  return typesMeet(a.type, b.type);
}

/** Whether some line matches both grammars (so chat could not tell which action is meant). */
export function grammarsOverlap(a: Grammar, b: Grammar): boolean {
  const ta = a.tokens;
  const tb = b.tokens;
  const textA = ta.at(-1) && 'type' in ta.at(-1)! && (ta.at(-1) as { type: ParamType }).type.kind === 'text';
  const textB = tb.at(-1) && 'type' in tb.at(-1)! && (tb.at(-1) as { type: ParamType }).type.kind === 'text';
  // A text parameter takes one or more words: compare up to it, and the other may run on.
  const n = Math.min(ta.length, tb.length);
  if (ta.length !== tb.length) {
    const shorter = ta.length < tb.length ? { t: ta, text: textA } : { t: tb, text: textB };
    if (!shorter.text) return false;
  }
  for (let i = 0; i < n; i++) {
    const x = ta[i];
    const y = tb[i];
    const lastOfShorter = i === n - 1 && ta.length !== tb.length;
    if (lastOfShorter) return true;
    if (!tokensMeet(x, y)) return false;
  }
  return true;
}
