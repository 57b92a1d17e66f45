/**
 * Runs any runbook action: the worker plans it from its configuration (and
 * refuses a run its configuration does not allow), then its steps run one by
 * one with live progress in one chat message, and each step's output follows
 * it. A step that fails ends the run; the rest are skipped.
 */
import { ActivityFailure, ApplicationFailure, condition, patched, proxyActivities, setHandler, TimeoutFailure, upsertSearchAttributes, workflowInfo } from '@temporalio/workflow';
import { REQUESTED_BY_ATTR, TEAM_ATTR } from '../../lib/search-attributes';
import type { createActionActivities } from '../../activities/actions/activities';
import { rootMessage } from '../../lib/failure';
import { TASK_QUEUES } from '../../workers/task-queues';
import { actionProgressQuery, decideActionUpdate, type ActionProgress, type ActionRequest } from './definitions';

type ActionActivities = ReturnType<typeof createActionActivities>;

/** The Schedule that started this run, as Temporal recorded it (a reserved attribute no client can set). */
function scheduledById(): string | undefined {
  const value = workflowInfo().searchAttributes?.TemporalScheduledById;
  return Array.isArray(value) && typeof value[0] === 'string' ? value[0] : undefined;
}

const planning = proxyActivities<ActionActivities>({ startToCloseTimeout: '30s', retry: { maximumAttempts: 5, nonRetryableErrorTypes: ['ActionRefused'] } });
const publishing = proxyActivities<ActionActivities>({ startToCloseTimeout: '30s', retry: { initialInterval: '1s', maximumInterval: '10s', maximumAttempts: 20 } });

/** A refusal or a step's own failure as people should read it. */
function reason(err: unknown, timeoutMs: number): string {
  if (err instanceof ActivityFailure && err.cause instanceof TimeoutFailure) return `it did not finish within the action's time (${Math.round(timeoutMs / 1000)} s)`;
  return rootMessage(err);
}

export async function actionWorkflow(request: ActionRequest): Promise<ActionProgress> {
  const { workflowId, runId } = workflowInfo();
  const progress: ActionProgress = { workflowId, runId, request, phase: 'planning', steps: [], startedAt: Date.now() };
  setHandler(actionProgressQuery, () => progress);
  // A run that names no chat (started by hand) has nowhere to show its progress: its result says it all.
  const answerable = typeof request?.chat?.chatId === 'string' && ['web', 'telegram', 'slack'].includes(request.chat.platform);
  const publish = async () => (answerable || !patched('action-without-chat') ? publishing.publishActionProgress({ progress }) : undefined);
  setHandler(
    decideActionUpdate,
    ({ by, approve }) => {
      // The configured name, not the one the caller sent.
      const person = progress.plan?.approval?.approvers.find((a) => a.id === by.id) ?? by;
      if (approve) progress.approvedBy = person;
      else progress.deniedBy = person;
      return progress;
    },
    {
      validator: ({ by }) => {
        const reject = (message: string) => {
          throw ApplicationFailure.nonRetryable(message, 'Rejected');
        };
        const approval = progress.plan?.approval;
        if (progress.phase !== 'awaiting-approval' || !approval || progress.approvedBy || progress.deniedBy) reject(`this run is not waiting for approval (${progress.phase})`);
        if (by?.id === progress.plan?.requester.id) reject('this action needs a second person: you cannot approve your own request');
        // Only people the worker's configuration gives the role (planned with the run): not whoever the caller names.
        if (!approval!.approvers.some((a) => a.id === by?.id)) reject(`only a ${approval!.role} may decide on this run`);
      },
    },
  );

  try {
    progress.plan = await planning.planAction({ request, scheduledBy: scheduledById() });
  } catch (err) {
    // A refusal names the action and the line when the action exists; the run shows them.
    const cause = err instanceof ActivityFailure ? err.cause : undefined;
    const shown = cause instanceof ApplicationFailure ? (cause.details?.[0] as { title?: string; asked?: string } | undefined) : undefined;
    if (shown?.title) progress.plan = { title: shown.title, asked: shown.asked ?? '', requester: request.requestedBy, steps: [], timeoutMs: 0, planId: '' };
    progress.phase = 'failed';
    progress.error = reason(err, 30_000);
    progress.endedAt = Date.now();
    await publish();
    return progress;
  }
  const plan = progress.plan;
  // Who asked and the team as the worker planned them: a run started by hand under other names is listed as what it is.
  if (patched('action-plan-attributes')) upsertSearchAttributes([{ key: REQUESTED_BY_ATTR, value: plan.requester.id }, ...(plan.team !== undefined ? [{ key: TEAM_ATTR, value: plan.team }] : [])]);
  progress.steps = plan.steps.map((s, i) => ({ name: String(i + 1), title: s.title, state: 'pending' }));
  if (plan.approval) {
    progress.phase = 'awaiting-approval';
    await publish();
    await publishing.publishActionApproval({ progress });
    await condition(() => progress.approvedBy !== undefined || progress.deniedBy !== undefined, plan.approval.timeoutMs);
    // Whatever came last in the same task as the timeout, a decision made counts.
    if (!progress.approvedBy) {
      progress.phase = progress.deniedBy ? 'denied' : 'expired';
      for (const s of progress.steps) s.state = 'skipped';
      progress.endedAt = Date.now();
      await publishing.publishActionApproval({ progress });
      await publish();
      return progress;
    }
    await publishing.publishActionApproval({ progress });
  }
  progress.phase = 'running';
  await publish();

  // The action's time counts from when it may run (after any approval).
  const deadline = Date.now() + plan.timeoutMs;
  for (let index = 0; index < plan.steps.length; index++) {
    const step = progress.steps[index];
    const left = deadline - Date.now();
    if (left < 1000) {
      step.state = 'failed';
      step.detail = `the action's time (${Math.round(plan.timeoutMs / 1000)} s) ran out before this step`;
      break;
    }
    step.state = 'running';
    step.startedAt = Date.now();
    await publish();
    // The step may take what is left of the action's time; connection trouble is retried within it.
    // On the hosts queue: its workers hold the SSH connections and limit how many run at once.
    const steps = proxyActivities<ActionActivities>({
      taskQueue: TASK_QUEUES.hosts,
      startToCloseTimeout: left,
      scheduleToCloseTimeout: left,
      heartbeatTimeout: '30s',
      retry: { initialInterval: '2s', maximumInterval: '20s', nonRetryableErrorTypes: ['ActionRefused', 'StepFailed'] },
    });
    try {
      const result = await steps.runActionStep({ request, index, planId: plan.planId, scheduledBy: scheduledById() });
      step.state = 'done';
      step.detail = result.detail;
      step.finishedAt = Date.now();
      if (result.output || result.file) await publishing.publishActionOutput({ progress, index, result });
    } catch (err) {
      step.state = 'failed';
      step.detail = reason(err, plan.timeoutMs);
      step.finishedAt = Date.now();
      break;
    }
  }
  for (const s of progress.steps) if (s.state === 'pending') s.state = 'skipped';
  const failed = progress.steps.find((s) => s.state === 'failed');
  progress.phase = failed ? 'failed' : 'done';
  progress.error = failed?.detail;
  progress.endedAt = Date.now();
  await publish();
  return progress;
}
