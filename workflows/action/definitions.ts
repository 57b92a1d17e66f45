/**
 * The runbook action workflow's contract: a run names the action and its
 * typed parameter values, nothing else; what runs where comes from the
 * worker's configuration. Types and definitions only.
 */
import { defineQuery, defineUpdate } from '@temporalio/workflow';
import type { ChatRef, Person, StepProgress } from '../restart/definitions';

export const ACTION_PREFIX = 'action-';
/** Schedules of actions: action-schedule-<action id>. */
export const ACTION_SCHEDULE_PREFIX = 'action-schedule-';
/** Who asks for a scheduled run. */
export const SCHEDULE_PERSON = { id: 'schedule', name: 'Schedule' };

export interface ActionRequest {
  actionId: string;
  /** Values as the grammar matched them; checked again by the worker. */
  params: Record<string, string>;
  requestedBy: Person;
  chat: ChatRef;
  language: string;
  /** Started by the action's Schedule: the worker checks it is exactly the configured schedule's run. */
  scheduled?: boolean;
}

/** As a restart's steps show (name: the step's number); detail: what the step found, or why it failed. */
export type ActionStepView = StepProgress;

/** What the worker plans from its configuration: titles to show, and a digest it checks at each step. */
export interface ActionPlan {
  title: string;
  /** The line as the grammar reads, with the values: "where is 10.20.30.5". */
  asked: string;
  /** Who asked, as the worker's configuration names them (or the Schedule). */
  requester: Person;
  steps: { title: string }[];
  timeoutMs: number;
  planId: string;
  /** A second person with this role approves the run, in this chat, within the time. */
  approval?: { role: string; chat: ChatRef; timeoutMs: number; approvers: Person[] };
  /** With teams: the action's team, which the run writes as its DutydeskTeam whatever its starter set. */
  team?: string;
}

/** A step's result: its line for the progress message, and output shown under it (or handed over as a file). */
export interface ActionStepResult {
  detail: string;
  /** Text output, already redacted and cut to what a message holds. */
  output?: string;
  /** The rest of a long output, or a file the step fetched: a path the chat worker reads. */
  /** photo: a picture that goes with the output's words (a report's chart); else a document (the whole output, a fetched file). */
  file?: { path: string; name: string; kind?: 'photo' };
}

export interface ActionProgress {
  workflowId: string;
  runId: string;
  request: ActionRequest;
  plan?: ActionPlan;
  phase: 'planning' | 'awaiting-approval' | 'running' | 'done' | 'failed' | 'denied' | 'expired';
  approvedBy?: Person;
  deniedBy?: Person;
  /** Why the run failed or was refused. */
  error?: string;
  steps: ActionStepView[];
  startedAt: number;
  endedAt?: number;
}

export const actionProgressQuery = defineQuery<ActionProgress>('actionProgress');
/** Approve or deny a run waiting for approval; refused for the person who asked, or when it waits for none. */
export const decideActionUpdate = defineUpdate<ActionProgress, [{ by: Person; approve: boolean }]>('decideAction');

/**
 * action-<id>-<16 hex>: the hex digests the chat message that asked (a message delivered twice is one run) or,
 * for an action with a concurrency key, the key (one run per key at a time). Short: it rides in button data.
 */
export function actionWorkflowId(actionId: string, digest: string): string {
  return `${ACTION_PREFIX}${actionId}-${digest}`;
}
