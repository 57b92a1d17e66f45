/**
 * Opens a ticket from chat: created once in the ticket system (a retried
 * activity never files it twice, see createTicket), then the requester is
 * told its number and link.
 */
import { proxyActivities } from '@temporalio/workflow';
import type { createTicketActivities } from '../../activities/tickets/activities';
import { rootMessage } from '../../lib/failure';
import { TASK_QUEUES } from '../../workers/task-queues';
import type { NewTicketRequest } from './definitions';

const tickets = proxyActivities<ReturnType<typeof createTicketActivities>>({
  taskQueue: TASK_QUEUES.desk,
  startToCloseTimeout: '1m',
  scheduleToCloseTimeout: '10m',
  // Refused credentials are said at once (the person can file again once an admin fixes them); an outage is waited out.
  retry: { initialInterval: '1s', backoffCoefficient: 2, maximumInterval: '1m', nonRetryableErrorTypes: ['TicketSystemRefused', 'TicketSystemDenied'] },
});
const answer = proxyActivities<ReturnType<typeof createTicketActivities>>({
  taskQueue: TASK_QUEUES.desk,
  startToCloseTimeout: '30s',
  retry: { initialInterval: '1s', maximumInterval: '30s' },
});

export async function newTicketWorkflow(request: NewTicketRequest): Promise<{ id: string; url: string } | { error: string }> {
  try {
    const created = await tickets.createTicket(request);
    await answer.replyTicketCreated({ request, created });
    return created;
  } catch (err) {
    const error = rootMessage(err);
    await answer.replyTicketCreated({ request, error });
    return { error };
  }
}
