/**
 * Task trees for the forecast tests, built directly as TaskTree objects (not
 * XML): small builders for hand-made trees, random trees for the calibration
 * and the timing, synthetic log-normal history, and an independent
 * simulation of a tree's "true" run to compare forecasts against.
 */
import type { DurationHistory, GroupNode, SubtaskNode, SubtaskStatus, TaskNode, TaskTree } from '../../lib/forecast/model';
import { normal } from '../../lib/forecast/random';

export const MINUTE = 60_000;
export const HOUR = 3_600_000;

export function task(id: string, type: string, name?: string): SubtaskNode {
  return { kind: 'task', id, type, ...(name === undefined ? {} : { name }) };
}

export function seq(...children: TaskNode[]): GroupNode {
  return { kind: 'group', mode: 'sequence', children };
}

export function par(...children: TaskNode[]): GroupNode {
  return { kind: 'group', mode: 'parallel', children };
}

export function named(name: string, group: GroupNode): GroupNode {
  return { ...group, name };
}

/** A tree whose root sequence holds these children. */
export function tree(...children: TaskNode[]): TaskTree {
  return treeOf(seq(...children));
}

export function treeOf(root: GroupNode): TaskTree {
  return { root, subtaskCount: countSubtasks(root), depth: groupDepth(root) };
}

function countSubtasks(node: TaskNode): number {
  return node.kind === 'task' ? 1 : node.children.reduce((sum, child) => sum + countSubtasks(child), 0);
}

function groupDepth(group: GroupNode): number {
  return 1 + Math.max(0, ...group.children.map((child) => (child.kind === 'group' ? groupDepth(child) : 0)));
}

export interface RandomTreeOptions {
  subtasks: number;
  /** Deepest group level (the root is 1). */
  depth: number;
  types: string[];
  /** Share of each group's subtasks given to its first child, to reach the depth in a big tree; else random splits. */
  spine?: number;
}

/** A random tree; groups alternate sequence (odd levels, the root too) and parallel (even levels). */
export function randomTree(random: () => number, options: RandomTreeOptions): TaskTree {
  let next = 0;
  const leaf = (): SubtaskNode => task(`t${next++}`, options.types[Math.floor(random() * options.types.length)]);
  const build = (level: number, budget: number): GroupNode => {
    const children: TaskNode[] = [];
    const parts = level === options.depth ? new Array<number>(budget).fill(1) : split(random, budget, options.spine);
    for (const part of parts) children.push(part === 1 ? leaf() : build(level + 1, part));
    return { kind: 'group', mode: level % 2 === 1 ? 'sequence' : 'parallel', children };
  };
  return treeOf(build(1, options.subtasks));
}

/** Splits a budget of subtasks into 2–4 parts of at least 1. */
function split(random: () => number, budget: number, spine: number | undefined): number[] {
  const count = Math.min(budget, 2 + Math.floor(random() * 3));
  const first = spine === undefined ? 0 : Math.min(budget - count + 1, Math.max(1, Math.round(budget * spine)));
  const weights = Array.from({ length: count }, () => 0.2 + random());
  const total = weights.reduce((sum, w) => sum + w, 0);
  const rest = budget - count - Math.max(0, first - 1);
  const parts = weights.map((w) => 1 + Math.floor((w / total) * rest));
  parts[0] += budget - parts.reduce((sum, part) => sum + part, 0);
  return parts;
}

/** Log-normal durations per type: median e^mu ms, log-sd sigma. */
export interface LogNormal {
  mu: number;
  sigma: number;
}

export function randomTypes(random: () => number, count: number): Map<string, LogNormal> {
  const types = new Map<string, LogNormal>();
  for (let t = 0; t < count; t++) {
    // Medians of 10 minutes to 2 hours, log-sd 0.3–0.8: from steady to quite erratic subtasks.
    const median = 10 * MINUTE * Math.exp(random() * Math.log(12));
    types.set(`type${t}`, { mu: Math.log(median), sigma: 0.3 + 0.5 * random() });
  }
  return types;
}

export function drawLogNormal(random: () => number, { mu, sigma }: LogNormal): number {
  return Math.round(Math.exp(mu + sigma * normal(random)));
}

/** `days` past durations of each type (one a day). */
export function syntheticHistory(random: () => number, types: Map<string, LogNormal>, days: number): DurationHistory {
  const history: DurationHistory = {};
  for (const [type, distribution] of types) history[type] = Array.from({ length: days }, () => drawLogNormal(random, distribution));
  return history;
}

export interface TrueRun {
  finish: number;
  start: Map<string, number>;
  end: Map<string, number>;
}

/** Runs the tree from `start` with the given durations: sequences one after another, parallel groups all at once. */
export function simulateRun(root: GroupNode, start: number, duration: (leaf: SubtaskNode) => number): TrueRun {
  const run: TrueRun = { finish: start, start: new Map(), end: new Map() };
  const visit = (node: TaskNode, ready: number): number => {
    if (node.kind === 'task') {
      const end = ready + duration(node);
      run.start.set(node.id, ready);
      run.end.set(node.id, end);
      return end;
    }
    let latest = ready;
    for (const child of node.children) latest = Math.max(latest, visit(child, node.mode === 'sequence' ? latest : ready));
    return latest;
  };
  run.finish = visit(root, start);
  return run;
}

/** The statuses a true run shows at `now`: done, running or (no row) pending. */
export function statusesAt(run: TrueRun, now: number): SubtaskStatus[] {
  const statuses: SubtaskStatus[] = [];
  for (const [id, start] of run.start) {
    const end = run.end.get(id) as number;
    if (end <= now) statuses.push({ id, state: 'done', startedAt: start, finishedAt: end });
    else if (start <= now) statuses.push({ id, state: 'running', startedAt: start });
  }
  return statuses;
}
