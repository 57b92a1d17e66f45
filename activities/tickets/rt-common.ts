/**
 * What Request Tracker's two APIs share: its lifecycle words, priorities,
 * TicketSQL for "changed since", the cursor, and links to the web UI.
 */
import type { Ticket, TicketChanges, TimedTicket } from './port';
import { createdIn, DAY_MS, dueBy } from './ranges';

export interface RtOptions {
  /** Base URL, e.g. https://rt.example.com (no /REST/...). */
  url: string;
  /** Base of links people open; defaults to url. */
  webUrl?: string;
  user?: string;
  password?: () => string;
  /** RT 5 auth token (REST 2.0 only); used instead of user/password when given. */
  token?: () => string;
}

const DONE = new Set(['resolved', 'rejected', 'deleted']);

export function rtState(status: string): Ticket['state'] {
  if (status === 'new') return 'new';
  return DONE.has(status) ? 'done' : 'open';
}

/** RT 5's default PriorityAsString names: Low 0, Medium 50, High 100. */
export function rtUrgency(priority: number): string {
  if (priority >= 100) return 'High';
  if (priority >= 50) return 'Medium';
  return 'Low';
}

export function rtTicketUrl(options: RtOptions, id: string): string {
  return `${(options.webUrl ?? options.url).replace(/\/+$/, '')}/Ticket/Display.html?id=${encodeURIComponent(id)}`;
}

/** RT's "Nobody" is no owner at all. */
export function rtOwner(name: string | undefined): string | undefined {
  return !name || name === 'Nobody' ? undefined : name;
}

/**
 * The cursor: the newest LastUpdated seen (RT keeps whole seconds) and the
 * ticket states seen at that second, so the next ">=" query skips exactly
 * those. A state, not just an id: a ticket taken and given back within the
 * same second must still be seen given back.
 */
interface RtCursor {
  at: string;
  /** seenKey of each ticket seen at `at` (a cursor from before kept bare ids: those tickets come once more). */
  ids: string[];
}

const seenKey = (t: Ticket) => [t.id, t.status, t.owner ?? '', t.queue].join(' | ');

export function rtDate(d: Date): string {
  return d.toISOString().replace('T', ' ').replace(/\.\d+Z$/, '');
}

function quote(value: string): string {
  return `'${value.replace(/\\/g, '\\\\').replace(/'/g, "\\'")}'`;
}

function inQueues(queues: string[]): string {
  return `(${queues.map((q) => `Queue = ${quote(q)}`).join(' OR ')})`;
}

/**
 * TicketSQL reads dates in the bot account's time zone, so the queries below
 * ask for a day more on each side and callers keep the exact range.
 */
export function dueBeforeQuery(queues: string[], until: Date): string {
  return `${inQueues(queues)} AND Status = '__Active__' AND Due > '1970-01-02 00:00:00' AND Due < ${quote(rtDate(new Date(until.getTime() + DAY_MS)))}`;
}

export function createdBetweenQuery(queues: string[], from: Date, to: Date): string {
  return `${inQueues(queues)} AND Created >= ${quote(rtDate(new Date(from.getTime() - DAY_MS)))} AND Created < ${quote(rtDate(new Date(to.getTime() + DAY_MS)))}`;
}

export function changesQuery(queues: string[], cursor: string | undefined, since: Date): { query: string; after: RtCursor } {
  const after: RtCursor = cursor ? (JSON.parse(cursor) as RtCursor) : { at: rtDate(since), ids: [] };
  return { query: `${inQueues(queues)} AND LastUpdated >= ${quote(after.at)}`, after };
}

/** Drops tickets the cursor has seen and moves the cursor past the rest. */
export function advance(tickets: Ticket[], after: RtCursor): { tickets: Ticket[]; cursor: string } {
  const fresh = tickets.filter((t) => !(rtDate(new Date(t.updated)) === after.at && after.ids.includes(seenKey(t))));
  let next = after;
  for (const t of fresh) {
    const at = rtDate(new Date(t.updated));
    if (at > next.at) next = { at, ids: [seenKey(t)] };
    else if (at === next.at && !next.ids.includes(seenKey(t))) next = { at, ids: [...next.ids, seenKey(t)] };
  }
  return { tickets: fresh, cursor: JSON.stringify(next) };
}

/**
 * The searches both RT APIs answer the same way, over TicketSQL: each API
 * supplies only how it runs a search.
 */
export abstract class RtSearches {
  protected abstract search(query: string, orderBy?: string): Promise<TimedTicket[]>;

  async changes(queues: string[], cursor: string | undefined, since: Date): Promise<TicketChanges> {
    const { query, after } = changesQuery(queues, cursor, since);
    return advance(await this.search(query), after);
  }

  async dueBefore(queues: string[], until: Date): Promise<Ticket[]> {
    return (await this.search(dueBeforeQuery(queues, until), 'Due')).filter(dueBy(until));
  }

  async createdBetween(queues: string[], from: Date, to: Date): Promise<TimedTicket[]> {
    return (await this.search(createdBetweenQuery(queues, from, to), 'Created')).filter(createdIn(from, to));
  }
}
