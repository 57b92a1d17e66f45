/**
 * What can be wrong with a request's subtask XML (see task-xml.ts): one code
 * per problem, one English template per code and the values put into it, so
 * chat can say the same thing in other languages from the i18n catalogue.
 * Also turns text offsets into the line and column people see in an editor.
 */

export type TaskXmlErrorCode =
  | 'tooLarge'
  | 'doctype'
  | 'malformed'
  | 'unclosedTag'
  | 'tooDeep'
  | 'tooManySubtasks'
  | 'tooManyGroups'
  | 'badRoot'
  | 'unknownElement'
  | 'misplacedDefine'
  | 'childInLeaf'
  | 'missingAttribute'
  | 'badMode'
  | 'duplicateDefine'
  | 'duplicateId'
  | 'unknownRef'
  | 'cycle'
  | 'empty';

/**
 * The English message of each code; {name} is replaced by vars.name. Every
 * code whose template starts with "Line {line}, column {column}" always has
 * a position; the others never do.
 */
export const TASK_XML_ERROR_TEMPLATES: Record<TaskXmlErrorCode, string> = {
  tooLarge: 'The request XML is {bytes} bytes, more than the limit of {maxBytes} bytes ({maxSize}). Split the request into smaller requests.',
  doctype:
    'Line {line}, column {column}: <!{declaration} …> is not accepted: DTDs and entity declarations are refused because entities can expand into huge documents. Remove it and write special characters as &lt; &gt; &amp; &quot; &apos;.',
  malformed: 'Line {line}, column {column}: the XML is not well-formed: {problem} Fix the XML and send it again.',
  unclosedTag: 'Line {line}, column {column}: <{tag}> is never closed. Close it with </{tag}> after its content, or write it as <{tag} … /> if it has none.',
  tooDeep:
    'Line {line}, column {column}: groups are nested {depth} deep here, more than the limit of {maxDepth} (the request counts as one level and so does each <include>). Use fewer nested <sequence>, <parallel> and <group> levels.',
  tooManySubtasks: 'The request has more than {maxSubtasks} subtasks (counting the ones each <include> brings in). Split it into smaller requests.',
  tooManyGroups: 'The request has more than {maxGroups} groups (counting the ones each <include> brings in). Split it into smaller requests.',
  badRoot: 'Line {line}, column {column}: the XML starts with <{element}>, but a request starts with <request>, e.g. <request id="REQ-2041" title="Nightly load">…</request>.',
  unknownElement: 'Line {line}, column {column}: <{element}> is not allowed inside <{parent}>. Allowed there: {allowed}.',
  misplacedDefine:
    'Line {line}, column {column}: <define> must sit directly under <request>, not inside <{parent}>. Move it to the top level and put an <include ref="…"/> where it should run.',
  childInLeaf: 'Line {line}, column {column}: <{element}> cannot contain other elements, but has <{child}> inside. Put subtasks in a <sequence>, <parallel> or <group> instead.',
  missingAttribute: 'Line {line}, column {column}: <{element}> needs a non-empty {attribute} attribute, e.g. {example}',
  badMode: 'Line {line}, column {column}: <{element}> has mode="{mode}", but the mode must be "sequence" or "parallel".',
  duplicateDefine: 'Line {line}, column {column}: <define id="{id}"> is already defined at line {firstLine}, column {firstColumn}. Give each <define> its own id.',
  duplicateId:
    'Line {line}, column {column}: subtask id "{id}" is already used at line {firstLine}, column {firstColumn}. Ids must be unique in the whole request, and each <include> copies its <define> with the same ids: rename one, or give each place its own <define>.',
  unknownRef: 'Line {line}, column {column}: <include ref="{ref}"/> names no <define>. Defined: {known}. Add <define id="{ref}" mode="sequence">…</define> directly under <request>, or fix the ref.',
  cycle: 'Line {line}, column {column}: defines include each other in a loop: {chain}. A <define> cannot include itself, directly or through others.',
  empty: 'The request has no subtasks. Add at least one <task id="…" type="…"/> under <request>.',
};

export type TaskXmlErrorVars = Record<string, string | number>;

/** Longer values are cut: a tag name, or the validator's problem quoting it, can be megabytes long. */
const MAX_VAR_LENGTH = 200;

export class TaskXmlError extends Error {
  override readonly name = 'TaskXmlError';
  /** The values in the message, for rendering it from another language's template. */
  readonly vars: TaskXmlErrorVars;
  readonly line?: number;
  readonly column?: number;

  constructor(
    readonly code: TaskXmlErrorCode,
    vars: TaskXmlErrorVars = {},
  ) {
    vars = clip(vars);
    super(fillTemplate(TASK_XML_ERROR_TEMPLATES[code], vars));
    this.vars = vars;
    if (typeof vars.line === 'number') this.line = vars.line;
    if (typeof vars.column === 'number') this.column = vars.column;
  }
}

function clip(vars: TaskXmlErrorVars): TaskXmlErrorVars {
  const clipped: TaskXmlErrorVars = {};
  for (const [key, value] of Object.entries(vars)) {
    clipped[key] = typeof value === 'string' && value.length > MAX_VAR_LENGTH ? `${value.slice(0, MAX_VAR_LENGTH - 1)}…` : value;
  }
  return clipped;
}

function fillTemplate(template: string, vars: TaskXmlErrorVars): string {
  return template.replace(/\{(\w+)\}/g, (whole, key: string) => (key in vars ? String(vars[key]) : whole));
}

export interface TextPosition {
  line: number;
  column: number;
}

/** Line and column (both 1-based) of offsets into one text; line starts are found once, on first use. */
export class SourcePositions {
  private lineStarts?: number[];

  constructor(private readonly text: string) {}

  at(offset: number): TextPosition {
    const starts = (this.lineStarts ??= findLineStarts(this.text));
    let low = 0;
    let high = starts.length - 1;
    while (low < high) {
      const mid = (low + high + 1) >> 1;
      if (starts[mid] <= offset) low = mid;
      else high = mid - 1;
    }
    return { line: low + 1, column: offset - starts[low] + 1 };
  }

  line(offset: number): number {
    return this.at(offset).line;
  }

  /** An error about what starts at offset: its line and column go first into vars. */
  error(code: TaskXmlErrorCode, offset: number, vars: TaskXmlErrorVars = {}): TaskXmlError {
    return new TaskXmlError(code, { ...this.at(offset), ...vars });
  }
}

function findLineStarts(text: string): number[] {
  const starts = [0];
  for (let i = text.indexOf('\n'); i !== -1; i = text.indexOf('\n', i + 1)) starts.push(i + 1);
  return starts;
}
