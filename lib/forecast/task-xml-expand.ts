/**
 * The second half of reading a request's subtask XML (see task-xml.ts): the
 * tree as written, with its <define>s and <include>s, becomes the tree that
 * runs. Checks what only the whole document can tell: every <include> names
 * a <define>, defines do not include themselves, subtask ids are unique
 * once each <include> has copied its <define>, and the copies stay within
 * the limits (a define included twice in each of 40 nested defines would
 * otherwise make 2^40 groups).
 */
import type { GroupNode, SubtaskNode, TaskNode } from './model';
import { TaskXmlError, type SourcePositions } from './task-xml-errors';

/** Offsets (`at`) point at the element's '<' in the text the positions were made from. */
export interface WrittenTask {
  kind: 'task';
  id: string;
  type: string;
  name?: string;
  at: number;
}

export interface WrittenGroup {
  kind: 'group';
  mode: 'sequence' | 'parallel';
  name?: string;
  children: WrittenNode[];
  at: number;
}

export interface WrittenInclude {
  kind: 'include';
  ref: string;
  at: number;
}

export type WrittenNode = WrittenTask | WrittenGroup | WrittenInclude;

export interface WrittenDefine {
  id: string;
  group: WrittenGroup;
  /** The <include>s anywhere inside it, in document order. */
  includes: WrittenInclude[];
}

export interface WrittenRequest {
  root: WrittenGroup;
  defines: Map<string, WrittenDefine>;
  /** Every <include> in the document, in document order. */
  includes: WrittenInclude[];
}

export interface ExpansionLimits {
  maxDepth: number;
  maxSubtasks: number;
}

export interface ExpandedRequest {
  root: GroupNode;
  subtaskCount: number;
  depth: number;
}

/** The run's tree; throws a TaskXmlError for an unknown ref, a loop of defines, a duplicate id or a limit passed. */
export function expandRequest(written: WrittenRequest, limits: ExpansionLimits, positions: SourcePositions): ExpandedRequest {
  checkRefs(written, positions);
  checkNoCycles(written.defines, positions);
  const expander = new Expander(written.defines, limits, positions);
  const root: GroupNode = {
    kind: 'group',
    mode: written.root.mode,
    children: expander.children(written.root.children, 1, undefined),
    line: positions.line(written.root.at),
  };
  return { root, subtaskCount: expander.subtasks, depth: expander.deepest };
}

function checkRefs(written: WrittenRequest, positions: SourcePositions): void {
  for (const include of written.includes) {
    if (written.defines.has(include.ref)) continue;
    const known = [...written.defines.keys()].map((id) => `"${id}"`).join(', ') || '—';
    throw positions.error('unknownRef', include.at, { ref: include.ref, known });
  }
}

/** Depth-first over the defines (without recursion: there may be thousands), stopping at the first include that closes a loop. */
function checkNoCycles(defines: Map<string, WrittenDefine>, positions: SourcePositions): void {
  const finished = new Set<string>();
  for (const start of defines.values()) {
    if (finished.has(start.id)) continue;
    const path: { define: WrittenDefine; next: number }[] = [{ define: start, next: 0 }];
    while (path.length > 0) {
      const step = path[path.length - 1];
      const include = step.define.includes[step.next++];
      if (!include) {
        finished.add(step.define.id);
        path.pop();
        continue;
      }
      if (finished.has(include.ref)) continue;
      const loopStart = path.findIndex((s) => s.define.id === include.ref);
      if (loopStart !== -1) {
        const chain = [...path.slice(loopStart).map((s) => s.define.id), include.ref].join(' → ');
        throw positions.error('cycle', include.at, { chain });
      }
      path.push({ define: defines.get(include.ref)!, next: 0 });
    }
  }
}

/** How a copied subtask got where it runs: the <include>s it came through, innermost first. */
interface Via {
  at: number;
  outer?: Via;
}

interface Placed {
  at: number;
  via?: Via;
}

class Expander {
  subtasks = 0;
  groups = 0;
  deepest = 1;
  private readonly placed = new Map<string, Placed>();

  constructor(
    private readonly defines: Map<string, WrittenDefine>,
    private readonly limits: ExpansionLimits,
    private readonly positions: SourcePositions,
  ) {}

  /** Children of a group `depth` deep; recursion is as deep as the groups, which the depth limit bounds. */
  children(written: WrittenNode[], depth: number, via: Via | undefined): TaskNode[] {
    const nodes: TaskNode[] = [];
    for (const node of written) {
      if (node.kind === 'task') {
        nodes.push(this.task(node, via));
      } else if (node.kind === 'group') {
        this.enterGroup(node.at, depth + 1);
        nodes.push(this.group(node, node.at, depth + 1, via));
      } else {
        this.enterGroup(node.at, depth + 1);
        const define = this.defines.get(node.ref)!;
        nodes.push(this.group(define.group, node.at, depth + 1, { at: node.at, outer: via }));
      }
    }
    return nodes;
  }

  /** An included define runs where its <include> is, so the group takes the include's line. */
  private group(written: WrittenGroup, at: number, depth: number, via: Via | undefined): GroupNode {
    const group: GroupNode = { kind: 'group', mode: written.mode, children: [] };
    if (written.name !== undefined) group.name = written.name;
    group.children = this.children(written.children, depth, via);
    group.line = this.positions.line(at);
    return group;
  }

  private enterGroup(at: number, depth: number): void {
    if (depth > this.limits.maxDepth) throw this.positions.error('tooDeep', at, { depth, maxDepth: this.limits.maxDepth });
    if (++this.groups > this.limits.maxSubtasks) throw new TaskXmlError('tooManyGroups', { maxGroups: this.limits.maxSubtasks });
    this.deepest = Math.max(this.deepest, depth);
  }

  private task(written: WrittenTask, via: Via | undefined): SubtaskNode {
    if (++this.subtasks > this.limits.maxSubtasks) throw new TaskXmlError('tooManySubtasks', { maxSubtasks: this.limits.maxSubtasks });
    const here: Placed = { at: written.at, via };
    const first = this.placed.get(written.id);
    if (first) {
      const [firstAt, hereAt] = whereTheyDiffer(first, here);
      const { line: firstLine, column: firstColumn } = this.positions.at(firstAt);
      throw this.positions.error('duplicateId', hereAt, { id: written.id, firstLine, firstColumn });
    }
    this.placed.set(written.id, here);
    const task: SubtaskNode = { kind: 'task', id: written.id, type: written.type };
    if (written.name !== undefined) task.name = written.name;
    task.line = this.positions.line(written.at);
    return task;
  }
}

/**
 * The two places to name for one id used twice: the tasks themselves when
 * they are different elements, else (one define copied twice) the innermost
 * <include>s that differ.
 */
function whereTheyDiffer(first: Placed, second: Placed): [number, number] {
  const a = trail(first);
  const b = trail(second);
  for (let i = 0; i < Math.min(a.length, b.length); i++) if (a[i] !== b[i]) return [a[i], b[i]];
  return [a[0], b[0]];
}

function trail(placed: Placed): number[] {
  const offsets = [placed.at];
  for (let via = placed.via; via; via = via.outer) offsets.push(via.at);
  return offsets;
}
