/**
 * The gateway's calls into Temporal for tickets: take (an update, so exactly
 * one presser wins), describe, open a new ticket, and hand webhook events to
 * the ticket's workflow. No state here: Temporal holds all of it.
 */
import { createHash, randomUUID } from 'node:crypto';
import { WorkflowExecutionAlreadyStartedError, WorkflowIdConflictPolicy, WorkflowIdReusePolicy, WorkflowUpdateFailedError, type Client } from '@temporalio/client';
import { signalTicket } from '../../activities/tickets/activities';
import { rootMessage } from '../../lib/failure';
import { TASK_QUEUES } from '../../workers/task-queues';
import type { ChatRef } from '../../workflows/restart/definitions';
import type { Ticket } from '../../activities/tickets/port';
import { TICKET_OWNER_ATTR } from '../../lib/search-attributes';
import { describeUpdate, observedSignal, takeUpdate, ticketStateQuery, ticketWorkflowId, type NewTicketRequest, type TakeRequest, type TakeResult } from '../../workflows/ticket/definitions';

/** How many of a person's open tickets a list shows. */
const OWNED_LIMIT = 20;

/** The chat message a ticket is filed from, as its platform names it (see Incoming.messageId). */
export interface TicketOrigin {
  chat: ChatRef;
  messageId?: string;
}

/**
 * One workflow id per chat message, so a message the platform delivers again
 * files no second ticket. A hash, never the raw ids: they come from outside.
 * Without a message id (an API call), a random one.
 */
export function newTicketWorkflowId(system: string, origin: TicketOrigin): string {
  const { chat, messageId } = origin;
  const key = messageId ? createHash('sha256').update(JSON.stringify([chat.platform, chat.chatId, messageId])).digest('hex').slice(0, 32) : randomUUID();
  return `ticket-new-${system}-${key}`;
}

/** The ticket's workflow refused or failed the action; the message is for the user. */
export class TicketActionFailed extends Error {}
/** No workflow follows this ticket any more (closed, or never seen). */
export class TicketNotFollowed extends Error {}

export class TicketClient {
  constructor(private readonly client: Client) {}

  take(system: string, id: string, request: TakeRequest): Promise<TakeResult> {
    return this.update(() => this.client.workflow.getHandle(ticketWorkflowId(system, id)).executeUpdate(takeUpdate, { args: [request] }));
  }

  describe(system: string, id: string, chat: ChatRef, language: string): Promise<void> {
    const key = `describe/${randomUUID()}`;
    return this.update(() => this.client.workflow.getHandle(ticketWorkflowId(system, id)).executeUpdate(describeUpdate, { args: [{ chat, language, key }] }));
  }

  /**
   * Starts the workflow that files the ticket and answers in the chat; 'already' when
   * this message's ticket is being (or was) filed. Conflict FAIL refuses a second start
   * while the first runs; REJECT_DUPLICATE (the default would allow it) also after it
   * closed, for as long as the namespace retains it.
   */
  async open(request: NewTicketRequest, messageId?: string): Promise<'started' | 'already'> {
    try {
      await this.client.workflow.start('newTicketWorkflow', {
        workflowId: newTicketWorkflowId(request.system, { chat: request.chat, messageId }),
        taskQueue: TASK_QUEUES.desk,
        args: [request],
        workflowIdConflictPolicy: WorkflowIdConflictPolicy.FAIL,
        workflowIdReusePolicy: WorkflowIdReusePolicy.REJECT_DUPLICATE,
      });
      return 'started';
    } catch (err) {
      if (err instanceof WorkflowExecutionAlreadyStartedError) return 'already';
      throw err;
    }
  }

  /** A webhook said this ticket changed: its workflow reads it (and starts, on first sight). */
  changed(system: string, id: string): Promise<void> {
    return signalTicket(this.client, system, id, { source: 'webhook' });
  }

  /** A change to a ticket that left the watched queues: told to its workflow if one follows it; true if so. */
  async changedIfFollowed(system: string, id: string): Promise<boolean> {
    try {
      await this.client.workflow.getHandle(ticketWorkflowId(system, id)).signal(observedSignal, { source: 'webhook' });
      return true;
    } catch (err) {
      if ((err as Error).name === 'WorkflowNotFoundError') return false;
      throw err;
    }
  }

  /** Open tickets owned by these logins ({ system: login }), newest first, at most OWNED_LIMIT. */
  async ownedBy(logins: Record<string, string>): Promise<Ticket[]> {
    const values = Object.entries(logins).map(([system, login]) => `'${`${system}:${login}`.replace(/['\\]/g, '')}'`);
    if (!values.length) return [];
    const found: Ticket[] = [];
    const query = `WorkflowType = 'ticketWorkflow' AND ExecutionStatus = 'Running' AND ${TICKET_OWNER_ATTR.name} IN (${values.join(', ')})`;
    for await (const wf of this.client.workflow.list({ query, pageSize: OWNED_LIMIT })) {
      const state = await this.client.workflow.getHandle(wf.workflowId).query(ticketStateQuery).catch(() => undefined);
      if (state?.ticket) found.push(state.ticket);
      if (found.length >= OWNED_LIMIT) break;
    }
    return found;
  }

  private async update<T>(call: () => Promise<T>): Promise<T> {
    try {
      return await call();
    } catch (err) {
      if (err instanceof WorkflowUpdateFailedError) throw new TicketActionFailed(rootMessage(err.cause ?? err));
      const name = (err as Error).name;
      if (name === 'WorkflowNotFoundError' || /already completed|not found/i.test((err as Error).message)) throw new TicketNotFollowed();
      throw err;
    }
  }
}
