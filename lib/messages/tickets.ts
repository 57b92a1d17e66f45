/**
 * How tickets look in chat: the group message with its three buttons, its
 * later states (taken, closed, back to the group), the note to the engineer
 * a ticket came back from, and the description. Pure functions.
 */
import type { ChatMessage } from '../../activities/chat/port';
import type { Ticket, TicketDetail } from '../../activities/tickets/port';
import type { Announcement, TakenBy } from '../../workflows/ticket/definitions';
import { t } from '../i18n';

export type TicketVerb = 'describe' | 'me' | 'group';

/** Button actions name the system and the ticket: "ticket.me:rt/42". */
export function ticketAction(verb: TicketVerb, system: string, id: string): string {
  return `ticket.${verb}:${system}/${id}`;
}

export function parseTicketArgument(argument: string): { system: string; id: string } | undefined {
  const slash = argument.indexOf('/');
  if (slash <= 0 || slash === argument.length - 1) return undefined;
  return { system: argument.slice(0, slash), id: argument.slice(slash + 1) };
}

/** Times as people in several zones read them: "10:42 UTC". */
export function clockUtc(ms: number, language: string): string {
  return t(language, 'time.utc', { time: new Date(ms).toISOString().slice(11, 16) });
}

export function dateTimeUtc(iso: string, language: string): string {
  return t(language, 'time.utc', { time: iso.replace('T', ' ').slice(0, 16) });
}

function header(a: Announcement, id: string, queue: string): string[] {
  const lang = a.language;
  const lines = [t(lang, a.round > 1 ? 'ticket.backToGroup' : 'ticket.new', { id, queue, title: a.title })];
  if (a.urgency) lines.push(t(lang, 'ticket.urgency', { urgency: a.urgency }));
  if (a.due) lines.push(t(lang, 'ticket.due', { due: dateTimeUtc(a.due, lang) }));
  if (a.previous) lines.push(t(lang, 'ticket.previous', { name: a.previous }));
  lines.push(t(lang, 'ticket.link', { url: a.url }));
  return lines;
}

export function renderTicketAnnouncement(a: Announcement, system: string, ticket: Pick<Ticket, 'id' | 'queue'>): ChatMessage {
  const lang = a.language;
  return {
    text: header(a, ticket.id, ticket.queue).join('\n'),
    buttons: [
      [{ label: t(lang, 'ticket.button.describe'), action: ticketAction('describe', system, ticket.id) }],
      [
        { label: t(lang, 'ticket.button.group'), action: ticketAction('group', system, ticket.id) },
        { label: t(lang, 'ticket.button.me'), action: ticketAction('me', system, ticket.id) },
      ],
    ],
  };
}

export interface TicketOutcome {
  takenBy?: TakenBy;
  /** The owner's display name, when assigned in the ticket system itself. */
  ownerName?: string;
  returned?: boolean;
  gone?: string;
  /** Moved to a queue no group follows: dutydesk lets it go. */
  movedAway?: boolean;
}

/** The group message after something happened: the header stays, the buttons go, one line says what. */
export function renderTicketOutcome(a: Announcement, system: string, ticket: Pick<Ticket, 'id' | 'queue' | 'state' | 'status'>, outcome: TicketOutcome): ChatMessage {
  const lang = a.language;
  let line: string;
  if (outcome.gone) line = t(lang, 'ticket.gone', { error: outcome.gone });
  else if (outcome.movedAway) line = t(lang, 'ticket.movedAway', { queue: ticket.queue });
  else if (ticket.state === 'done') line = t(lang, 'ticket.done', { status: ticket.status });
  else if (outcome.returned) line = t(lang, 'ticket.returnedHere');
  else if (outcome.takenBy) {
    const key = outcome.takenBy.mode === 'me' ? 'ticket.takenMe' : 'ticket.takenGroup';
    line = t(lang, key, { name: outcome.takenBy.person.name, time: clockUtc(outcome.takenBy.at, lang) });
  } else line = t(lang, 'ticket.takenElsewhere', { name: outcome.ownerName ?? '?' });
  return { text: [...header(a, ticket.id, ticket.queue), '', line].join('\n'), buttons: [] };
}

export function renderTicketReturned(detail: TicketDetail, language: string): ChatMessage {
  const lines = [t(language, 'ticket.returned', { id: detail.id, title: detail.title, queue: detail.queue })];
  lines.push(
    detail.lastComment
      ? t(language, 'ticket.returnedComment', { author: detail.lastComment.author, comment: detail.lastComment.text })
      : t(language, 'ticket.returnedNoComment'),
  );
  lines.push(t(language, 'ticket.link', { url: detail.url }));
  return { text: lines.join('\n') };
}

/** The description, shortened to fit one message of the platform, saying so and linking the ticket. */
export function renderTicketDescription(detail: TicketDetail, language: string, limit: number): ChatMessage {
  const head = t(language, 'ticket.description', { id: detail.id, title: detail.title });
  const link = t(language, 'ticket.link', { url: detail.url });
  const body = detail.description || t(language, 'ticket.noDescription');
  const whole = `${head}\n\n${body}\n\n${link}`;
  if (whole.length <= limit) return { text: whole };
  const tail = t(language, 'ticket.shortened', { url: detail.url });
  const room = Math.max(0, limit - head.length - tail.length - 4);
  return { text: `${head}\n\n${body.slice(0, room).trimEnd()}\n${tail}` };
}
