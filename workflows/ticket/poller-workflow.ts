/**
 * Asks one ticket system for changes since a cursor, on an interval, and hands
 * each changed ticket to its own workflow. The cursor lives in the workflow,
 * so it survives restarts. A poll that fails (the system down for minutes,
 * the bot's credentials refused) never ends the poller: it keeps trying with
 * backoff, the admins are told once that intake is failing and why, and once
 * more when it works again.
 */
import { ActivityFailure, ApplicationFailure, condition, continueAsNew, patched, proxyActivities, setHandler } from '@temporalio/workflow';
import type { createTicketActivities } from '../../activities/tickets/activities';
import { rootMessage } from '../../lib/failure';
import { TASK_QUEUES } from '../../workers/task-queues';
import { pollerStatusQuery, pollNowSignal, reconfigureSignal, type PollerInput, type PollerStatus } from './definitions';

const POLLS_PER_RUN = 100;
/** The longest wait between polls while they fail. */
const MAX_BACKOFF_MS = 5 * 60_000;

type TicketActivities = ReturnType<typeof createTicketActivities>;

/** Before 'poller-keeps-going': retried for ever, and a refusal ended the poller. */
const tickets = proxyActivities<TicketActivities>({
  taskQueue: TASK_QUEUES.desk,
  startToCloseTimeout: '2m',
  retry: { initialInterval: '2s', backoffCoefficient: 2, maximumInterval: '1m' },
});
/** A refusal comes back at once and an outage after five minutes, so the poller can say so. */
const polls = proxyActivities<TicketActivities>({
  taskQueue: TASK_QUEUES.desk,
  startToCloseTimeout: '2m',
  scheduleToCloseTimeout: '5m',
  retry: { initialInterval: '2s', backoffCoefficient: 2, maximumInterval: '1m', nonRetryableErrorTypes: ['TicketSystemRefused', 'TicketSystemDenied'] },
});
const admins = proxyActivities<TicketActivities>({
  taskQueue: TASK_QUEUES.desk,
  startToCloseTimeout: '30s',
  retry: { initialInterval: '1s', maximumInterval: '1m' },
});

export async function ticketPollerWorkflow(input: PollerInput): Promise<void> {
  let settings = input.settings;
  let pollNow = false;
  const status: PollerStatus = { cursor: input.cursor, polls: 0, lastChanges: 0, failing: input.failing };
  setHandler(reconfigureSignal, (s) => void (settings = s));
  setHandler(pollNowSignal, () => void (pollNow = true));
  setHandler(pollerStatusQuery, () => status);
  const keepsGoing = patched('poller-keeps-going');

  for (let i = 0; i < POLLS_PER_RUN; i++) {
    if (settings.intervalMs <= 0) return;
    const request = { system: input.system, queues: settings.queues, cursor: status.cursor, lookbackMs: settings.lookbackMs };
    let wait = settings.intervalMs;
    if (!keepsGoing) {
      const result = await tickets.pollTicketChanges(request);
      Object.assign(status, { cursor: result.cursor, lastChanges: result.changes });
    } else {
      try {
        const result = await polls.pollTicketChanges(request);
        Object.assign(status, { cursor: result.cursor, lastChanges: result.changes });
        if (status.failing) {
          await admins.reportIntake({ system: input.system, since: status.failing.since });
          status.failing = undefined;
        }
      } catch (err) {
        if (!(err instanceof ActivityFailure)) throw err;
        const error = rootMessage(err);
        const failing = status.failing ?? { since: Date.now(), error, attempts: 0 };
        if (failing.attempts === 0) await admins.reportIntake({ system: input.system, since: failing.since, error, denied: isDenied(err) });
        status.failing = { ...failing, error, attempts: failing.attempts + 1 };
        wait = Math.min(MAX_BACKOFF_MS, Math.max(settings.intervalMs, 5_000 * 2 ** Math.min(failing.attempts, 10)));
      }
    }
    status.polls++;
    status.lastPollAt = Date.now();
    pollNow = false;
    await condition(() => pollNow, wait);
  }
  await continueAsNew<typeof ticketPollerWorkflow>({ system: input.system, settings, cursor: status.cursor, failing: status.failing });
}

function isDenied(err: ActivityFailure): boolean {
  return err.cause instanceof ApplicationFailure && err.cause.type === 'TicketSystemDenied';
}
