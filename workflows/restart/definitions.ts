/**
 * The restart workflow's contract: its input, its progress snapshot and the
 * messages (query, updates, signals) the gateway sends it. Types and
 * definitions only, so both the workflow bundle and the gateway import it.
 */
import { defineQuery, defineSignal, defineUpdate } from '@temporalio/workflow';

/** Where a message goes: a platform and that platform's chat id. */
export type Platform = 'web' | 'telegram' | 'slack';

export interface ChatRef {
  platform: Platform;
  chatId: string;
}

export interface Person {
  id: string;
  name: string;
}

export type StepKind = 'run' | 'wait' | 'http' | 'tcp' | 'announce' | 'sleep';

/**
 * One step as the run shows it: its name, title and kind, and the timeout the
 * workflow schedules it with. What a host step runs (command, URL, address)
 * is not here: the worker resolves it from its own configuration by name.
 */
export interface StepPlan {
  name: string;
  title: string;
  kind: StepKind;
  timeoutMs: number;
  /** Announce steps: the text. Runs started before steps were resolved by the worker also carry the command, URL or host:port. */
  target?: string;
  /** For announce steps: the chat to post in. */
  chat?: ChatRef;
  /** Only in runs started before steps were resolved by the worker. */
  retries?: number;
  intervalMs?: number;
  expectStatus?: number;
}

export interface RestartRequest {
  host: string;
  service: string;
  requestedBy: Person;
  /** The chat the request came from; progress is shown there. */
  chat: ChatRef;
  /** The requester's direct chat, where they are told how it ended. */
  notifyChat: ChatRef;
  production: boolean;
  approval?: { chat: ChatRef; timeoutMs: number };
  heartbeatTimeoutMs: number;
  /**
   * Digest of the service's plan in the configuration when the run started;
   * the worker refuses to run a step once its own configuration differs.
   * Absent in runs started before the worker resolved steps itself.
   */
  planId?: string;
  /** script: the script itself only in runs started before the worker resolved it. */
  plan: { mode: 'steps'; steps: StepPlan[] } | { mode: 'script'; script?: string; timeoutMs: number };
}

/** What the restart workflow asks the hosts worker: names only, resolved against the worker's configuration. */
export interface RestartStepInput {
  host: string;
  service: string;
  step: string;
  planId: string;
  production: boolean;
}

export interface RestartScriptInput {
  host: string;
  service: string;
  planId: string;
  production: boolean;
  doneSteps: string[];
}

/** The inputs of runs started before: checked against the configuration, refused when they differ from it. */
export interface LegacyRestartStepInput {
  host: string;
  step: StepPlan;
  production?: boolean;
}

export interface LegacyRestartScriptInput {
  host: string;
  script?: string;
  timeoutMs: number;
  doneSteps: string[];
  production?: boolean;
}

export type StepState = 'pending' | 'running' | 'done' | 'failed' | 'skipped';

export interface StepProgress {
  name: string;
  title: string;
  state: StepState;
  startedAt?: number;
  finishedAt?: number;
  /** Why it failed, or the tail of the step's output. */
  detail?: string;
}

export type RestartPhase = 'awaiting-approval' | 'running' | 'done' | 'failed' | 'cancelled' | 'denied' | 'expired';

export interface RestartProgress {
  workflowId: string;
  runId: string;
  host: string;
  service: string;
  requestedBy: Person;
  requestedAt: number;
  /** Where the live progress message is. */
  chat: ChatRef;
  production: boolean;
  phase: RestartPhase;
  steps: StepProgress[];
  approvedBy?: Person;
  deniedBy?: Person;
  cancelledBy?: Person;
  finishedAt?: number;
  /** One line on why the run ended badly. */
  error?: string;
  watchers: { person: Person; chat: ChatRef }[];
}

export const TERMINAL_PHASES: RestartPhase[] = ['done', 'failed', 'cancelled', 'denied', 'expired'];

export const progressQuery = defineQuery<RestartProgress>('progress');
/** Cancel between steps; rejected once the run has ended. */
export const cancelUpdate = defineUpdate<RestartProgress, [Person]>('cancel');
/** Approve or deny a production restart; the requester cannot decide their own request. */
export const decideUpdate = defineUpdate<RestartProgress, [{ by: Person; approve: boolean }]>('decide');
/** Ask to be told when the host is up again. */
export const watchSignal = defineSignal<[{ person: Person; chat: ChatRef }]>('watch');
/** Sent by the script-runner activity as the host's restart script marks its steps. */
export const scriptStepSignal = defineSignal<[{ name: string; title?: string; state: StepState; at: number; detail?: string }]>('scriptStep');

export function restartWorkflowId(host: string): string {
  return `restart-${host}`;
}
