/**
 * The rows of the forecast's Gantt chart (lib/forecast/gantt-svg.ts): one
 * per subtask, or, past maxRows, subtasks merged by the groups they sit in,
 * keeping the critical path and the running work in the most detail. Pure.
 */
import type { ScheduledSubtask, SubtaskState } from './model';

/** One chart row: a subtask, or consecutive subtasks of one group merged. */
export interface GanttRow {
  /** The subtask's name, or the group's. */
  label: string;
  /** Members merged into the row; 1 for a plain subtask. */
  count: number;
  start: number;
  end: number;
  state: SubtaskState;
  /** Any member on the critical path. */
  critical: boolean;
  /** Any member's duration guessed without history. */
  noHistory: boolean;
  /** Nesting level (0: directly in the outermost group), for indenting the label. */
  level: number;
}

/** Consecutive subtasks whose group paths agree down to `depth` levels. */
interface Run {
  members: ScheduledSubtask[];
  depth: number;
  /** The run split one level finer, computed when first asked. */
  pieces?: Run[];
  /** Which run to split first, computed when first asked. */
  priority?: number;
}

/** The key a subtask is merged by at a depth: its group path cut there, or the subtask itself below its innermost group. */
function keyAt(s: ScheduledSubtask, depth: number): string {
  return depth <= s.groups.length ? s.groups.slice(0, depth).join('\u0000') : `${s.groups.join('\u0000')}\u0001${s.id}`;
}

/** Runs of consecutive subtasks with the same key: a group's members are consecutive in tree order. */
function runsAt(subtasks: ScheduledSubtask[], depth: number): Run[] {
  const runs: Run[] = [];
  let lastKey: string | undefined;
  for (const s of subtasks) {
    const key = keyAt(s, depth);
    if (key === lastKey) runs[runs.length - 1].members.push(s);
    else runs.push({ members: [s], depth });
    lastKey = key;
  }
  return runs;
}

/** The run split at the next depth that separates its members; [run] when none does. */
function piecesOf(run: Run, deepest: number): Run[] {
  if (!run.pieces) {
    run.pieces = [run];
    for (let depth = run.depth + 1; depth <= deepest && run.members.length > 1; depth++) {
      const runs = runsAt(run.members, depth);
      if (runs.length > 1) {
        run.pieces = runs;
        break;
      }
    }
  }
  return run.pieces;
}

/**
 * What to show in detail first when rows are left over: unfinished work (it
 * decides the ETA), then the critical path, then the bigger run.
 */
function priorityOf(run: Run): number {
  if (run.priority === undefined) {
    const unfinished = run.members.some((m) => m.state !== 'done');
    const critical = run.members.some((m) => m.critical);
    run.priority = (unfinished ? 2e9 : 0) + (critical ? 1e9 : 0) + run.members.length;
  }
  return run.priority;
}

/**
 * Runs for at most maxRows rows: the deepest level that fits, then, while
 * the total still fits, runs split further in priorityOf order, so the
 * unfinished part of the critical path gets the rows that are left over.
 */
function collapse(subtasks: ScheduledSubtask[], maxRows: number): Run[] {
  // One past the deepest group: every subtask its own run.
  const deepest = subtasks.reduce((d, s) => Math.max(d, s.groups.length), 0) + 1;
  let depth = deepest;
  let runs = runsAt(subtasks, depth);
  while (runs.length > maxRows && depth > 0) runs = runsAt(subtasks, --depth);
  for (let split = true; split; ) {
    split = false;
    const order = runs.map((_, i) => i).sort((a, b) => priorityOf(runs[b]) - priorityOf(runs[a]) || a - b);
    for (const i of order) {
      const pieces = piecesOf(runs[i], deepest);
      if (pieces.length > 1 && runs.length - 1 + pieces.length <= maxRows) {
        runs.splice(i, 1, ...pieces);
        split = true;
        break;
      }
    }
  }
  return runs;
}

/**
 * The least finished state of the members: failed if any failed (it runs
 * again, and needs eyes); done or pending only when all are; else running,
 * since work in the group has started.
 */
function mergedState(members: ScheduledSubtask[]): SubtaskState {
  let failed = false;
  let done = 0;
  let pending = 0;
  for (const m of members) {
    if (m.state === 'failed') failed = true;
    else if (m.state === 'done') done++;
    else if (m.state === 'pending') pending++;
  }
  if (failed) return 'failed';
  if (done === members.length) return 'done';
  return pending === members.length ? 'pending' : 'running';
}

function rowOf(run: Run, fallbackName: string): GanttRow {
  const [first] = run.members;
  let start = Infinity;
  let end = -Infinity;
  for (const m of run.members) {
    start = Math.min(start, m.start);
    end = Math.max(end, m.end);
  }
  const common = { start, end, critical: run.members.some((m) => m.critical), noHistory: run.members.some((m) => m.noHistory) };
  if (run.members.length === 1) return { ...common, label: first.name || first.id, count: 1, state: first.state, level: first.groups.length };
  // Every member of a merged run has at least `depth` groups, or it would be a run of its own.
  const groupName = run.depth > 0 ? first.groups[run.depth - 1] : fallbackName;
  return {
    ...common,
    label: groupName || `${first.name || first.id} …`,
    count: run.members.length,
    state: mergedState(run.members),
    level: Math.max(run.depth - 1, 0),
  };
}

/**
 * The chart's rows in tree order, and whether subtasks were merged to fit
 * maxRows. fallbackName labels the single row all subtasks merge into when
 * they share no named group.
 */
export function ganttRows(subtasks: ScheduledSubtask[], maxRows: number, fallbackName = ''): { rows: GanttRow[]; collapsed: boolean } {
  const collapsed = subtasks.length > maxRows;
  const runs = collapsed ? collapse(subtasks, Math.max(1, Math.floor(maxRows))) : subtasks.map((s) => ({ members: [s], depth: s.groups.length + 1 }));
  return { rows: runs.map((run) => rowOf(run, fallbackName)), collapsed };
}
