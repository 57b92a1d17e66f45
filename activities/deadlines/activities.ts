/**
 * Deadline reminders and OLA figures as activities: read the ticket systems,
 * render in each reader's language and time zone, and put the messages in
 * the chats' outboxes. Keys carry the run, so a retried activity (or a
 * retried run) sends nothing twice. Ticket lists stay here, out of workflow
 * history: a run over 10,000 tickets returns only counts.
 */
import { Context } from '@temporalio/activity';
import type { Client } from '@temporalio/client';
import type { LoadedConfig } from '../../config/load';
import type { UserConfig } from '../../config/schema';
import { primaryChat, primaryDirectChat } from '../../config/restart-plan';
import { t } from '../../lib/i18n';
import { formatDuration } from '../../lib/duration';
import { inParallel } from '../../lib/in-parallel';
import { renderGroupDigest, renderOlaReport, renderPersonalDigest, type DueTicket, type ReaderContext } from '../../lib/messages/deadlines';
import { computeOla, type OlaTargets, type TicketTimes } from '../../lib/ola';
import type { ChatRef } from '../../workflows/restart/definitions';
import type { OlaResult, PersonalDeadlinesInput, ReminderRunInput, ReminderRunResult } from '../../workflows/deadlines/definitions';
import { enqueueChatMessage, textLimit } from '../chat/outbox-client';
import { guard, refused } from '../tickets/guard';
import type { Ticket, TicketSystem } from '../tickets/port';
import { groupOf, userByLogin, watchedQueues, type TicketSystems } from '../tickets/systems';

export interface DeadlineActivityDeps {
  config: LoadedConfig;
  client: Client;
  systems: TicketSystems;
}

/** Digests are split well under every platform's limit, so no message is ever cut. */
const DIGEST_LIMIT = 3500;

/** Outboxes filled at the same time by one run. */
const PARALLEL_CHATS = 8;

const limitFor = (chat: ChatRef) => Math.min(DIGEST_LIMIT, textLimit(chat.platform));

