/**
 * Request Tracker through its legacy REST 1.0 API: form posts with the bot's
 * REST session (see rt-auth.ts), answers in RFC 822-like "Key: value" text
 * with an RT status line. Ticket dates come in the bot account's time zone.
 */
import { zonedInstant } from '../../lib/time-zone';
import { httpCall } from './http';
import { RtAuth } from './rt-auth';
import { TicketSystemRefused, TicketSystemUnavailable, type NewTicket, type TicketDetail, type TicketSystem, type TimedTicket } from './port';
import { RtSearches, rtOwner, rtState, rtTicketUrl, type RtOptions } from './rt-common';

type Fields = Record<string, string>;

/** Parses records separated by "--"; continuation lines are indented under their key. */
export function parseRest1Records(body: string): Fields[] {
  return body
    .split(/\n--\n/)
    .map((chunk) => {
      const fields: Fields = {};
      let key: string | undefined;
      let indent = 0;
      for (const line of chunk.split('\n')) {
        const m = /^([A-Za-z][\w.{} -]*?):(?: (.*))?$/.exec(line);
        if (m && !/^\s/.test(line)) {
          key = m[1];
          indent = key.length + 2;
          fields[key] = m[2] ?? '';
        } else if (key && /^\s/.test(line)) {
          fields[key] += '\n' + line.slice(Math.min(indent, line.length - line.trimStart().length));
        } else if (!line.startsWith('#')) {
          key = undefined;
        }
      }
      for (const k of Object.keys(fields)) fields[k] = fields[k].replace(/\s+$/, '');
      return fields;
    })
    .filter((f) => Object.keys(f).length > 0);
}

const MONTHS = ['Jan', 'Feb', 'Mar', 'Apr', 'May', 'Jun', 'Jul', 'Aug', 'Sep', 'Oct', 'Nov', 'Dec'];

/**
 * A REST 1.0 date as ISO 8601 UTC: "2026-11-24 03:57:20" (history, always
 * UTC) or RT's display form "Tue Nov 24 03:57:20 2026" (ticket fields, on
 * the bot account's clock in `zone`).
 */
export function rest1Date(value: string | undefined, zone = 'UTC'): string | undefined {
  if (!value || value === 'Not set') return undefined;
  const iso = /^(\d{4})-(\d\d)-(\d\d) (\d\d):(\d\d):(\d\d)$/.exec(value);
  const shown = /^\w{3} (\w{3}) +(\d{1,2}) (\d\d):(\d\d):(\d\d) (\d{4})$/.exec(value);
  let ms: number;
  if (iso) ms = Date.UTC(+iso[1], +iso[2] - 1, +iso[3], +iso[4], +iso[5], +iso[6]);
  else if (shown && MONTHS.includes(shown[1])) ms = zonedInstant(zone, +shown[6], MONTHS.indexOf(shown[1]) + 1, +shown[2], +shown[3], +shown[4]) + +shown[5] * 1000;
  else return undefined;
  return Number.isNaN(ms) ? undefined : new Date(ms).toISOString().replace(/\.000Z$/, 'Z');
}

/** The content field of an edit or create: "Key: value" lines, continuation lines indented. */
function content(fields: Record<string, string>): string {
  return Object.entries(fields)
    .map(([k, v]) => `${k}: ${v.replace(/\n/g, '\n ')}`)
    .join('\n');
}

export class RtRest1 extends RtSearches implements TicketSystem {
  private readonly userNames = new Map<string, string>();

  private readonly auth: RtAuth;

  constructor(options: RtOptions) {
    super(options);
    this.auth = new RtAuth(options, this.clock, options.sessionMaxAgeMs);
  }

  protected override async ready(): Promise<void> {
    await this.auth.cookie();
  }

