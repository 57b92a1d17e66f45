/**
 * Asks one ticket system for changes since a cursor, on an interval, and hands
 * each changed ticket to its own workflow. The cursor lives in the workflow,
 * so it survives restarts; the system being down only delays the next poll.
 */
import { condition, continueAsNew, proxyActivities, setHandler } from '@temporalio/workflow';
import type { createTicketActivities } from '../../activities/tickets/activities';
import { TASK_QUEUES } from '../../workers/task-queues';
import { pollerStatusQuery, pollNowSignal, reconfigureSignal, type PollerInput, type PollerStatus } from './definitions';

const POLLS_PER_RUN = 100;

const tickets = proxyActivities<ReturnType<typeof createTicketActivities>>({
  taskQueue: TASK_QUEUES.desk,
  startToCloseTimeout: '2m',
  retry: { initialInterval: '2s', backoffCoefficient: 2, maximumInterval: '1m' },
});

export async function ticketPollerWorkflow(input: PollerInput): Promise<void> {
  let settings = input.settings;
  let pollNow = false;
  const status: PollerStatus = { cursor: input.cursor, polls: 0, lastChanges: 0 };
  setHandler(reconfigureSignal, (s) => void (settings = s));
  setHandler(pollNowSignal, () => void (pollNow = true));
  setHandler(pollerStatusQuery, () => status);

  for (let i = 0; i < POLLS_PER_RUN; i++) {
    if (settings.intervalMs <= 0) return;
    const result = await tickets.pollTicketChanges({ system: input.system, queues: settings.queues, cursor: status.cursor, lookbackMs: settings.lookbackMs });
    status.cursor = result.cursor;
    status.polls++;
    status.lastPollAt = Date.now();
    status.lastChanges = result.changes;
    pollNow = false;
    await condition(() => pollNow, settings.intervalMs);
  }
  await continueAsNew<typeof ticketPollerWorkflow>({ system: input.system, settings, cursor: status.cursor });
}
