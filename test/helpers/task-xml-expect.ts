/** Looking at parsed request trees and refusals the way a user would: ids and modes, lines and columns. */
import type { TaskNode, TaskTree } from '../../lib/forecast/model';
import { parseTaskXml, TaskXmlError, type TaskXmlLimits } from '../../lib/forecast/task-xml';

/** A tree as a reader would sketch it: a task by its id, a group as {'mode "name"': children}. */
export type Outline = string | { [group: string]: Outline[] };
export function outline(node: TaskNode): Outline {
  if (node.kind === 'task') return node.id;
  return { [`${node.mode}${node.name === undefined ? '' : ` "${node.name}"`}`]: node.children.map(outline) };
}

export function leaves(node: TaskNode): TaskNode[] {
  return node.kind === 'task' ? [node] : node.children.flatMap(leaves);
}

export function findTask(tree: TaskTree, id: string): TaskNode {
  const found = leaves(tree.root).find((node) => node.kind === 'task' && node.id === id);
  if (!found) throw new Error(`no subtask ${id}`);
  return found;
}

/** 1-based line and column of the first occurrence of `needle`. */
export function where(text: string, needle: string): { line: number; column: number } {
  const at = text.indexOf(needle);
  if (at === -1) throw new Error(`${needle} is not in the text`);
  const before = text.slice(0, at).split('\n');
  return { line: before.length, column: before[before.length - 1].length + 1 };
}

export function refusal(xml: string, limits?: Partial<TaskXmlLimits>): TaskXmlError {
  try {
    parseTaskXml(xml, limits);
  } catch (err) {
    if (err instanceof TaskXmlError) return err;
    throw err;
  }
  throw new Error('the XML was accepted, but should have been refused');
}

export function timed<T>(run: () => T): { result: T; ms: number } {
  const start = performance.now();
  const result = run();
  return { result, ms: performance.now() - start };
}

/** Nested groups, each on its own line and indented two spaces per level, alternating parallel/sequence below the request. */
export function nestedXml(levels: number): string {
  const lines = ['<request id="DEEP">'];
  for (let i = 1; i < levels; i++) lines.push(`${'  '.repeat(i)}<${i % 2 === 1 ? 'parallel' : 'sequence'} name="level ${i + 1}">`);
  lines.push(`${'  '.repeat(levels)}<task id="bottom" type="t"/>`);
  for (let i = levels - 1; i >= 1; i--) lines.push(`${'  '.repeat(i)}</${i % 2 === 1 ? 'parallel' : 'sequence'}>`);
  lines.push('</request>');
  return lines.join('\n');
}