export function createDeadlineActivities({ config, client, systems }: DeadlineActivityDeps) {
  const system = (name: string): TicketSystem => systems.get(name) ?? refused(`no ticket system "${name}" in the configuration`);
  const group = (name: string) => config.tickets?.groups[name] ?? refused(`no ticket group "${name}" in the configuration`);
  /** A person reads times in their own zone, else their group's reminder zone, else UTC. */
  const zoneOf = (user: UserConfig | undefined, groupZone?: string) => user?.timeZone ?? groupZone ?? 'UTC';
  const firstReminderZone = () => Object.values(config.tickets?.groups ?? {}).find((g) => g.reminders)?.reminders?.timeZone;

  const dueTicket = (systemName: string, ticket: Ticket): DueTicket => ({
    id: ticket.id,
    title: ticket.title,
    url: ticket.url,
    due: ticket.due as string,
    owner: ticket.owner ? userByLogin(config, systemName, ticket.owner)?.name ?? ticket.owner : undefined,
  });

  async function send(chat: ChatRef, key: string, texts: string[]): Promise<number> {
    for (const [i, text] of texts.entries()) {
      await enqueueChatMessage(client, chat, { key: `${key}/${i}`, mode: 'new', message: { text } });
      Context.current().heartbeat(i);
    }
    return texts.length;
  }

  return {
    /**
     * One scheduled run for one group: each responsible engineer gets their
     * tickets, the group chat one digest with unassigned ones marked. Nothing
     * due sends nothing.
     */
    async sendDeadlineReminders(input: ReminderRunInput & { now: number; runKey: string }): Promise<ReminderRunResult> {
      const g = group(input.group);
      const until = new Date(input.now + input.windowMs);
      const tickets = await guard(() => system(g.system).dueBefore([g.queue], until));
      const overdue = tickets.filter((tk) => Date.parse(tk.due as string) < input.now).length;
      const result: ReminderRunResult = { tickets: tickets.length, overdue, messages: 0, engineers: 0 };
      if (!tickets.length) return result;

      const byOwner = new Map<string, Ticket[]>();
      for (const tk of tickets) if (tk.owner) byOwner.set(tk.owner, [...(byOwner.get(tk.owner) ?? []), tk]);
      const deliveries: { chat: ChatRef; key: string; texts: string[] }[] = [];
      for (const [login, own] of [...byOwner].sort(([a], [b]) => a.localeCompare(b))) {
        const user = userByLogin(config, g.system, login);
        if (!user) continue; // not a dutydesk user: the group digest names them
        const chat = primaryDirectChat(config, user.id);
        const ctx: ReaderContext = { language: user.language ?? g.language ?? 'en', timeZone: zoneOf(user, g.reminders?.timeZone), now: input.now };
        deliveries.push({ chat, key: `${input.runKey}/dm/${user.id}`, texts: renderPersonalDigest(own.map((tk) => dueTicket(g.system, tk)), input.windowMs, ctx, limitFor(chat)) });
        result.engineers++;
      }
      const chat = primaryChat(config, g.chat);
      const ctx: ReaderContext = { language: g.language ?? 'en', timeZone: g.reminders?.timeZone ?? 'UTC', now: input.now };
      const title = config.chats[g.chat]?.title ?? input.group;
      deliveries.unshift({ chat, key: `${input.runKey}/group`, texts: renderGroupDigest(title, tickets.map((tk) => dueTicket(g.system, tk)), input.windowMs, ctx, limitFor(chat)) });
      // Chats are independent (each outbox keeps its own order): several are filled at once.
      await inParallel(deliveries, PARALLEL_CHATS, async (d) => {
        const sent = await send(d.chat, d.key, d.texts);
        result.messages += sent;
      });
      return result;
    },

    /** `deadlines`: the speaker's tickets in every system they have a login in, answered where they asked. */
    async sendPersonalDeadlines(input: PersonalDeadlinesInput & { now: number }): Promise<number> {
      const user = config.users.find((u) => u.id === input.userId);
      const logins = Object.entries(user?.tickets ?? {});
      const ctx: ReaderContext = { language: input.language, timeZone: zoneOf(user, firstReminderZone()), now: input.now };
      if (!logins.length) return send(input.chat, input.key, [t(input.language, 'deadline.noLogin')]);
      const until = new Date(input.now + input.windowMs);
      const mine: DueTicket[] = [];
      for (const [systemName, login] of logins) {
        const queues = watchedQueues(config, systemName);
        if (!queues.length) continue;
        const due = await guard(() => system(systemName).dueBefore(queues, until));
        mine.push(...due.filter((tk) => tk.owner === login).map((tk) => dueTicket(systemName, tk)));
      }
      const texts = mine.length
        ? renderPersonalDigest(mine, input.windowMs, ctx, limitFor(input.chat))
        : [t(input.language, 'deadline.none', { window: formatDuration(input.windowMs) })];
      await send(input.chat, input.key, texts);
      return mine.length;
    },

    /** OLA figures over tickets created in the period, from every watched queue of every system. */
    async computeOlaReport(input: { from: number; to: number; label: string; now: number }): Promise<OlaResult> {
      const targetsConfig = config.tickets?.ola?.targets ?? {};
      const targets: OlaTargets = Object.fromEntries(Object.entries(targetsConfig).map(([word, tg]) => [word, { responseMs: tg.response, resolutionMs: tg.resolution }]));
      const times: TicketTimes[] = [];
      for (const systemName of systems.keys()) {
        const queues = watchedQueues(config, systemName);
        if (!queues.length) continue;
        const tickets = await guard(() => system(systemName).createdBetween(queues, new Date(input.from), new Date(input.to)));
        for (const tk of tickets) {
          times.push({
            id: tk.id,
            group: groupOf(config, systemName, tk.queue)?.[0] ?? tk.queue,
            engineer: tk.owner ? userByLogin(config, systemName, tk.owner)?.name ?? tk.owner : undefined,
            urgency: tk.urgency,
            created: tk.created,
            responded: tk.responded,
            resolved: tk.resolved,
          });
        }
        Context.current().heartbeat();
      }
      const report = computeOla(times, targets, input.now);
      return { from: new Date(input.from).toISOString(), to: new Date(input.to).toISOString(), label: input.label, report };
    },

    async sendOlaReport(input: { result: OlaResult; chat: ChatRef; language: string; key: string }): Promise<void> {
      const texts = renderOlaReport(input.result.report, input.result.label, input.language, limitFor(input.chat));
      await send(input.chat, input.key, texts);
    },

    /** A failure the user should hear about, in their language. */
    async sendDeadlineFailure(input: { chat: ChatRef; language: string; key: string; messageKey: 'deadline.failed' | 'ola.failed'; error: string }): Promise<void> {
      await send(input.chat, input.key, [t(input.language, input.messageKey, { error: input.error })]);
    },
  };
}
