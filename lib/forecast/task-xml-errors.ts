/**
 * What can be wrong with a request's subtask XML (see task-xml.ts): one code
 * per problem and the values put into its message, so chat can say the same
 * thing in every language from the i18n catalogue ("xml.<code>").
 * Also turns text offsets into the line and column people see in an editor.
 */
import { t } from '../i18n';
import { clip } from '../messages/clip';

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

export type TaskXmlErrorVars = Record<string, string | number>;

/** Longer values are cut: a tag name, or the validator's problem quoting it, can be megabytes long. */
const MAX_VAR_LENGTH = 200;

/**
 * One mistake: its code and values. The English message of each code is the catalogue's "xml.<code>"
 * (lib/i18n/en.ts), filled with vars; chat says it in the reader's language.
 * Every code whose template starts with "Line {line}, column {column}"
 * always has a position; the others never do.
 */
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
    vars = clipVars(vars);
    super(t('en', `xml.${code}`, vars));
    this.vars = vars;
    if (typeof vars.line === 'number') this.line = vars.line;
    if (typeof vars.column === 'number') this.column = vars.column;
  }
}

function clipVars(vars: TaskXmlErrorVars): TaskXmlErrorVars {
  const clipped: TaskXmlErrorVars = {};
  for (const [key, value] of Object.entries(vars)) {
    clipped[key] = typeof value === 'string' ? clip(value, MAX_VAR_LENGTH) : value;
  }
  return clipped;
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
