/**
 * What Request Tracker's two APIs share: its lifecycle words, priorities,
 * TicketSQL for "changed since", the cursor, and links to the web UI.
 */
import type { Ticket, TicketChanges, TimedTicket } from './port';
import { createdIn, DAY_MS, dueBy } from './ranges';

/** RT's %PriorityAsString: per queue name (or "Default"), each label's number; false where RT shows plain numbers. */
export type RtPriorities = Record<string, Record<string, number> | false>;

/** RT 5's own default: Low 0, Medium 50, High 100 in every queue. */
export const RT_DEFAULT_PRIORITIES: RtPriorities = { Default: { Low: 0, Medium: 50, High: 100 } };

export interface RtOptions {
  /** Base URL, e.g. https://rt.example.com (no /REST/...). */
  url: string;
  /** Base of links people open; defaults to url. */
  webUrl?: string;
  user?: string;
  password?: () => string;
  /** RT 5 auth token; used instead of the password when given. */
  token?: () => string;
  /** RT's %PriorityAsString, to name priorities RT hands out as numbers; RT's default when absent. */
  priorities?: RtPriorities;
  /** The zone RT shows the bot account's dates in (REST 1.0 prints ticket dates in it); UTC when absent. */
  timeZone?: string;
  /** How long one REST session is used before signing in anew (rt-auth.ts's default when absent). */
  sessionMaxAgeMs?: number;
}

const DONE = new Set(['resolved', 'rejected', 'deleted']);

export function rtState(status: string): Ticket['state'] {
  if (status === 'new') return 'new';
  return DONE.has(status) ? 'done' : 'open';
}

/**
 * A priority as people know it. RT hands out a label ("High") where it
 * stored one and a number otherwise; a number is named as RT names it, by
 * the highest label at or below it in the queue's (else Default's) mapping.
 */
export function rtUrgency(priority: string | number | undefined, queue: string, priorities: RtPriorities = RT_DEFAULT_PRIORITIES): string | undefined {
  const value = String(priority ?? '').trim();
  if (!value) return undefined;
  if (!/^-?\d+$/.test(value)) return value;
  const mapping = Object.hasOwn(priorities, queue) ? priorities[queue] : priorities.Default;
  if (!mapping) return value;
  const n = Number(value);
  const label = Object.entries(mapping)
    .sort(([, a], [, b]) => b - a)
    .find(([, at]) => n >= at)?.[0];
  return label ?? value;
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

/** Slack for the request's way to RT and the whole seconds of RT's Date header. */
const RELATIVE_MARGIN_S = 5;

/**
 * TicketSQL reads an absolute date in the bot account's time zone, which
 * dutydesk cannot ask RT for; 'now - N seconds' is counted back from RT's own
 * clock, exactly in every zone and across clock changes (checked against RT's
 * own date parser in test/rt-relative-query.test.ts; its other spelling,
 * 'N seconds ago', reads N of 1000 or more as a year or a time of day). So
 * the query reaches back from RT's now (estimated from its Date headers) to a
 * little before the cursor, and advance() drops what is older exactly.
 */
export function changesQuery(queues: string[], cursor: string | undefined, since: Date, rtNow: number): { query: string; after: RtCursor } {
  const after: RtCursor = cursor ? (JSON.parse(cursor) as RtCursor) : { at: rtDate(since), ids: [] };
  const back = Math.max(0, Math.ceil((rtNow - Date.parse(`${after.at.replace(' ', 'T')}Z`)) / 1000)) + RELATIVE_MARGIN_S;
  return { query: `${inQueues(queues)} AND LastUpdated >= 'now - ${back} seconds'`, after };
}

/** Drops tickets older than the cursor or seen at its second, and moves the cursor past the rest. */
export function advance(tickets: Ticket[], after: RtCursor): { tickets: Ticket[]; cursor: string } {
  const fresh = tickets.filter((t) => {
    const at = rtDate(new Date(t.updated));
    return at > after.at || (at === after.at && !after.ids.includes(seenKey(t)));
  });
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
  protected readonly clock = new ServerClock();

  /** The system's settings, for the searches here and each API's own calls. */
  constructor(protected readonly rtOptions: RtOptions) {}

  protected abstract search(query: string, orderBy?: string): Promise<TimedTicket[]>;
  /** The login of RT's user with this numeric id. */
  protected abstract userName(id: string): Promise<string>;

  /** Signs in when there is no session yet, so a first poll already counts back on RT's clock. */
  protected async ready(): Promise<void> {}

  /** The bot's own RT login, whose notes ("taken via dutydesk") are not what a ticket came back with: configured, else its token's owner. */
  protected async botName(): Promise<string | undefined> {
    if (this.rtOptions.user) return this.rtOptions.user;
    // RT 5 tokens read "1-<user id>-<secret>".
    const owner = /^\d+-(\d+)-/.exec(this.rtOptions.token?.() ?? '')?.[1];
    return owner ? this.userName(owner) : undefined;
  }

  protected urgency(priority: string | number | undefined, queue: string): string | undefined {
    return rtUrgency(priority, queue, this.rtOptions.priorities);
  }

  async changes(queues: string[], cursor: string | undefined, since: Date): Promise<TicketChanges> {
    await this.ready();
    const { query, after } = changesQuery(queues, cursor, since, this.clock.now());
    return advance(await this.search(query), after);
  }

  async dueBefore(queues: string[], until: Date): Promise<Ticket[]> {
    return (await this.search(dueBeforeQuery(queues, until), 'Due')).filter(dueBy(until));
  }

  async createdBetween(queues: string[], from: Date, to: Date): Promise<TimedTicket[]> {
    return (await this.search(createdBetweenQuery(queues, from, to), 'Created')).filter(createdIn(from, to));
  }
}

/** RT's clock as its Date headers tell it: this machine's clock plus the last offset seen (none before any answer). */
export class ServerClock {
  private offsetMs = 0;

  observe(serverTime: number | undefined): void {
    // The header has whole seconds: the server's clock is up to a second later than it says.
    if (serverTime !== undefined) this.offsetMs = serverTime + 500 - Date.now();
  }

  now(): number {
    return Date.now() + this.offsetMs;
  }
}
