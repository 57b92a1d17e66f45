/** Request Tracker 5 through its REST 2.0 API (JSON). */
import { httpCall, isJson } from './http';
import { RtAuth } from './rt-auth';
import { TicketSystemRefused, TicketSystemUnavailable, type NewTicket, type Ticket, type TicketDetail, type TicketSystem, type TimedTicket } from './port';
import { RtSearches, rtOwner, rtState, rtTicketUrl, type RtOptions } from './rt-common';

interface RtRef {
  id: string;
  Name?: string;
}
interface RtTicketJson {
  id: string | number;
  Subject: string;
  Status: string;
  Priority: string;
  Queue: RtRef;
  Owner: RtRef;
  Due: string;
  Created: string;
  LastUpdated: string;
  Started?: string;
  Resolved?: string;
  Requestor?: RtRef[];
}
interface RtTransactionJson {
  id: string;
  Type: string;
  Field: string;
  OldValue: string;
  NewValue: string;
  Created: string;
  Creator: RtRef;
}
interface RtAttachmentJson {
  TransactionId: string;
  ContentType: string;
  Content?: string;
}
interface Page<T> {
  items: T[];
  page: number;
  pages: number;
}

const TICKET_FIELDS = 'Subject,Status,Priority,Queue,Owner,Due,Created,LastUpdated,Started,Resolved,Requestor';
const UNSET = '1970-01-01T00:00:00Z';
const PAGE_SIZE = 100;

export class RtRest2 extends RtSearches implements TicketSystem {
  private readonly userNames = new Map<string, string>();
  private readonly auth: RtAuth;

  constructor(options: RtOptions) {
    super(options);
    this.auth = new RtAuth(options, this.clock, options.sessionMaxAgeMs);
  }

  protected override async ready(): Promise<void> {
    await this.auth.cookie();
  }

  /** Reads go with the REST session (fast); writes, which RT refuses by cookie, with the token or password. */
  private async call<T>(method: string, path: string, what: string, body?: unknown, retried = false): Promise<T> {
    const url = `${this.rtOptions.url.replace(/\/+$/, '')}/REST/2.0/${path}`;
    const cookie = method === 'GET' ? await this.auth.cookie() : undefined;
    const headers = { ...(cookie ? { cookie } : this.auth.credentials()), ...(body !== undefined ? { 'content-type': 'application/json' } : {}) };
    let result;
    try {
      result = await httpCall(url, { method, headers, body: body === undefined ? undefined : JSON.stringify(body) }, `RT ${what}`);
    } catch (err) {
      if (!(err instanceof TicketSystemRefused && err.status === 401)) throw err;
      // RT forgot the session, or the token behind it is no longer good: sign in again, once.
      await this.auth.forget(cookie);
      if (!cookie || retried) throw err;
      return this.call(method, path, what, body, true);
    }
    this.clock.observe(result.serverTime);
    if (!isJson(result.contentType) && cookie && !retried) {
      await this.auth.forget(cookie);
      return this.call(method, path, what, body, true);
    }
    try {
      return JSON.parse(result.text) as T;
    } catch {
      throw new TicketSystemUnavailable(`RT ${what}: the answer is not JSON (${result.contentType || 'no content type'})`);
    }
  }

  private toTicket(t: RtTicketJson): TimedTicket {
    const id = String(t.id);
    const date = (value: string | undefined) => (value && value !== UNSET ? value : undefined);
    return {
      id,
      title: t.Subject,
      queue: t.Queue.Name ?? t.Queue.id,
      status: t.Status,
      state: rtState(t.Status),
      owner: rtOwner(t.Owner.Name ?? t.Owner.id),
      urgency: this.urgency(t.Priority, t.Queue.Name ?? t.Queue.id),
      due: date(t.Due),
      created: t.Created,
      updated: t.LastUpdated,
      responded: date(t.Started),
      resolved: date(t.Resolved),
      requester: t.Requestor?.[0]?.id,
      url: rtTicketUrl(this.rtOptions, id),
    };
  }

  protected async search(query: string, orderBy = 'LastUpdated'): Promise<TimedTicket[]> {
    const found: TimedTicket[] = [];
    for (let page = 1; ; page++) {
      const params = new URLSearchParams({ query, fields: TICKET_FIELDS, 'fields[Queue]': 'Name', 'fields[Owner]': 'Name', orderby: orderBy, order: 'ASC', per_page: String(PAGE_SIZE), page: String(page) });
      const result = await this.call<Page<RtTicketJson>>('GET', `tickets?${params}`, 'ticket search');
      found.push(...result.items.map((t) => this.toTicket(t)));
      if (result.page >= result.pages || result.items.length === 0) return found;
    }
  }

