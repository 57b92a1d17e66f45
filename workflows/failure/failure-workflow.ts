/**
 * One failure, however often it happens: the first occurrence is posted to
 * the ops chat (what failed, the error, who was affected) and ticketed, naming
 * that person. Repeats are counted (occurrences, distinct people) and told at
 * the 10th, 100th and 1000th, and otherwise at most every repeatEvery. A
 * repeat soon after the ticket was resolved reopens it; a later one opens a
 * new ticket. Ends after the reopen window passes without a repeat.
 */
import { allHandlersFinished, condition, continueAsNew, proxyActivities, setHandler, workflowInfo } from '@temporalio/workflow';
import type { createFailureActivities } from '../../activities/failures/activities';
import { rootMessage } from '../../lib/failure';
import { TASK_QUEUES } from '../../workers/task-queues';
import { failureStateQuery, occurredSignal, type FailureInput, type FailureRoute, type FailureState } from './definitions';

/** Notices go into the chat's outbox (Temporal itself): retried until they are there. */
const notices = proxyActivities<ReturnType<typeof createFailureActivities>>({
  taskQueue: TASK_QUEUES.desk,
  startToCloseTimeout: '1m',
  retry: { initialInterval: '1s', backoffCoefficient: 2, maximumInterval: '1m' },
});
/** The ticket system: ten minutes of retries, then the chat is told and a later occurrence tries again. */
const act = proxyActivities<ReturnType<typeof createFailureActivities>>({
  taskQueue: TASK_QUEUES.desk,
  startToCloseTimeout: '1m',
  scheduleToCloseTimeout: '10m',
  retry: { initialInterval: '1s', backoffCoefficient: 2, maximumInterval: '1m', nonRetryableErrorTypes: ['TicketSystemRefused'] },
});

const THRESHOLDS = [10, 100, 1000, 10_000, 100_000];
const MAX_PEOPLE = 10_000;
/** A flood of repeats reads the ticket at most this often. */
const TICKET_CHECK_MS = 5_000;
const OCCURRENCES_PER_RUN = 1000;

export async function failureWorkflow(input: FailureInput): Promise<void> {
  const { fingerprint, summary } = input;
  let route: FailureRoute = input.route;
  const state: FailureState = input.state ?? { count: 0, people: [], firstAt: 0, lastAt: 0, posted: { count: 0, at: 0, notices: 0 }, inbox: [] };
  const startCount = state.count;

  setHandler(occurredSignal, (occurrence, current) => {
    route = current;
    state.inbox.push(occurrence);
  });
  setHandler(failureStateQuery, () => ({ ...state, summary }));

  const view = () => ({ workflowId: workflowInfo().workflowId, summary, count: state.count, people: state.people.length, firstAt: state.firstAt, lastAt: state.lastAt, last: state.last, ticket: state.ticket, chat: route.chat });

  /** `told`: how many occurrences the notice accounts for (the first tells of one, however many came with it). */
  async function notice(kind: 'first' | 'repeat', told = state.count) {
    state.posted = { count: told, at: Date.now(), notices: state.posted.notices + 1 };
    await notices.postFailure({ view: view(), kind, notice: state.posted.notices });
  }

  let ticketTriedAt = 0;
  async function openTicket() {
    if (!route.ticket) return;
    // A flood while the ticket system is away tries again at most every few seconds, not once per occurrence.
    if (Date.now() - ticketTriedAt < TICKET_CHECK_MS) return;
    ticketTriedAt = Date.now();
    try {
      state.ticket = await act.openFailureTicket({ view: view(), ticket: route.ticket });
    } catch (err) {
      // Told in the chat with the failure; a later occurrence tries again.
      state.ticket = undefined;
      await notices.postFailure({ view: view(), kind: 'noTicket', notice: state.posted.notices, problem: rootMessage(err) });
    }
  }

  /** A repeat after the ticket was closed: reopened within the window, else a new ticket. */
  async function ticketForRepeat() {
    if (!route.ticket) return;
    if (!state.ticket) return openTicket();
    if (Date.now() - (state.ticketCheckedAt ?? 0) < TICKET_CHECK_MS) return;
    state.ticketCheckedAt = Date.now();
    const read = await act.readFailureTicket({ ticket: state.ticket }).catch(() => undefined);
    if (!read || read.state !== 'done') return;
    if (Date.now() - read.updatedAt > route.reopenWithinMs) return openTicket();
    try {
      await act.reopenFailureTicket({ view: view() });
    } catch {
      // Refused (merged, deleted, no way back): this repeat gets a ticket of its own.
      state.ticket = undefined;
      ticketTriedAt = 0;
      await openTicket();
    }
  }

  for (;;) {
    const nextNoticeAt = state.posted.at + route.repeatEveryMs;
    const unposted = state.count > state.posted.count;
    const timeout = unposted ? Math.max(nextNoticeAt - Date.now(), 1) : route.reopenWithinMs;
    const news = await condition(() => state.inbox.length > 0, timeout);
    if (!news) {
      if (unposted) {
        await notice('repeat');
        continue;
      }
      // Quiet for the whole reopen window: done, unless its ticket is still open (a repeat then joins it),
      // was resolved within the window, or cannot be read now.
      if (state.ticket) {
        const read = await act.readFailureTicket({ ticket: state.ticket }).catch(() => undefined);
        if (!read || read.state !== 'done' || Date.now() - read.updatedAt <= route.reopenWithinMs) continue;
      }
      break;
    }
    // Everything that came is counted at once: a flood costs one ticket action and at most one notice a pass.
    const first = state.count === 0;
    for (let occurrence = state.inbox.shift(); occurrence; occurrence = state.inbox.shift()) {
      state.count++;
      if (state.count === 1) state.firstAt = occurrence.at;
      state.lastAt = occurrence.at;
      state.last = occurrence;
      if (occurrence.person && !state.people.includes(occurrence.person.id) && state.people.length < MAX_PEOPLE) state.people.push(occurrence.person.id);
    }
    if (first) {
      await openTicket();
      await notice('first', 1);
    } else await ticketForRepeat();
    const crossed = THRESHOLDS.some((n) => state.posted.count < n && state.count >= n);
    if (crossed || (!first && Date.now() >= state.posted.at + route.repeatEveryMs)) await notice('repeat');
    if (state.count - startCount >= OCCURRENCES_PER_RUN || workflowInfo().continueAsNewSuggested) {
      await condition(allHandlersFinished);
      return continueAsNew<typeof failureWorkflow>({ fingerprint, summary, route, state });
    }
  }
  await condition(allHandlersFinished);
  if (state.inbox.length) return continueAsNew<typeof failureWorkflow>({ fingerprint, summary, route, state });
}
