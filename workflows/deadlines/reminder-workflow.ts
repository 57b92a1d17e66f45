/**
 * Deadline reminders: a scheduled run per group, and `deadlines` on demand
 * for one person. The clock is the workflow's (the time the run started), so
 * a retried activity renders the same "time left" and its outbox keys match.
 */
import { proxyActivities, workflowInfo } from '@temporalio/workflow';
import type { createDeadlineActivities } from '../../activities/deadlines/activities';
import { rootMessage } from '../../lib/failure';
import { TASK_QUEUES } from '../../workers/task-queues';
import type { PersonalDeadlinesInput, ReminderRunInput, ReminderRunResult } from './definitions';

type DeadlineActivities = ReturnType<typeof createDeadlineActivities>;

const reminders = proxyActivities<DeadlineActivities>({
  taskQueue: TASK_QUEUES.desk,
  startToCloseTimeout: '5m',
  heartbeatTimeout: '1m',
  // The ticket system down: retried with backoff for a while, then the run fails visibly in the UI.
  scheduleToCloseTimeout: '30m',
  retry: { initialInterval: '2s', backoffCoefficient: 2, maximumInterval: '2m', nonRetryableErrorTypes: ['TicketSystemRefused'] },
});
const onDemand = proxyActivities<DeadlineActivities>({
  taskQueue: TASK_QUEUES.desk,
  startToCloseTimeout: '2m',
  heartbeatTimeout: '1m',
  // Someone is waiting in chat: retried for a few minutes, then told.
  scheduleToCloseTimeout: '5m',
  retry: { initialInterval: '1s', backoffCoefficient: 2, maximumInterval: '30s', nonRetryableErrorTypes: ['TicketSystemRefused'] },
});
const answer = proxyActivities<DeadlineActivities>({
  taskQueue: TASK_QUEUES.desk,
  startToCloseTimeout: '30s',
  retry: { initialInterval: '1s', maximumInterval: '30s' },
});

export async function deadlineReminderWorkflow(input: ReminderRunInput): Promise<ReminderRunResult> {
  const { workflowId } = workflowInfo();
  return reminders.sendDeadlineReminders({ ...input, now: Date.now(), runKey: workflowId });
}

/** Answers `deadlines` in the chat it came from, or says why it could not. */
export async function personalDeadlinesWorkflow(input: PersonalDeadlinesInput): Promise<number> {
  try {
    return await onDemand.sendPersonalDeadlines({ ...input, now: Date.now() });
  } catch (err) {
    await answer.sendDeadlineFailure({ chat: input.chat, language: input.language, key: `${input.key}/failed`, messageKey: 'deadline.failed', error: rootMessage(err) });
    return 0;
  }
}
