/** How the deadline workflows call their activities: timeouts and retries by how long someone may wait. */
import { proxyActivities, type RetryPolicy } from '@temporalio/workflow';
import type { createDeadlineActivities } from '../../activities/deadlines/activities';
import { TASK_QUEUES } from '../../workers/task-queues';

type DeadlineActivities = ReturnType<typeof createDeadlineActivities>;

/** Refused credentials (TicketSystemDenied) are waited out where nobody waits, and told at once to someone who asked. */
const retryTicketSystem = (maximumInterval: RetryPolicy['maximumInterval'], final: string[] = []): RetryPolicy => ({ initialInterval: '1s', backoffCoefficient: 2, maximumInterval, nonRetryableErrorTypes: ['TicketSystemRefused', ...final] });

/** A scheduled run: nobody waits, so the ticket system may be down a while before the run fails (visibly, in the UI). */
export const scheduled = proxyActivities<DeadlineActivities>({
  taskQueue: TASK_QUEUES.desk,
  startToCloseTimeout: '5m',
  heartbeatTimeout: '1m',
  scheduleToCloseTimeout: '30m',
  retry: retryTicketSystem('2m'),
});

/** Someone asked in chat or over the API: retried for a few minutes, then told. */
export const onDemand = proxyActivities<DeadlineActivities>({
  taskQueue: TASK_QUEUES.desk,
  startToCloseTimeout: '3m',
  heartbeatTimeout: '1m',
  scheduleToCloseTimeout: '6m',
  retry: retryTicketSystem('30s', ['TicketSystemDenied']),
});

/** Putting an answer in the outbox. */
export const answer = proxyActivities<DeadlineActivities>({
  taskQueue: TASK_QUEUES.desk,
  startToCloseTimeout: '30s',
  retry: { initialInterval: '1s', maximumInterval: '30s' },
});
