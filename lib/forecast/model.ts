/**
 * The completion forecast's data: the request's subtask tree (from its XML),
 * each subtask's status and each subtask type's past durations (from the
 * task database), and the forecast made of them. Types only; times are
 * epoch milliseconds, durations milliseconds.
 */

/** A leaf: one subtask. Its status is read by id, its past durations by type. */
export interface SubtaskNode {
  kind: 'task';
  id: string;
  type: string;
  /** What people call it; the id when absent. */
  name?: string;
  /** 1-based line in the XML, for messages. */
  line?: number;
}

/** Children of a sequence run one after another; of a parallel group all at once. */
export interface GroupNode {
  kind: 'group';
  mode: 'sequence' | 'parallel';
  name?: string;
  children: TaskNode[];
  line?: number;
}

export type TaskNode = SubtaskNode | GroupNode;

export interface TaskTree {
  /** The request's id and title, from the root element's attributes. */
  request?: string;
  title?: string;
  /** The root's children run in sequence. */
  root: GroupNode;
  subtaskCount: number;
  /** Nesting depth of groups (the root is 1). */
  depth: number;
}

export type SubtaskState = 'pending' | 'running' | 'done' | 'failed';

export interface SubtaskStatus {
  id: string;
  state: SubtaskState;
  startedAt?: number;
  finishedAt?: number;
}

/** Past durations of each subtask type on earlier days, in ms. */
export type DurationHistory = Record<string, number[]>;

export interface ForecastOptions {
  /** The workflow's (or the test's) clock. */
  now: number;
  /** Monte Carlo runs (default 1000). */
  runs?: number;
  /** Seed of the pseudo-random sampling: the same inputs and seed give the same forecast. */
  seed?: number;
  /** Share of runs inside the range: 0.8 gives the 10th–90th percentile (default 0.8). */
  confidence?: number;
  /** Duration assumed for a type with no history; default: the median of all history, else 1 hour. */
  fallbackMs?: number;
}

export interface ScheduledSubtask {
  id: string;
  type: string;
  name: string;
  state: SubtaskState;
  /** Actual times where known, else the median scenario's. */
  start: number;
  end: number;
  /** On the critical path of the median scenario. */
  critical: boolean;
  /** No history for its type: the fallback duration was used. */
  noHistory: boolean;
  /** Names of the groups it sits in, outermost first (for grouping chart rows). */
  groups: string[];
}

export interface Forecast {
  now: number;
  /** The real start: the earliest start of any subtask, else now. */
  start: number;
  /** Every subtask done: the ETA is the real finish. */
  finished: boolean;
  eta: {
    median: number;
    low: number;
    high: number;
    /** The share of runs between low and high, e.g. 0.8. */
    confidence: number;
  };
  /** Subtask ids on the path that decides the finish, first to last. */
  criticalPath: string[];
  /** Every subtask in tree order. */
  subtasks: ScheduledSubtask[];
  /** Types without history and the duration assumed for each. */
  noHistory: { type: string; ids: string[]; assumedMs: number }[];
  /** Subtasks that failed: the forecast assumes each is run again from now. */
  failed: string[];
  runs: number;
  seed: number;
}
