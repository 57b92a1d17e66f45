/**
 * Reads a request's subtask XML (the format is shown and explained in
 * config/forecast/REQ-2041.xml) into the tree the completion forecast
 * runs on, and refuses what could hurt the worker or would only confuse it.
 *
 * The steps, cheapest first: the size; a linear pre-scan (task-xml-scan.ts)
 * refusing <!DOCTYPE> and entity declarations, nesting beyond the limit and
 * unclosed tags before any parser sees the text; fast-xml-parser's validator,
 * for the line and column of anything else malformed; the parse itself, with
 * entity expansion off, element order kept and each element's start offset
 * captured; the elements and attributes of the format (here); and last the
 * expansion of <include>s with the checks only the whole document allows
 * (task-xml-expand.ts). Every refusal is a TaskXmlError (task-xml-errors.ts).
 */
import { XMLParser, XMLValidator } from 'fast-xml-parser';
import { formatSize } from '../size';
import type { TaskTree } from './model';
import { SourcePositions, TaskXmlError } from './task-xml-errors';
import { expandRequest, type WrittenDefine, type WrittenGroup, type WrittenInclude, type WrittenNode, type WrittenTask } from './task-xml-expand';
import { prescanTaskXml } from './task-xml-scan';

export { TaskXmlError, type TaskXmlErrorCode, type TaskXmlErrorVars } from './task-xml-errors';

export interface TaskXmlLimits {
  /** Size of the text in UTF-8 bytes. */
  maxBytes: number;
  /** Group nesting, the request being 1 and each <include> adding a level; at most 1000 (the tree is walked recursively). */
  maxDepth: number;
  /** Subtasks once every <include> is expanded; groups are capped at the same number. */
  maxSubtasks: number;
}

export const DEFAULT_TASK_XML_LIMITS: TaskXmlLimits = Object.freeze({ maxBytes: 5 * 1024 * 1024, maxDepth: 50, maxSubtasks: 50_000 });

const HIGHEST_MAX_DEPTH = 1000;

/** The tree of a request's subtasks; throws a TaskXmlError saying what is wrong, where and what to do. */
export function parseTaskXml(xml: string, limits: Partial<TaskXmlLimits> = {}): TaskTree {
  const { maxBytes, maxDepth, maxSubtasks } = withDefaults(limits);
  const bytes = Buffer.byteLength(xml, 'utf8');
  if (bytes > maxBytes) throw new TaskXmlError('tooLarge', { bytes, maxBytes, maxSize: formatSize(maxBytes) });

  // The parser turns \r\n and \r into \n before it counts offsets; doing it first keeps its offsets and our lines in step.
  const text = xml.replace(/^\uFEFF/, '').replace(/\r\n?/g, '\n');
  if (text.trim() === '') throw new TaskXmlError('empty');
  const positions = new SourcePositions(text);
  prescanTaskXml(text, maxDepth, positions);
  const valid = XMLValidator.validate(text);
  if (valid !== true) {
    const problem = /[.!?]$/.test(valid.err.msg) ? valid.err.msg : `${valid.err.msg}.`;
    throw new TaskXmlError('malformed', { line: valid.err.line || 1, column: valid.err.col || 1, problem });
  }

  const reader = new RequestReader(positions, maxSubtasks);
  const written = reader.read(parseOrdered(text));
  const { root, subtaskCount, depth } = expandRequest(
    { root: written.root, defines: reader.defines, includes: reader.includes },
    { maxDepth, maxSubtasks },
    positions,
  );
  if (subtaskCount === 0) throw new TaskXmlError('empty');
  const tree: TaskTree = { root, subtaskCount, depth };
  if (written.id !== undefined) tree.request = written.id;
  if (written.title !== undefined) tree.title = written.title;
  return tree;
}

function withDefaults(limits: Partial<TaskXmlLimits>): TaskXmlLimits {
  const merged: TaskXmlLimits = {
    maxBytes: limits.maxBytes ?? DEFAULT_TASK_XML_LIMITS.maxBytes,
    maxDepth: limits.maxDepth ?? DEFAULT_TASK_XML_LIMITS.maxDepth,
    maxSubtasks: limits.maxSubtasks ?? DEFAULT_TASK_XML_LIMITS.maxSubtasks,
  };
  if (!(merged.maxDepth >= 1 && merged.maxDepth <= HIGHEST_MAX_DEPTH)) throw new RangeError(`maxDepth must be between 1 and ${HIGHEST_MAX_DEPTH}, not ${merged.maxDepth}`);
  return merged;
}

