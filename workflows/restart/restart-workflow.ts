/**
 * Restart one service on one host, step by step, with its progress shown live
 * in one chat message. Deterministic: every effect is an activity, every wait
 * a workflow timer or condition, so a crashed worker resumes exactly where the
 * run was and a completed step is never run again.
 */
import {
  ApplicationFailure,
  CancellationScope,
  condition,
  isCancellation,
  proxyActivities,
  setHandler,
  sleep,
  workflowInfo,
} from '@temporalio/workflow';
import type { createChatActivities } from '../../activities/chat/activities';
import type { createHostActivities } from '../../activities/hosts/activities';
import { formatDuration } from '../../lib/duration';
import { rootMessage } from '../../lib/failure';
import { TASK_QUEUES } from '../../workers/task-queues';
import {
  cancelUpdate,
  decideUpdate,
  progressQuery,
  scriptStepSignal,
  TERMINAL_PHASES,
  watchSignal,
  type RestartProgress,
  type RestartRequest,
  type StepPlan,
} from './definitions';

type ChatActivities = ReturnType<typeof createChatActivities>;
type HostActivities = ReturnType<typeof createHostActivities>;

const chat = proxyActivities<ChatActivities>({
  taskQueue: TASK_QUEUES.desk,
  startToCloseTimeout: '30s',
  retry: { initialInterval: '500ms', backoffCoefficient: 2, maximumInterval: '30s' },
});

export async function restartWorkflow(request: RestartRequest): Promise<RestartProgress> {
  const info = workflowInfo();
  const progress: RestartProgress = {
    workflowId: info.workflowId,
    runId: info.runId,
    host: request.host,
    service: request.service,
    requestedBy: request.requestedBy,
    requestedAt: info.startTime.getTime(),
    chat: request.chat,
    production: request.production,
    phase: request.production ? 'awaiting-approval' : 'running',
    steps:
      request.plan.mode === 'steps'
        ? request.plan.steps.map((s) => ({ name: s.name, title: s.title, state: 'pending' as const }))
        : [],
    watchers: [{ person: request.requestedBy, chat: request.notifyChat }],
  };
  let cancelRequested = false;
  const ended = () => TERMINAL_PHASES.includes(progress.phase);

  setHandler(progressQuery, () => progress);
  setHandler(watchSignal, (watcher) => {
    if (!progress.watchers.some((w) => w.person.id === watcher.person.id)) progress.watchers.push(watcher);
  });
  setHandler(
    cancelUpdate,
    (by) => {
      cancelRequested = true;
      progress.cancelledBy = by;
      changed();
      return progress;
    },
    {
      validator: (_by) => {
        if (ended()) rejectUpdate(`the restart of ${request.host} has already ended (${progress.phase})`);
      },
    },
  );
  setHandler(
    decideUpdate,
    ({ by, approve }) => {
      if (approve) progress.approvedBy = by;
      else progress.deniedBy = by;
      changed();
      return progress;
    },
    {
      validator: ({ by }) => {
        if (progress.phase !== 'awaiting-approval') rejectUpdate(`this restart is not waiting for approval (${progress.phase})`);
        if (by.id === request.requestedBy.id) rejectUpdate('a production restart needs a second person: you cannot approve your own request');
      },
    },
  );
  setHandler(scriptStepSignal, (mark) => {
    let step = progress.steps.find((s) => s.name === mark.name);
    if (!step) {
      step = { name: mark.name, title: mark.title ?? mark.name, state: 'pending' };
      progress.steps.push(step);
    }
    step.state = mark.state;
    if (mark.state === 'running') step.startedAt = mark.at;
    else step.finishedAt = mark.at;
    if (mark.detail) step.detail = mark.detail;
    changed();
  });

  // Publisher: edits the one chat message whenever progress changed. Runs beside
  // the steps, so a slow chat never slows the restart, and edits that pile up
  // coalesce into the latest state.
  let dirty = true;
  let finished = false;
  function changed() {
    dirty = true;
  }
  const publisher = CancellationScope.nonCancellable(async () => {
    for (;;) {
      await condition(() => dirty || finished);
      if (!dirty) return; // finished, and the last state is shown
      dirty = false;
      await chat.publishRestartProgress({ progress });
    }
  });

  try {
    if (request.production && request.approval) {
      await awaitApproval(request, progress, () => cancelRequested);
    }
    if (progress.phase === 'running') {
      if (request.plan.mode === 'steps') await runSteps(request, request.plan.steps, progress, () => cancelRequested, changed);
      else await runScript(request, request.plan, progress);
    }
  } catch (err) {
    if (!isCancellation(err)) throw err;
    // Cancelled from the Temporal UI: the running step was asked to stop.
    progress.phase = 'cancelled';
    progress.error ??= 'cancelled from the Temporal UI';
  }

  await CancellationScope.nonCancellable(async () => {
    for (const step of progress.steps) if (step.state === 'pending' || step.state === 'running') step.state = 'skipped';
    progress.finishedAt = Date.now();
    changed();
    finished = true;
    await publisher;
    await chat.notifyRestartEnded({ progress });
  });
  return progress;

  function rejectUpdate(message: string): never {
    throw ApplicationFailure.nonRetryable(message, 'Rejected');
  }
}