  /** Every request carries the session (else the credentials); RT answers HTTP 200 with its own status line first. */
  private async call(path: string, what: string, form: Record<string, string> = {}, retried = false): Promise<string> {
    const url = `${this.rtOptions.url.replace(/\/+$/, '')}/REST/1.0/${path}`;
    const cookie = await this.auth.cookie();
    const body = new URLSearchParams({ ...(cookie ? {} : this.auth.formCredentials()), ...form });
    const headers = cookie ? { cookie } : this.rtOptions.token ? this.auth.credentials() : undefined;
    const { text, serverTime } = await httpCall(url, { method: 'POST', body, headers }, `RT ${what}`);
    this.clock.observe(serverTime);
    const [statusLine = '', ...rest] = text.split('\n');
    const status = Number(/^RT\/\S+ (\d{3})/.exec(statusLine)?.[1] ?? 0);
    if (status === 401 && cookie && !retried) {
      // RT forgot the session: sign in again, once.
      await this.auth.forget(cookie);
      return this.call(path, what, form, true);
    }
    const payload = rest.join('\n').trim();
    const comments = payload
      .split('\n')
      .filter((l) => l.startsWith('# '))
      .map((l) => l.slice(2))
      .join('; ');
    if (status >= 500 || status === 0) throw new TicketSystemUnavailable(`RT ${what}: ${statusLine.trim() || 'no RT status line'}`);
    if (status !== 200) throw new TicketSystemRefused(`RT ${what}: ${statusLine.replace(/^RT\/\S+ /, '').trim()}${comments ? ` (${comments})` : payload ? ` (${payload.split('\n')[0]})` : ''}`, status);
    // RT says no about one ticket in comment lines under a 200 ("not allowed to display ticket 7" once it moved
    // to a queue the bot cannot see): final, as REST 2.0's "no such ticket" is. Refused credentials are the 401 above.
    if (/does not exist|no permission|permission denied|not allowed|could not|couldn't|invalid/i.test(comments)) throw new TicketSystemRefused(`RT ${what}: ${comments}`, 404);
    return payload;
  }

  private toTicket(f: Fields): TimedTicket {
    const id = (f.id ?? '').replace(/^ticket\//, '');
    const date = (value: string | undefined) => rest1Date(value, this.rtOptions.timeZone);
    return {
      id,
      title: f.Subject ?? '',
      queue: f.Queue ?? '',
      status: f.Status ?? '',
      state: rtState(f.Status ?? ''),
      owner: rtOwner(f.Owner),
      urgency: this.urgency(f.Priority, f.Queue ?? ''),
      due: date(f.Due),
      created: date(f.Created) ?? '',
      updated: date(f.LastUpdated) ?? '',
      responded: date(f.Started),
      resolved: date(f.Resolved),
      requester: f.Requestors?.split(',')[0]?.trim() || undefined,
      url: rtTicketUrl(this.rtOptions, id),
    };
  }

  protected async search(query: string, orderBy = 'LastUpdated'): Promise<TimedTicket[]> {
    const fields = 'id,Subject,Status,Priority,Queue,Owner,Due,Created,LastUpdated,Started,Resolved,Requestors';
    const params = new URLSearchParams({ query, orderby: `+${orderBy}`, format: 'l', fields });
    const body = await this.call(`search/ticket?${params}`, 'ticket search');
    if (/^No matching results\.?$/m.test(body)) return [];
    return parseRest1Records(body).map((f) => this.toTicket(f));
  }

  protected async userName(id: string): Promise<string> {
    if (!/^\d+$/.test(id)) return id;
    const known = this.userNames.get(id);
    if (known) return known;
    const [user] = parseRest1Records(await this.call(`user/${id}`, `user ${id}`));
    const name = user?.Name ?? id;
    this.userNames.set(id, name);
    return name;
  }

  async read(id: string): Promise<TimedTicket> {
    if (!/^\d+$/.test(id)) throw new TicketSystemRefused(`RT: ticket ${id} does not exist`, 404);
    const [fields] = parseRest1Records(await this.call(`ticket/${id}/show`, `ticket ${id}`));
    return this.toTicket({ ...fields, id });
  }

  async get(id: string, parts: { text?: boolean } = {}): Promise<TicketDetail> {
    const [ticket, history] = await Promise.all([this.read(id), this.call(`ticket/${id}/history?format=l`, `ticket ${id} history`).then(parseRest1Records)]);
    const created = history.find((t) => t.Type === 'Create');
    const ownerChange = [...history].reverse().find((t) => t.Field === 'Owner');
    // The bot's own notes ("taken via dutydesk") are not what a ticket came back with.
    const me = parts.text === false ? undefined : await this.botName();
    const lastNote = parts.text === false ? undefined : [...history].reverse().find((t) => (t.Type === 'Comment' || t.Type === 'Correspond') && t.Creator !== me && t.Content);
    return {
      ...ticket,
      description: created?.Content?.trim() ?? '',
      previousOwner: ownerChange ? rtOwner(await this.userName(ownerChange.OldValue)) : undefined,
      lastComment: lastNote ? { author: lastNote.Creator ?? '', text: lastNote.Content.trim(), at: rest1Date(lastNote.Created) ?? '' } : undefined,
    };
  }

  async take(id: string, owner: string | undefined, note: string): Promise<void> {
    // Moving from "new" to "open" makes RT stamp Started: the response time.
    await this.call(`ticket/${id}/edit`, `assignment of ticket ${id}`, { content: content({ Owner: owner ?? 'Nobody', Status: 'open' }) });
    await this.comment(id, note);
  }

  async comment(id: string, text: string): Promise<void> {
    await this.call(`ticket/${id}/comment`, `comment on ticket ${id}`, { content: content({ id, Action: 'comment', Text: text }) });
  }

  async create(ticket: NewTicket): Promise<{ id: string; url: string }> {
    const fields = { id: 'ticket/new', Queue: ticket.queue, ...(ticket.requester ? { Requestor: ticket.requester } : {}), Subject: ticket.title, Text: ticket.text };
    const body = await this.call('ticket/new', 'ticket creation', { content: content(fields) });
    const id = /Ticket (\d+) created/.exec(body)?.[1];
    if (!id) throw new TicketSystemRefused(`RT ticket creation: ${body.split('\n')[0]}`);
    return { id, url: rtTicketUrl(this.rtOptions, id) };
  }

  async close(id: string, note: string): Promise<void> {
    await this.comment(id, note);
    await this.call(`ticket/${id}/edit`, `resolution of ticket ${id}`, { content: content({ Status: 'resolved' }) });
  }

  async reopen(id: string, note: string): Promise<void> {
    await this.call(`ticket/${id}/edit`, `reopening of ticket ${id}`, { content: content({ Status: 'open' }) });
    await this.comment(id, note);
  }

  async correspond(id: string, text: string): Promise<void> {
    await this.call(`ticket/${id}/comment`, `reply on ticket ${id}`, { content: content({ id, Action: 'correspond', Text: text }) });
  }
}
