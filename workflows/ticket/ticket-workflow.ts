/**
 * One ticket's life in chat: announced to its group with buttons, taken with
 * one press (exactly one taker wins), handed back to the group (the engineer
 * who had it is told), and closed when the ticket system says it is done.
 * Observations from polls and webhooks are compared with what the workflow
 * already knows, so the same change seen twice notifies once.
 */
import { ApplicationFailure, allHandlersFinished, condition, continueAsNew, patched, proxyActivities, setHandler, upsertSearchAttributes, workflowInfo } from '@temporalio/workflow';
import type { createTicketActivities } from '../../activities/tickets/activities';
import type { Ticket } from '../../activities/tickets/port';
import { rootMessage } from '../../lib/failure';
import { TICKET_OWNER_ATTR } from '../../lib/search-attributes';
import { TASK_QUEUES } from '../../workers/task-queues';
import {
  describeUpdate,
  needsGroup,
  observedSignal,
  takeUpdate,
  ticketStateQuery,
  type Announcement,
  type Observation,
  type TakeRequest,
  type TicketWorkflowInput,
  type TicketWorkflowState,
} from './definitions';

type TicketActivities = ReturnType<typeof createTicketActivities>;

/**
 * Reads and messages: the ticket system may be down for a while, or refuse
 * the bot's credentials until an admin fixes them (TicketSystemDenied); keep
 * trying, never lose the change. Only "no such ticket" is final.
 */
const patient = proxyActivities<TicketActivities>({
  taskQueue: TASK_QUEUES.desk,
  startToCloseTimeout: '1m',
  retry: { initialInterval: '1s', backoffCoefficient: 2, maximumInterval: '1m', nonRetryableErrorTypes: ['TicketSystemRefused'] },
});
/** A person is waiting on a take: retry an outage with backoff for two minutes, say a refusal at once. */
const prompt = proxyActivities<TicketActivities>({
  taskQueue: TASK_QUEUES.desk,
  startToCloseTimeout: '30s',
  scheduleToCloseTimeout: '2m',
  retry: { initialInterval: '1s', backoffCoefficient: 2, maximumInterval: '20s', nonRetryableErrorTypes: ['TicketSystemRefused', 'TicketSystemDenied'] },
});

/** Observations per run before continuing as new, to keep each history small. */
const OBSERVATIONS_PER_RUN = 200;
/** Check-up interval when no observation has said (tickets.systems.<name>.checkUp's default). */
const DEFAULT_CHECK_UP_MS = 6 * 3_600_000;

/** A real change: newer, or the same second with a different owner, state or queue. */
function changed(before: Ticket | undefined, after: Ticket): boolean {
  if (!before) return true;
  if (after.updated < before.updated) return false;
  return after.updated > before.updated || after.owner !== before.owner || after.state !== before.state || after.queue !== before.queue;
}

