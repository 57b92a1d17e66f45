/**
 * Ticket activities: read and change tickets in their system, and put the
 * ticket messages in the chats' outboxes. Keys tie each message to its
 * ticket and round, so a retried activity never posts twice.
 */
import { Context } from '@temporalio/activity';
import type { Client } from '@temporalio/client';
import type { LoadedConfig } from '../../config/load';
import { primaryChat, primaryDirectChat } from '../../config/restart-plan';
import { formatDuration } from '../../lib/duration';
import { renderTicketAnnouncement, renderTicketDescription, renderTicketOutcome, renderTicketReturned } from '../../lib/messages/tickets';
import { t } from '../../lib/i18n';
import { TASK_QUEUES } from '../../workers/task-queues';
import type { ChatRef } from '../../workflows/restart/definitions';
import { needsGroup, observedSignal, ticketWorkflowId, type Announcement, type Observation, type NewTicketRequest, type TakenBy, type TicketWorkflowInput } from '../../workflows/ticket/definitions';
import { enqueueChatMessage, textLimit } from '../chat/outbox-client';
import { guard, refused } from './guard';
import type { Ticket, TicketDetail, TicketSystem } from './port';
import { checkUpInterval, groupOf, userByLogin, type TicketSystems } from './systems';
import { reportFailure } from '../failures/report';

export interface TicketActivityDeps {
  config: LoadedConfig;
  client: Client;
  systems: TicketSystems;
  log?: (line: string) => void;
}

