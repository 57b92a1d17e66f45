/**
 * Failure activities: the notices in the ops chat (the first, the repeats
 * with their counts) and the failure's ticket, which names the person
 * affected. Keys tie each notice to its failure and number, so a retry never
 * posts twice; a retried ticket creation looks for the ticket first.
 */
import { clip } from '../../lib/messages/clip';
import { Context } from '@temporalio/activity';
import type { Client } from '@temporalio/client';
import type { LoadedConfig } from '../../config/load';
import { t } from '../../lib/i18n';
import { clockUtc } from '../../lib/messages/tickets';
import type { ChatRef } from '../../workflows/restart/definitions';
import type { FailureOccurrence, FailureSummary } from '../../workflows/failure/definitions';
import { enqueueChatMessage } from '../chat/outbox-client';
import { guard, refused } from '../tickets/guard';
import type { TicketSystem } from '../tickets/port';
import type { TicketSystems } from '../tickets/systems';
import { runLink } from '../../lib/temporal-ui';
import { configuredRedactions, failureOf, reportFailure, type FailureReport } from './report';

export interface FailureView {
  workflowId: string;
  summary: FailureSummary;
  count: number;
  people: number;
  firstAt: number;
  lastAt: number;
  last?: FailureOccurrence;
  ticket?: { system: string; id: string; url: string };
  chat: ChatRef;
}

function what(view: FailureView): string {
  const s = view.summary;
  return `${s.source}${view.last?.subject ? ` ${view.last.subject}` : ''}${s.step ? ` (${s.step})` : ''}`;
}

export function renderFailureNotice(view: FailureView, kind: 'first' | 'repeat' | 'noTicket', runUrl: string, problem?: string): string {
  const lang = 'en';
  const last = view.last;
  const lines =
    kind === 'first'
      ? [t(lang, 'failure.first', { what: what(view), error: `${view.summary.errorClass}: ${clip(last?.message ?? '', 500)}` })]
      : kind === 'repeat'
        ? [t(lang, 'failure.repeat', { what: what(view), count: view.count, people: view.people, since: clockUtc(view.firstAt, lang) }), `${view.summary.errorClass}: ${clip(last?.message ?? '', 300)}`]
        : [t(lang, 'failure.noTicket', { what: what(view), error: clip(problem ?? '', 300) })];
  if (kind === 'first' && last?.person) lines.push(t(lang, 'failure.affected', { name: last.person.name }));
  if (view.ticket && kind !== 'noTicket') lines.push(t(lang, 'incident.ticket', { id: view.ticket.id, url: view.ticket.url }));
  if (last?.runUrl) lines.push(t(lang, 'failure.run', { url: last.runUrl }));
  lines.push(t(lang, 'failure.report', { url: runUrl }));
  return lines.join('\n');
}

export function createFailureActivities({ config, client, systems, log = console.error }: { config: LoadedConfig; client: Client; systems: TicketSystems; log?: (line: string) => void }) {
  const system = (name: string): TicketSystem => systems.get(name) ?? refused(`no ticket system "${name}" in the configuration`);
  const runUrl = (workflowId: string) => runLink(config.temporal.uiUrl, config.temporal.namespace, workflowId);
  const title = (view: FailureView) => clip(`[failure] ${view.summary.source}${view.summary.step ? ` ${view.summary.step}` : ''}: ${view.summary.errorClass}: ${view.summary.normalised}`, 200);

  return {
    async postFailure(input: { view: FailureView; kind: 'first' | 'repeat' | 'noTicket'; notice: number; problem?: string }): Promise<void> {
      const text = renderFailureNotice(input.view, input.kind, runUrl(input.view.workflowId), input.problem);
      await enqueueChatMessage(client, input.view.chat, { key: `${input.view.workflowId}/${input.kind}/${input.notice}`, mode: 'new', message: { text } });
    },

    /** The failure's ticket, naming the person affected. A retry looks for the one an earlier attempt may have opened. */
    async openFailureTicket(input: { view: FailureView; ticket: { system: string; queue: string } }): Promise<{ system: string; id: string; url: string }> {
      const sys = system(input.ticket.system);
      const name = title(input.view);
      const info = Context.current().info;
      if (info.attempt > 1) {
        const recent = await guard(() => sys.changes([input.ticket.queue], undefined, new Date(info.scheduledTimestampMs - 60_000)));
        const earlier = recent.tickets.find((ticket) => ticket.title === name && ticket.state !== 'done');
        if (earlier) return { system: input.ticket.system, id: earlier.id, url: earlier.url };
      }
      const { view } = input;
      const person = view.last?.person;
      const text = [
        `What failed: ${what(view)}`,
        `Error: ${view.summary.errorClass}: ${view.last?.message ?? ''}`,
        `Affected: ${person ? `${person.name} (${person.id})` : 'nobody in particular'}`,
        `First seen: ${new Date(view.firstAt).toISOString()}`,
        ...(view.last?.runUrl ? [`Run: ${view.last.runUrl}`] : []),
        `Followed by dutydesk, which counts the repeats: ${runUrl(view.workflowId)}`,
      ].join('\n');
      const created = await guard(() => sys.create({ queue: input.ticket.queue, title: name, text }));
      return { system: input.ticket.system, ...created };
    },

    async readFailureTicket(input: { ticket: { system: string; id: string } }): Promise<{ state: string; updatedAt: number }> {
      const ticket = await guard(() => system(input.ticket.system).read(input.ticket.id));
      return { state: ticket.state, updatedAt: Date.parse(ticket.updated) };
    },

    async reopenFailureTicket(input: { view: FailureView }): Promise<void> {
      const ticket = input.view.ticket;
      if (!ticket) return;
      await guard(() => system(ticket.system).reopen(ticket.id, `Reopened by dutydesk: it happened again (${input.view.count} times in all, ${input.view.people} people). ${runUrl(input.view.workflowId)}`));
    },

    /** For workflows: a failure they caught and cannot handle themselves, reported like any other. */
    async reportWorkflowFailure(input: Omit<FailureReport, 'error'> & { errorClass: string; message: string }): Promise<string> {
      const { errorClass, message, ...rest } = input;
      const error = Object.assign(new Error(message), { name: errorClass });
      await reportFailure(client, config, { ...rest, error }, log);
      return failureOf({ ...rest, error }, configuredRedactions(config)).fingerprint;
    },
  };
}