  protected async userName(id: string): Promise<string> {
    if (!/^\d+$/.test(id)) return id;
    const known = this.userNames.get(id);
    if (known) return known;
    const user = await this.call<{ Name: string }>('GET', `user/${id}`, `user ${id}`);
    this.userNames.set(id, user.Name);
    return user.Name;
  }

  async read(id: string): Promise<TimedTicket> {
    const [ticket] = /^\d+$/.test(id) ? await this.search(`id = ${id}`) : [];
    if (!ticket) throw new TicketSystemRefused(`RT: ticket ${id} does not exist`, 404);
    return ticket;
  }

  async get(id: string, parts: { text?: boolean } = {}): Promise<TicketDetail> {
    const withText = parts.text !== false;
    // Three reads at once: RT answers each from another worker.
    const [ticket, history, attachments] = await Promise.all([
      this.read(id),
      this.call<Page<RtTransactionJson>>('GET', `ticket/${id}/history?fields=Type,Field,OldValue,NewValue,Created,Creator&per_page=500`, `ticket ${id} history`),
      withText ? this.call<Page<RtAttachmentJson>>('GET', `ticket/${id}/attachments?fields=TransactionId,ContentType,Content&per_page=500`, `ticket ${id} attachments`) : { items: [] as RtAttachmentJson[] },
    ]);
    const textOf = (transactionId: string) =>
      attachments.items.find((a) => a.TransactionId === transactionId && a.ContentType === 'text/plain' && a.Content)?.Content?.trim() ?? '';

    const created = history.items.find((t) => t.Type === 'Create');
    const ownerChange = [...history.items].reverse().find((t) => t.Field === 'Owner');
    const oldOwner = ownerChange ? rtOwner(await this.userName(ownerChange.OldValue)) : undefined;
    // The bot's own notes ("taken via dutydesk") are not what a ticket came back with.
    const me = withText ? await this.botName() : undefined;
    const lastNote = withText
      ? [...history.items].reverse().find((t) => (t.Type === 'Comment' || t.Type === 'Correspond') && t.Creator.id !== me && textOf(t.id))
      : undefined;
    return {
      ...ticket,
      description: created ? textOf(created.id) : '',
      previousOwner: oldOwner,
      lastComment: lastNote ? { author: lastNote.Creator.Name ?? lastNote.Creator.id, text: textOf(lastNote.id), at: lastNote.Created } : undefined,
    };
  }

  /** RT answers 200 with a list of messages even when a change was refused, so the result is read back. */
  private async update(id: string, fields: Record<string, string>, check: (t: Ticket) => boolean, what: string) {
    const messages = await this.call<string[]>('PUT', `ticket/${id}`, `${what} of ticket ${id}`, fields);
    const [after] = await this.search(`id = ${Number(id)}`);
    if (!after || !check(after)) throw new TicketSystemRefused(`RT refused the ${what} of ticket ${id}: ${messages.join('; ')}`);
  }

  async take(id: string, owner: string | undefined, note: string): Promise<void> {
    // Moving from "new" to "open" makes RT stamp Started: the response time.
    await this.update(id, { Owner: owner ?? 'Nobody', Status: 'open' }, (t) => t.owner === owner && t.state !== 'new', 'assignment');
    await this.comment(id, note);
  }

  async comment(id: string, text: string): Promise<void> {
    await this.call('POST', `ticket/${id}/comment`, `comment on ticket ${id}`, { Content: text, ContentType: 'text/plain' });
  }

  async create(ticket: NewTicket): Promise<{ id: string; url: string }> {
    const body = { Queue: ticket.queue, Subject: ticket.title, Content: ticket.text, ContentType: 'text/plain', ...(ticket.requester ? { Requestor: ticket.requester } : {}) };
    const created = await this.call<{ id: string }>('POST', 'ticket', 'ticket creation', body);
    return { id: String(created.id), url: rtTicketUrl(this.rtOptions, String(created.id)) };
  }

  async close(id: string, note: string): Promise<void> {
    await this.comment(id, note);
    await this.update(id, { Status: 'resolved' }, (t) => t.state === 'done', 'resolution');
  }

  async reopen(id: string, note: string): Promise<void> {
    await this.update(id, { Status: 'open' }, (t) => t.state !== 'done', 'reopening');
    await this.comment(id, note);
  }

  async correspond(id: string, text: string): Promise<void> {
    await this.call('POST', `ticket/${id}/correspond`, `reply on ticket ${id}`, { Content: text, ContentType: 'text/plain' });
  }
}