export function createTicketActivities({ config, client, systems, log = console.error }: TicketActivityDeps) {
  const system = (name: string): TicketSystem => systems.get(name) ?? refused(`no ticket system "${name}" in the configuration`);
  const displayName = (systemName: string, login: string | undefined) => (login ? userByLogin(config, systemName, login)?.name ?? login : undefined);
  const groupKey = (systemName: string, id: string, round: number) => `ticket/${systemName}/${id}/${round}`;

  /** The group message with its buttons, in the group's outbox; undefined when the ticket's queue belongs to no group. */
  async function announce(systemName: string, detail: TicketDetail, round: number, previousOwner?: string): Promise<Announcement | undefined> {
    const group = groupOf(config, systemName, detail.queue);
    if (!group) return undefined;
    const [, g] = group;
    const announcement: Announcement = {
      round,
      chat: primaryChat(config, g.chat),
      language: g.language ?? 'en',
      title: detail.title,
      urgency: detail.urgency,
      due: detail.due,
      url: detail.url,
      previous: displayName(systemName, previousOwner ?? detail.previousOwner),
    };
    const message = renderTicketAnnouncement(announcement, systemName, detail);
    await enqueueChatMessage(client, announcement.chat, { key: groupKey(systemName, detail.id, round), mode: 'upsert', message });
    return announcement;
  }

  return {
    /** Changed tickets since the cursor, each handed to its workflow (signal-with-start: started on first sight). */
    async pollTicketChanges(input: { system: string; queues: string[]; cursor?: string; lookbackMs: number }): Promise<{ cursor: string; changes: number }> {
      const since = new Date(Date.now() - input.lookbackMs);
      const changes = await guard(() => system(input.system).changes(input.queues, input.cursor, since));
      for (const ticket of changes.tickets) {
        await signalTicket(client, input.system, ticket.id, { source: 'poll', ticket, checkUpMs: checkUpInterval(config, input.system) });
        Context.current().heartbeat();
      }
      return { cursor: changes.cursor, changes: changes.tickets.length };
    },

    /**
     * The ticket as it is now; `followed` is false once its queue belongs to
     * no group, `checkUpMs` is the system's check-up interval as configured.
     * With `announceRound` (the workflow has not seen the ticket yet), a ticket
     * that needs the group (new, nobody's) is announced in the same go, by the
     * rule the workflow applies to tickets it is handed, which saves a round
     * trip to the ticket system and one to Temporal on every webhook.
     */
    async fetchTicket(input: { system: string; id: string; announceRound?: number }): Promise<Ticket & { followed: boolean; checkUpMs?: number; announcement?: Announcement }> {
      const checkUpMs = checkUpInterval(config, input.system);
      if (input.announceRound === undefined) {
        // Only the fields the workflow compares, in one request: the text stays out of its history.
        const ticket = await guard(() => system(input.system).read(input.id));
        return { ...ticket, followed: groupOf(config, input.system, ticket.queue) !== undefined, checkUpMs };
      }
      const detail = await guard(() => system(input.system).get(input.id, { text: false }));
      const { description: _d, lastComment: _c, previousOwner: _p, ...ticket } = detail;
      const announcement = needsGroup(ticket) ? await announce(input.system, detail, input.announceRound) : undefined;
      return { ...ticket, followed: groupOf(config, input.system, ticket.queue) !== undefined, checkUpMs, announcement };
    },

    /**
     * Tells the admins that intake from a system is failing (with the error) or,
     * without one, that it works again. Keyed by the episode, so a retry never tells twice.
     */
    async reportIntake(input: { system: string; since: number; error?: string; denied?: boolean }): Promise<void> {
      const { system: name, since, error } = input;
      const text = error
        ? t('en', 'admin.intakeFailing', { system: name, error: error.slice(0, 500), hint: input.denied ? t('en', 'admin.intakeDenied', { system: name }) : '' })
        : t('en', 'admin.intakeRecovered', { system: name, duration: formatDuration(Date.now() - since) });
      // With failure reports configured, a failing intake is one (counted, ticketed) instead of the admins' own notice.
      if (error && config.failures) return reportFailure(client, config, { source: 'ticket intake', workflowType: 'ticketPollerWorkflow', error: new Error(error), subject: name }, () => undefined);
      const admins = config.notify.admins;
      if (!admins) return log(`dutydesk worker: ${text} (set notify.admins to hear of it in chat)`);
      await enqueueChatMessage(client, primaryChat(config, admins), { key: `intake/${name}/${since}/${error ? 'failing' : 'recovered'}`, mode: 'new', message: { text } });
    },

    async takeTicket(input: { system: string; id: string; owner?: string; by: string; mode: 'me' | 'group' }): Promise<void> {
      const note = input.mode === 'me' ? `Taken by ${input.by} via dutydesk.` : `Taken for the group by ${input.by} via dutydesk.`;
      await guard(() => system(input.system).take(input.id, input.owner, note));
    },

    /** Posts the group message with its buttons; undefined when the ticket's queue belongs to no group. */
    async announceTicket(input: { system: string; id: string; round: number; previousOwner?: string }): Promise<Announcement | undefined> {
      // Who had it before comes from the history; the text is not shown here.
      const detail = await guard(() => system(input.system).get(input.id, { text: false }));
      return announce(input.system, detail, input.round, input.previousOwner);
    },

    /** Edits the group message: taken, assigned elsewhere, closed, back to the group or gone. */
    async updateTicketMessage(input: { system: string; id: string; announcement: Announcement; ticket?: Ticket; takenBy?: TakenBy; returned?: boolean; gone?: string; movedAway?: boolean }): Promise<void> {
      const a = input.announcement;
      const ticket = input.ticket ?? { id: input.id, queue: '', state: 'open' as const, status: '' };
      const message = renderTicketOutcome(a, input.system, ticket, {
        takenBy: input.takenBy,
        ownerName: displayName(input.system, input.ticket?.owner),
        returned: input.returned,
        gone: input.gone,
        movedAway: input.movedAway,
      });
      await enqueueChatMessage(client, a.chat, { key: groupKey(input.system, input.id, a.round), mode: 'upsert', message });
    },

    /** Tells the engineer who had the ticket that it came back, with the comment it came back with. */
    async notifyTicketReturned(input: { system: string; id: string; previousOwner: string; round: number }): Promise<void> {
      const user = userByLogin(config, input.system, input.previousOwner);
      if (!user) return; // someone dutydesk does not know: the group message still says it is back
      const detail = await guard(() => system(input.system).get(input.id));
      const chat = primaryDirectChat(config, user.id);
      const message = renderTicketReturned(detail, user.language ?? 'en');
      await enqueueChatMessage(client, chat, { key: `ticket/${input.system}/${input.id}/returned/${input.round}`, mode: 'new', message });
    },

    async sendTicketDescription(input: { system: string; id: string; chat: ChatRef; language: string; key: string }): Promise<void> {
      const detail = await guard(() => system(input.system).get(input.id));
      const message = renderTicketDescription(detail, input.language, Math.min(textLimit(input.chat.platform), 4000));
      await enqueueChatMessage(client, input.chat, { key: input.key, mode: 'new', message });
    },

    /**
     * Files the ticket. Ticket systems take no idempotency key, so a retry
     * first looks for the ticket an earlier attempt may have filed.
     */
    async createTicket(request: NewTicketRequest): Promise<{ id: string; url: string }> {
      const sys = system(request.system);
      const info = Context.current().info;
      if (info.attempt > 1) {
        const since = new Date(info.scheduledTimestampMs - 60_000);
        const recent = await guard(() => sys.changes([request.queue], undefined, since));
        const earlier = recent.tickets.find((t) => t.title === request.title && (!request.requester || t.requester === request.requester || !t.requester));
        if (earlier) return { id: earlier.id, url: earlier.url };
      }
      const text = `${request.text}\n\n— opened from chat by ${request.requestedBy.name} via dutydesk`;
      return guard(() => sys.create({ queue: request.queue, title: request.title, text, requester: request.requester }));
    },

    async replyTicketCreated(input: { request: NewTicketRequest; created?: { id: string; url: string }; error?: string }): Promise<void> {
      const { request } = input;
      const text = input.created
        ? t(request.language, 'ticket.created', { id: input.created.id, title: request.title, url: input.created.url })
        : t(request.language, 'ticket.createFailed', { title: request.title, error: input.error ?? '' });
      const workflowId = Context.current().info.workflowExecution?.workflowId;
      await enqueueChatMessage(client, request.chat, { key: `${workflowId}/created`, mode: 'new', message: { text } });
    },
  };
}

/** Hands an observation to the ticket's workflow, starting it on first sight. */
export async function signalTicket(client: Client, system: string, id: string, observation: Observation): Promise<void> {
  const input: TicketWorkflowInput = { system, id };
  await client.workflow.signalWithStart('ticketWorkflow', {
    workflowId: ticketWorkflowId(system, id),
    taskQueue: TASK_QUEUES.desk,
    args: [input],
    signal: observedSignal,
    signalArgs: [observation],
  });
}