async function awaitApproval(request: RestartRequest, progress: RestartProgress, cancelled: () => boolean): Promise<void> {
  const approval = request.approval as NonNullable<RestartRequest['approval']>;
  await chat.publishApprovalRequest({ progress, chat: approval.chat });
  const decided = await condition(() => Boolean(progress.approvedBy || progress.deniedBy) || cancelled(), approval.timeoutMs);
  if (cancelled()) progress.phase = 'cancelled';
  else if (!decided) {
    progress.phase = 'expired';
    progress.error = `no approval within ${formatDuration(approval.timeoutMs)}`;
  } else if (progress.deniedBy) {
    progress.phase = 'denied';
    progress.error = `denied by ${progress.deniedBy.name}`;
  } else progress.phase = 'running';
  await chat.publishApprovalRequest({ progress, chat: approval.chat });
}

async function runSteps(
  request: RestartRequest,
  steps: StepPlan[],
  progress: RestartProgress,
  cancelled: () => boolean,
  changed: () => void,
): Promise<void> {
  for (const [i, plan] of steps.entries()) {
    const step = progress.steps[i];
    if (cancelled()) {
      progress.phase = 'cancelled';
      return;
    }
    step.state = 'running';
    step.startedAt = Date.now();
    changed();
    try {
      step.detail = await runOneStep(request, plan);
      step.state = 'done';
    } catch (err) {
      if (isCancellation(err)) {
        step.state = 'failed';
        step.detail = 'cancelled while running';
        throw err;
      }
      step.state = 'failed';
      step.detail = rootMessage(err);
      progress.phase = 'failed';
      progress.error = `step "${plan.title}" failed: ${step.detail}`;
      return;
    } finally {
      step.finishedAt = Date.now();
      changed();
    }
  }
  progress.phase = 'done';
}

async function runOneStep(request: RestartRequest, plan: StepPlan): Promise<string | undefined> {
  switch (plan.kind) {
    case 'sleep':
      await sleep(plan.timeoutMs);
      return undefined;
    case 'announce':
      // The worker takes the text and chat from its configuration, by the step's name.
      await chat.announce({ chat: request.chat, step: plan.name, host: request.host, service: request.service });
      return undefined;
    default: {
      const hosts = proxyActivities<HostActivities>({
        taskQueue: TASK_QUEUES.hosts,
        startToCloseTimeout: plan.timeoutMs + 30_000,
        heartbeatTimeout: request.heartbeatTimeoutMs,
        // Infrastructure failures (lost worker, lost connection) are retried; the
        // step's own failure is reported by the activity as non-retryable.
        retry: { initialInterval: '1s', backoffCoefficient: 2, maximumInterval: '20s', maximumAttempts: 5 },
      });
      const result = await hosts.runRestartStep(hostStepInput(request, plan));
      return result.detail;
    }
  }
}

/**
 * The hosts worker gets names and the plan's identity, and resolves what runs
 * from its own configuration. Runs started before that carry no planId: they
 * keep sending the step they carry, which the worker runs only when it is
 * exactly a configured step (else it refuses, saying so). No `patched` is
 * needed: the same activities are scheduled in the same order either way,
 * only their inputs differ, and those follow from the run's own input.
 */
function hostStepInput(request: RestartRequest, plan: StepPlan) {
  const { host, service, planId, production } = request;
  return planId ? { host, service, step: plan.name, planId, production } : { host, step: plan, production };
}

async function runScript(
  request: RestartRequest,
  plan: Extract<RestartRequest['plan'], { mode: 'script' }>,
  progress: RestartProgress,
): Promise<void> {
  const hosts = proxyActivities<HostActivities>({
    taskQueue: TASK_QUEUES.hosts,
    startToCloseTimeout: plan.timeoutMs + 30_000,
    heartbeatTimeout: request.heartbeatTimeoutMs,
    retry: { initialInterval: '1s', backoffCoefficient: 2, maximumInterval: '20s', maximumAttempts: 3 },
  });
  try {
    const doneSteps = progress.steps.filter((s) => s.state === 'done').map((s) => s.name);
    const { host, service, planId, production } = request;
    await hosts.runRestartScript(
      planId ? { host, service, planId, production, doneSteps } : { host, script: plan.script, timeoutMs: plan.timeoutMs, doneSteps, production },
    );
    progress.phase = 'done';
  } catch (err) {
    if (isCancellation(err)) throw err;
    progress.phase = 'failed';
    const failed = progress.steps.find((s) => s.state === 'failed' || s.state === 'running');
    if (failed && failed.state === 'running') {
      failed.state = 'failed';
      failed.finishedAt = Date.now();
    }
    progress.error = failed ? `step "${failed.title}" failed: ${rootMessage(err)}` : rootMessage(err);
  }
}