const PARSER = new XMLParser({
  preserveOrder: true,
  ignoreAttributes: false,
  attributeNamePrefix: '',
  processEntities: false,
  htmlEntities: false,
  parseTagValue: false,
  parseAttributeValue: false,
  trimValues: true,
  captureMetaData: true,
  ignoreDeclaration: true,
  ignorePiTags: true,
});

/** Where fast-xml-parser puts an element's start offset (its typings say Symbol, the wrapper type). */
const META = XMLParser.getMetaDataSymbol() as unknown as symbol;

function parseOrdered(text: string): unknown {
  try {
    return PARSER.parse(text);
  } catch (err) {
    // The pre-scan and the validator let nothing through that the parser refuses; should one slip by, it is still the user's XML.
    throw new TaskXmlError('malformed', { line: 1, column: 1, problem: `${(err as Error).message}` });
  }
}

/** An element of fast-xml-parser's ordered output, made easy to read. */
interface Element {
  tag: string;
  attrs: Record<string, unknown>;
  children: unknown;
  at: number;
}

/** The elements among an ordered list of nodes; text (and so whitespace) is left out. */
function elementsOf(nodes: unknown): Element[] {
  const elements: Element[] = [];
  if (!Array.isArray(nodes)) return elements;
  for (const node of nodes as Record<string | symbol, unknown>[]) {
    const tag = Object.keys(node).find((key) => key !== ':@');
    if (tag === undefined || tag === '#text') continue;
    const meta = node[META] as { startIndex?: number } | undefined;
    elements.push({ tag, attrs: (node[':@'] ?? {}) as Record<string, unknown>, children: node[tag], at: meta?.startIndex ?? 0 });
  }
  return elements;
}

const GROUP_CHILDREN = ['task', 'sequence', 'parallel', 'group', 'include'];
const REQUEST_CHILDREN = [...GROUP_CHILDREN, 'define'];

/** Shown with a missing attribute: a correct element of that kind. */
const EXAMPLES: Record<string, string> = {
  task: '<task id="load-eu" type="load"/>',
  group: '<group mode="parallel" name="Load">…</group>',
  define: '<define id="validate" mode="sequence" name="Validate">…</define>',
  include: '<include ref="validate"/>',
};

/** Elements and attributes to the tree as written; recursion is as deep as the elements, which the pre-scan bounds. */
class RequestReader {
  readonly defines = new Map<string, WrittenDefine>();
  readonly includes: WrittenInclude[] = [];
  private subtasks = 0;
  private currentDefine?: WrittenDefine;

  constructor(
    private readonly positions: SourcePositions,
    private readonly maxSubtasks: number,
  ) {}

  read(parsed: unknown): { root: WrittenGroup; id?: string; title?: string } {
    const [request, second] = elementsOf(parsed);
    if (!request) throw new TaskXmlError('empty');
    // The validator lets a second root through when it is self-closing (<request/>).
    if (second) throw this.positions.error('malformed', second.at, { problem: `a second root element <${second.tag}> follows the first; the XML must have exactly one root, <request>.` });
    if (request.tag !== 'request') throw this.positions.error('badRoot', request.at, { element: request.tag });
    return {
      root: { kind: 'group', mode: 'sequence', children: this.children(request), at: request.at },
      id: this.optional(request, 'id'),
      title: this.optional(request, 'title'),
    };
  }

  private children(parent: Element): WrittenNode[] {
    const nodes: WrittenNode[] = [];
    for (const element of elementsOf(parent.children)) {
      switch (element.tag) {
        case 'task':
          nodes.push(this.task(element));
          break;
        case 'sequence':
        case 'parallel':
          nodes.push(this.group(element, element.tag));
          break;
        case 'group':
          nodes.push(this.group(element, this.mode(element)));
          break;
        case 'include':
          nodes.push(this.include(element));
          break;
        case 'define':
          if (parent.tag !== 'request') throw this.positions.error('misplacedDefine', element.at, { parent: parent.tag });
          this.define(element);
          break;
        default: {
          const allowed = (parent.tag === 'request' ? REQUEST_CHILDREN : GROUP_CHILDREN).map((tag) => `<${tag}>`).join(', ');
          throw this.positions.error('unknownElement', element.at, { element: element.tag, parent: parent.tag, allowed });
        }
      }
    }
    return nodes;
  }