export async function ticketWorkflow(input: TicketWorkflowInput): Promise<void> {
  const { system, id } = input;
  const state: TicketWorkflowState = input.state ?? { system, id, inbox: [] };
  let taking: TakeRequest | undefined;

  /** Keeps DutydeskTicketOwner on the run, so "my open tickets" is one visibility query. */
  let ownerShown = workflowInfo().typedSearchAttributes.get(TICKET_OWNER_ATTR);
  function showOwner() {
    const owner = state.ticket?.owner && state.ticket.state !== 'done' ? `${system}:${state.ticket.owner}` : undefined;
    if (owner === ownerShown) return;
    ownerShown = owner;
    upsertSearchAttributes([{ key: TICKET_OWNER_ATTR, value: owner ?? null }]);
  }

  setHandler(observedSignal, (o) => {
    if (o.checkUpMs) state.checkUpMs = o.checkUpMs;
    state.inbox.push(o);
  });
  setHandler(ticketStateQuery, () => state);

  setHandler(takeUpdate, async (request) => {
    const winner = state.takenBy ?? (taking ? { person: taking.person, mode: taking.mode, at: Date.now() } : undefined);
    if (winner) return { taken: false, by: winner.person.name, mode: winner.mode, at: winner.at };
    if (state.ticket?.state === 'done') throw ApplicationFailure.nonRetryable(`ticket ${id} is already closed`, 'TicketClosed');
    taking = request;
    try {
      const owner = request.mode === 'me' ? request.login : undefined;
      await prompt.takeTicket({ system, id, owner, by: request.person.name, mode: request.mode });
      state.takenBy = { person: request.person, mode: request.mode, at: Date.now() };
      if (state.ticket) state.ticket = { ...state.ticket, owner, state: 'open' };
      showOwner();
    } catch (err) {
      throw ApplicationFailure.nonRetryable(rootMessage(err), 'TakeFailed');
    } finally {
      taking = undefined;
    }
    if (state.announcement) await patient.updateTicketMessage({ system, id, announcement: state.announcement, ticket: state.ticket, takenBy: state.takenBy });
    return { taken: true };
  });

  // A person is waiting: an outage is retried for two minutes, a refusal is said at once.
  setHandler(describeUpdate, async (request) => {
    try {
      await prompt.sendTicketDescription({ system, id, ...request });
    } catch (err) {
      throw ApplicationFailure.nonRetryable(rootMessage(err), 'DescribeFailed');
    }
  });

  /** Reacts to one observation; false when the ticket is done and the workflow may end. */
  async function observe(observation: Observation): Promise<boolean> {
    let ticket = observation.ticket;
    if (ticket && !changed(state.ticket, ticket)) return true;
    // First sight by webhook: the read announces at once where the ticket needs the group.
    const announceOnRead = !state.ticket && patched('ticket-announce-on-read');
    if (!ticket || observation.source === 'webhook') {
      let fetched: Ticket & { followed?: boolean; checkUpMs?: number; announcement?: Announcement };
      try {
        fetched = await patient.fetchTicket({ system, id, ...(announceOnRead ? { announceRound: 1 } : {}) });
      } catch (err) {
        // Gone or not ours to see any more: nothing left to follow.
        if (state.announcement) await patient.updateTicketMessage({ system, id, announcement: state.announcement, ticket: state.ticket, gone: rootMessage(err) });
        return false;
      }
      const { followed, checkUpMs, announcement, ...read } = fetched;
      ticket = read;
      if (announcement) state.announcement = announcement;
      if (checkUpMs) state.checkUpMs = checkUpMs;
      // Moved to a queue no group follows (polls will never see it again): let it go.
      if (followed === false && ticket.state !== 'done') {
        state.ticket = ticket;
        if (state.announcement) await patient.updateTicketMessage({ system, id, announcement: state.announcement, ticket, movedAway: true });
        return false;
      }
      if (!changed(state.ticket, ticket)) return true;
    }
    const before = state.ticket;
    state.ticket = ticket;

    if (ticket.state === 'done') {
      if (state.announcement) await patient.updateTicketMessage({ system, id, announcement: state.announcement, ticket, takenBy: state.takenBy });
      return false;
    }
    const ownerLeft = before?.owner && !ticket.owner;
    const cameBackToQueue = before && before.queue !== ticket.queue && !ticket.owner;
    if (!before) {
      // First sight: only a ticket nobody has answered yet needs the group's attention.
      if (needsGroup(ticket) && !state.announcement) state.announcement = await patient.announceTicket({ system, id, round: 1 });
    } else if (ownerLeft || cameBackToQueue) {
      const previousOwner = before.owner;
      if (previousOwner) await patient.notifyTicketReturned({ system, id, previousOwner, round: (state.announcement?.round ?? 0) + 1 });
      if (state.announcement) await patient.updateTicketMessage({ system, id, announcement: state.announcement, ticket, returned: true });
      state.takenBy = undefined;
      state.announcement = await patient.announceTicket({ system, id, round: (state.announcement?.round ?? 0) + 1, previousOwner });
    } else if (!before.owner && ticket.owner && state.announcement && !state.takenBy) {
      // Assigned in the ticket system itself: the buttons go away.
      await patient.updateTicketMessage({ system, id, announcement: state.announcement, ticket });
    }
    return true;
  }

  for (let handled = 0; ; handled++) {
    const news = () => state.inbox.length > 0 || workflowInfo().continueAsNewSuggested;
    if (patched('ticket-checkup')) {
      // No news for a while: read the ticket again, in case it left the watched queues.
      if (!(await condition(news, state.checkUpMs ?? DEFAULT_CHECK_UP_MS))) state.inbox.push({ source: 'checkup' });
    } else {
      await condition(news);
    }
    if (handled >= OBSERVATIONS_PER_RUN || workflowInfo().continueAsNewSuggested) break;
    const observation = state.inbox.shift() as Observation;
    const following = await observe(observation);
    showOwner();
    if (!following) {
      await condition(allHandlersFinished);
      return;
    }
  }
  await condition(() => allHandlersFinished() && !taking);
  await continueAsNew<typeof ticketWorkflow>({ system, id, state });
}
