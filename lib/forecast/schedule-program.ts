/**
 * The completion forecast's tree as a flat program over typed arrays, and
 * the two ways to run it: `schedule` once, keeping every subtask's start,
 * end and predecessor (the median scenario: the chart and the critical
 * path), and `finishOf` a thousand times, keeping only the finish (the
 * Monte Carlo's hot loop: no allocation, no recursion, few branches).
 *
 * Rules: a subtask may start when every earlier sibling in its sequence has
 * ended (so a done subtask that ended out of order never pulls the next one
 * earlier) and, if pending, not before now; a parallel group ends when its
 * last child ends. Done subtasks end at their recorded finish and running
 * ones at now + their rest, whatever the tree says: those times are facts.
 */
import type { GroupNode, SubtaskNode, SubtaskState, SubtaskStatus, TaskTree } from './model';

/**
 * Program ops: entering or leaving a group, or a run of sibling leaves: the
 * first leaf's index (>= 0) followed by how many. Siblings are numbered one
 * after another, so a group's leaves are handled in one tight inner loop.
 */
const ENTER_SEQUENCE = -1;
const ENTER_PARALLEL = -2;
const LEAVE = -3;

/** How each leaf is treated; failed ones are PENDING: the forecast runs them again from now. */
export const DONE = 0;
export const RUNNING = 1;
export const PENDING = 2;

export interface FlatTree {
  /** In tree order; a leaf's index is its slot in every per-leaf array. */
  leaves: SubtaskNode[];
  /** Names of the named groups around each leaf, outermost first. */
  groups: string[][];
  ops: Int32Array;
  /** Deepest nesting of groups (the root is 1): the size of the evaluators' stacks. */
  depth: number;
}

/** The statuses laid over the flat tree, one slot per leaf. */
export interface Plan {
  mode: Uint8Array;
  states: SubtaskState[];
  /** NaN when unknown. */
  startedAt: Float64Array;
  finishedAt: Float64Array;
  /** Running leaves: now − startedAt. */
  elapsed: Float64Array;
  /**
   * finishOf's branch-free form of the three modes: a leaf ends at
   * max(min(ready, waits), notBefore) + duration. Pending: waits = +∞ (it
   * waits for its predecessors), notBefore = now; running: waits = −∞,
   * notBefore = now (plus its rest); done: waits = −∞, notBefore = its finish.
   */
  waits: Float64Array;
  notBefore: Float64Array;
  now: number;
  /** The earliest startedAt, else now. */
  start: number;
}

export interface Schedule {
  finish: number;
  start: Float64Array;
  end: Float64Array;
  /** The leaf whose end let this one start, or -1 (it starts first, or when the clock lets it). */
  predecessor: Int32Array;
  /** The leaf that ends last, where the critical path ends; -1 in an empty tree. */
  finishLeaf: number;
}

export function flatten(tree: TaskTree): FlatTree {
  const leaves: SubtaskNode[] = [];
  const groups: string[][] = [];
  const ops: number[] = [];
  const names: string[] = [];
  let depth = 0;
  const visit = (group: GroupNode, level: number): void => {
    depth = Math.max(depth, level);
    ops.push(group.mode === 'parallel' ? ENTER_PARALLEL : ENTER_SEQUENCE);
    if (group.name !== undefined) names.push(group.name);
    let run = -1; // where the current run of leaves counts its length in ops
    for (const child of group.children) {
      if (child.kind === 'group') {
        visit(child, level + 1);
        run = -1;
      } else {
        if (run < 0) run = ops.push(leaves.length, 0) - 1;
        ops[run]++;
        leaves.push(child);
        groups.push(names.slice());
      }
    }
    if (group.name !== undefined) names.pop();
    ops.push(LEAVE);
  };
  visit(tree.root, 1);
  return { leaves, groups, ops: Int32Array.from(ops), depth };
}

/** Statuses for ids not in the tree are ignored, a later row for an id wins, and a leaf without a row is pending. */
export function planStatuses(flat: FlatTree, statuses: SubtaskStatus[], now: number): Plan {
  const byId = new Map<string, SubtaskStatus>();
  for (const status of statuses) byId.set(status.id, status);
  const count = flat.leaves.length;
  const plan: Plan = {
    mode: new Uint8Array(count),
    states: new Array<SubtaskState>(count),
    startedAt: new Float64Array(count).fill(NaN),
    finishedAt: new Float64Array(count).fill(NaN),
    elapsed: new Float64Array(count),
    waits: new Float64Array(count).fill(-Infinity),
    notBefore: new Float64Array(count).fill(now),
    now,
    start: Infinity,
  };
  for (let i = 0; i < count; i++) {
    const status = byId.get(flat.leaves[i].id);
    const state = status?.state ?? 'pending';
    plan.states[i] = state;
    const startedAt = status?.startedAt;
    if (startedAt !== undefined && Number.isFinite(startedAt) && state !== 'pending') plan.start = Math.min(plan.start, startedAt);
    if (state === 'done') {
      plan.mode[i] = DONE;
      plan.startedAt[i] = startedAt ?? NaN;
      // A done row without its finish finished at the latest now; nothing after it can start earlier anyway.
      plan.finishedAt[i] = plan.notBefore[i] = status?.finishedAt ?? now;
    } else if (state === 'running') {
      plan.mode[i] = RUNNING;
      plan.startedAt[i] = startedAt ?? now;
      plan.elapsed[i] = Math.max(0, now - plan.startedAt[i]);
    } else {
      plan.mode[i] = PENDING;
      plan.waits[i] = Infinity;
    }
  }
  if (plan.start === Infinity) plan.start = now;
  return plan;
}