  private task(element: Element): WrittenTask {
    this.leafOnly(element);
    const task: WrittenTask = {
      kind: 'task',
      id: this.required(element, 'id', EXAMPLES.task),
      type: this.required(element, 'type', EXAMPLES.task),
      at: element.at,
    };
    const name = this.optional(element, 'name');
    if (name !== undefined) task.name = name;
    // Counted here as well as after expansion: a request past the limit as written is refused before any copying.
    if (++this.subtasks > this.maxSubtasks) throw new TaskXmlError('tooManySubtasks', { maxSubtasks: this.maxSubtasks });
    return task;
  }

  private group(element: Element, mode: WrittenGroup['mode']): WrittenGroup {
    const group: WrittenGroup = { kind: 'group', mode, children: this.children(element), at: element.at };
    const name = this.optional(element, 'name');
    if (name !== undefined) group.name = name;
    return group;
  }

  private include(element: Element): WrittenInclude {
    this.leafOnly(element);
    const include: WrittenInclude = { kind: 'include', ref: this.required(element, 'ref', EXAMPLES.include), at: element.at };
    this.includes.push(include);
    this.currentDefine?.includes.push(include);
    return include;
  }

  /** A <define> is kept aside, not put in the run: only its <include>s run it. */
  private define(element: Element): void {
    const id = this.required(element, 'id', EXAMPLES.define);
    const mode = this.mode(element);
    const first = this.defines.get(id);
    if (first) {
      const { line: firstLine, column: firstColumn } = this.positions.at(first.group.at);
      throw this.positions.error('duplicateDefine', element.at, { id, firstLine, firstColumn });
    }
    const define: WrittenDefine = { id, group: { kind: 'group', mode, children: [], at: element.at }, includes: [] };
    const name = this.optional(element, 'name');
    if (name !== undefined) define.group.name = name;
    this.defines.set(id, define);
    this.currentDefine = define;
    define.group.children = this.children(element);
    this.currentDefine = undefined;
  }

  private mode(element: Element): WrittenGroup['mode'] {
    const mode = this.required(element, 'mode', EXAMPLES[element.tag]);
    if (mode !== 'sequence' && mode !== 'parallel') throw this.positions.error('badMode', element.at, { element: element.tag, mode });
    return mode;
  }

  private leafOnly(element: Element): void {
    const [child] = elementsOf(element.children);
    if (child) throw this.positions.error('childInLeaf', child.at, { element: element.tag, child: child.tag });
  }

  private required(element: Element, attribute: string, example: string): string {
    const value = this.optional(element, attribute);
    if (value === undefined) throw this.positions.error('missingAttribute', element.at, { element: element.tag, attribute, example });
    return value;
  }

  /** The attribute's value with entities decoded and spaces trimmed; an empty value counts as none. */
  private optional(element: Element, attribute: string): string | undefined {
    if (!Object.hasOwn(element.attrs, attribute)) return undefined;
    const value = decodeEntities(String(element.attrs[attribute])).trim();
    return value === '' ? undefined : value;
  }
}

const PREDEFINED_ENTITIES: Record<string, string> = { lt: '<', gt: '>', amp: '&', quot: '"', apos: "'" };

/**
 * The parser expands no entities at all (so none declared in a DTD could ever
 * be); the five XML predefines and character references are fixed and safe,
 * and people write "Price &amp; stock" in names.
 */
function decodeEntities(value: string): string {
  if (!value.includes('&')) return value;
  return value.replace(/&(?:#x([0-9a-fA-F]{1,6})|#([0-9]{1,7})|(lt|gt|amp|quot|apos));/g, (whole, hex?: string, decimal?: string, named?: string) => {
    if (named) return PREDEFINED_ENTITIES[named];
    const code = hex ? parseInt(hex, 16) : Number(decimal);
    return code > 0 && code <= 0x10ffff ? String.fromCodePoint(code) : whole;
  });
}
