/**
 * What dutydesk needs from a ticket system, whatever it is (Request Tracker's
 * REST 2.0 or 1.0, Jira Cloud v3 or v2): list changes since a cursor, read,
 * assign, mark the response time, comment, create, close.
 */

/** A ticket as dutydesk sees it; times are ISO 8601 in UTC. */
export interface Ticket {
  id: string;
  title: string;
  /** The queue (RT) or project (Jira) that decides which group it belongs to. */
  queue: string;
  /** The system's own status word (new, open, In Progress, …). */
  status: string;
  /** new: nobody has responded yet; open: in work; done: resolved, closed or rejected. */
  state: 'new' | 'open' | 'done';
  /** The responsible engineer's login in the ticket system; absent when nobody owns it. */
  owner?: string;
  /** The system's urgency as a word people know (e.g. "high" or "P2"). */
  urgency?: string;
  due?: string;
  created: string;
  updated: string;
  requester?: string;
  /** Where a person opens the ticket in a browser. */
  url: string;
}

/** Detail read for messages: the text, and who worked on it before. */
export interface TicketDetail extends Ticket {
  description: string;
  /** The last owner before the current one (or before it was given back), if any. */
  previousOwner?: string;
  /** The newest comment or reply, with who wrote it. */
  lastComment?: { author: string; text: string; at: string };
}

/** A ticket with the times OLA figures are computed from. */
export interface TimedTicket extends Ticket {
  /** When someone first responded (RT's Started; Jira's response field, else its first assignment or status change). */
  responded?: string;
  resolved?: string;
}

export interface TicketChanges {
  tickets: Ticket[];
  /** Opaque; handed back on the next call. */
  cursor: string;
}

export interface NewTicket {
  queue: string;
  title: string;
  text: string;
  /** The requester's login or e-mail in the ticket system. */
  requester?: string;
}

export interface TicketSystem {
  /** Tickets in these queues changed since the cursor (all recent ones when the cursor is undefined). */
  changes(queues: string[], cursor: string | undefined, since: Date): Promise<TicketChanges>;
  /** The ticket's fields alone, in one request where the system allows (no text, no history). */
  read(id: string): Promise<Ticket>;
  /** The fields, who had it before, and (unless `text` is false) its text and newest comment. */
  get(id: string, parts?: { text?: boolean }): Promise<TicketDetail>;
  /** Open tickets in these queues whose deadline is before `until` (overdue ones included). */
  dueBefore(queues: string[], until: Date): Promise<Ticket[]>;
  /** Tickets in these queues created in [from, to), with their response and resolution times. */
  createdBetween(queues: string[], from: Date, to: Date): Promise<TimedTicket[]>;
  /** Makes `owner` responsible (undefined: the group keeps it, nobody in particular) and marks the response time. */
  take(id: string, owner: string | undefined, note: string): Promise<void>;
  comment(id: string, text: string): Promise<void>;
  create(ticket: NewTicket): Promise<{ id: string; url: string }>;
  close(id: string, note: string): Promise<void>;
  /** Opens a closed ticket again (an incident back within its reopen window), with a note. */
  reopen(id: string, note: string): Promise<void>;
  /** A reply the requestors see: RT mails its correspondence to them; Jira notifies the watchers of a comment. */
  correspond(id: string, text: string): Promise<void>;
  /** What would keep dutydesk from closing tickets it opens in this queue (Jira: no status in the Done category); undefined when nothing. */
  closeProblem?(queue: string): Promise<string | undefined>;
}

/**
 * The system said no (no such ticket, no permission, bad field): retrying
 * will not help, so the activity fails at once and the user is told why.
 * Everything else (5xx, network) is retried with backoff.
 */
export class TicketSystemRefused extends Error {
  constructor(message: string, readonly status?: number) {
    super(message);
    this.name = 'TicketSystemRefused';
  }
}

/** A failure worth retrying: the system is down, overloaded or unreachable. */
export class TicketSystemUnavailable extends Error {
  constructor(message: string) {
    super(message);
    this.name = 'TicketSystemUnavailable';
  }
}