/** Indexes of the leaves in one mode. */
export function leavesIn(plan: Plan, mode: number): Int32Array {
  const leaves: number[] = [];
  plan.mode.forEach((leafMode, i) => leafMode === mode && leaves.push(i));
  return Int32Array.from(leaves);
}

/**
 * Runs the tree once with `durations` (each pending leaf's duration, each
 * running leaf's rest), keeping every leaf's times. When two leaves end at
 * the same time, the later one in tree order counts as ending last.
 */
export function schedule(flat: FlatTree, plan: Plan, durations: Float64Array): Schedule {
  const count = flat.leaves.length;
  const result: Schedule = { finish: plan.start, start: new Float64Array(count), end: new Float64Array(count), predecessor: new Int32Array(count).fill(-1), finishLeaf: -1 };
  const { ops } = flat;
  const { mode, startedAt, finishedAt, now } = plan;
  // One frame per open group, frame 0 above the root: its ready time, its latest end so far, and the leaves that set them.
  const size = flat.depth + 1;
  const parallel = new Uint8Array(size);
  const ready = new Float64Array(size);
  const readyLeaf = new Int32Array(size);
  const latest = new Float64Array(size);
  const latestLeaf = new Int32Array(size);
  let top = 0;
  ready[0] = latest[0] = plan.start;
  readyLeaf[0] = latestLeaf[0] = -1;
  for (let k = 0; k < ops.length; k++) {
    const op = ops[k];
    if (op === LEAVE) {
      const end = latest[top];
      const leaf = latestLeaf[top];
      top--;
      if (end >= latest[top]) {
        latest[top] = end;
        latestLeaf[top] = leaf;
      }
      continue;
    }
    // When this node may start: after the earlier siblings in a sequence, with its group in a parallel one.
    const at = parallel[top] === 1 ? ready[top] : latest[top];
    const atLeaf = parallel[top] === 1 ? readyLeaf[top] : latestLeaf[top];
    if (op < 0) {
      top++;
      parallel[top] = op === ENTER_PARALLEL ? 1 : 0;
      ready[top] = latest[top] = at;
      readyLeaf[top] = latestLeaf[top] = atLeaf;
      continue;
    }
    for (let leaf = op, last = op + ops[++k]; leaf < last; leaf++) {
      // In a sequence each leaf waits for the previous one; in a parallel group all wait for the group.
      const leafAt = parallel[top] === 1 ? ready[top] : latest[top];
      let start: number;
      let end: number;
      let predecessor = parallel[top] === 1 ? readyLeaf[top] : latestLeaf[top];
      if (mode[leaf] === DONE) {
        end = finishedAt[leaf];
        start = Number.isNaN(startedAt[leaf]) ? Math.min(leafAt, end) : startedAt[leaf];
      } else if (mode[leaf] === RUNNING) {
        start = startedAt[leaf];
        end = now + durations[leaf];
      } else {
        start = leafAt > now ? leafAt : now;
        end = start + durations[leaf];
        if (leafAt < now) predecessor = -1; // it waits for the clock, not for its predecessors
      }
      if (end >= latest[top]) {
        latest[top] = end;
        latestLeaf[top] = leaf;
      }
      result.start[leaf] = start;
      result.end[leaf] = end;
      result.predecessor[leaf] = predecessor;
    }
  }
  result.finish = latest[0];
  result.finishLeaf = latestLeaf[0];
  return result;
}

/** finishOf's stacks, allocated once per forecast. */
export interface Frames {
  /** Frame f's ready time at times[2f], its latest end so far at times[2f + 1]. */
  times: Float64Array;
  /** Where frame f's children read their start: 2f (parallel) or 2f + 1 (sequence), saving a branch. */
  readAt: Int32Array;
}

export function makeFrames(flat: FlatTree): Frames {
  return { times: new Float64Array(2 * flat.depth + 2), readAt: new Int32Array(flat.depth + 1) };
}

/** schedule's finish alone, for the Monte Carlo's hot loop; `durations` must be 0 for done leaves. */
export function finishOf(flat: FlatTree, plan: Plan, durations: Float64Array, { times, readAt }: Frames): number {
  const { ops } = flat;
  const { waits, notBefore } = plan;
  let top = 1;
  times[0] = times[1] = plan.start;
  readAt[0] = 1;
  for (let k = 0; k < ops.length; k++) {
    const op = ops[k];
    if (op === LEAVE) {
      const end = times[top];
      top -= 2;
      if (end > times[top]) times[top] = end;
      continue;
    }
    const at = times[readAt[top >> 1]];
    if (op < 0) {
      top += 2;
      times[top - 1] = times[top] = at;
      readAt[top >> 1] = op === ENTER_PARALLEL ? top - 1 : top;
      continue;
    }
    const last = op + ops[++k];
    let latest = times[top];
    if (readAt[top >> 1] === top) {
      // A sequence: each leaf may start when the latest end so far allows.
      for (let leaf = op; leaf < last; leaf++) {
        const waited = latest < waits[leaf] ? latest : waits[leaf];
        const end = (waited > notBefore[leaf] ? waited : notBefore[leaf]) + durations[leaf];
        if (end > latest) latest = end;
      }
    } else {
      for (let leaf = op; leaf < last; leaf++) {
        const waited = at < waits[leaf] ? at : waits[leaf];
        const end = (waited > notBefore[leaf] ? waited : notBefore[leaf]) + durations[leaf];
        if (end > latest) latest = end;
      }
    }
    times[top] = latest;
  }
  return times[1];
}
