/**
 * For workflows nobody waits on (a Schedule's runs): a failure is told to ops
 * (README, "Failures reported") before the run fails visibly in the UI. A
 * report that cannot be made is given up: the run's own failure stays.
 */
import { proxyActivities } from '@temporalio/workflow';
import type { createFailureActivities } from '../../activities/failures/activities';
import { rootMessage } from '../../lib/failure';
import { TASK_QUEUES } from '../../workers/task-queues';

// Briefly: a Schedule's next run waits for this one (overlap SKIP), and the run's own failure is visible anyway.
const failures = proxyActivities<ReturnType<typeof createFailureActivities>>({ taskQueue: TASK_QUEUES.desk, startToCloseTimeout: '20s', scheduleToCloseTimeout: '45s', retry: { maximumAttempts: 2 } });

export async function reportRunFailure(err: unknown, what: { source: string; workflowType: string; subject?: string }): Promise<void> {
  const cause = (err as { cause?: { type?: string; name?: string } }).cause;
  await failures.reportWorkflowFailure({ ...what, errorClass: cause?.type ?? cause?.name ?? 'Error', message: rootMessage(err) }).catch(() => undefined);
}
