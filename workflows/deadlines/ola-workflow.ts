/**
 * OLA figures for a period: computed from the ticket systems' data, returned
 * as the workflow's result (the HTTP API reads it) and, when asked from chat,
 * sent there.
 */
import { proxyActivities } from '@temporalio/workflow';
import type { createDeadlineActivities } from '../../activities/deadlines/activities';
import { rootMessage } from '../../lib/failure';
import { TASK_QUEUES } from '../../workers/task-queues';
import type { OlaRequest, OlaResult } from './definitions';

type DeadlineActivities = ReturnType<typeof createDeadlineActivities>;

const figures = proxyActivities<DeadlineActivities>({
  taskQueue: TASK_QUEUES.desk,
  startToCloseTimeout: '5m',
  heartbeatTimeout: '1m',
  scheduleToCloseTimeout: '10m',
  retry: { initialInterval: '1s', backoffCoefficient: 2, maximumInterval: '1m', nonRetryableErrorTypes: ['TicketSystemRefused'] },
});
const answer = proxyActivities<DeadlineActivities>({
  taskQueue: TASK_QUEUES.desk,
  startToCloseTimeout: '30s',
  retry: { initialInterval: '1s', maximumInterval: '30s' },
});

export async function olaReportWorkflow(request: OlaRequest): Promise<OlaResult> {
  try {
    const result = await figures.computeOlaReport({ from: request.from, to: request.to, label: request.label, now: Date.now() });
    if (request.answer) await answer.sendOlaReport({ result, ...request.answer });
    return result;
  } catch (err) {
    if (request.answer) await answer.sendDeadlineFailure({ ...request.answer, key: `${request.answer.key}/failed`, messageKey: 'ola.failed', error: rootMessage(err) });
    throw err;
  }
}
