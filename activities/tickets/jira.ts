/**
 * Jira through its REST API: Cloud v3 (descriptions and comments in Atlassian
 * Document Format, people by accountId) and the legacy v2 (wiki markup, people
 * by user name). Ticket ids are issue keys (NET-12); queues are project keys.
 */
import { basicAuth, httpCall } from './http';
import { jiraWikiPlain, jiraWikiText } from './jira-wiki';
import { TicketSystemRefused, type NewTicket, type Ticket, type TicketChanges, type TicketDetail, type TicketSystem, type TimedTicket } from './port';
import { createdIn, DAY_MS, dueBy } from './ranges';

export interface JiraOptions {
  url: string;
  webUrl?: string;
  email: string;
  token: () => string;
  version: 2 | 3;
  /** A date-time field where the response time is marked (e.g. customfield_10050). */
  responseField?: string;
  /** Issue type of tickets opened from chat. */
  issueType?: string;
}

interface JiraUser {
  accountId?: string;
  name?: string;
  displayName?: string;
}
interface JiraIssue {
  key: string;
  fields: {
    summary: string;
    status: { name: string; statusCategory: { key: string } };
    assignee?: JiraUser | null;
    reporter?: JiraUser | null;
    priority?: { name: string } | null;
    duedate?: string | null;
    created: string;
    updated: string;
    resolutiondate?: string | null;
    project: { key: string };
    description?: unknown;
    comment?: { comments: { author: JiraUser; body: unknown; created: string }[] };
  };
  changelog?: { histories: { created: string; items: { field: string; from: string | null; to: string | null }[] }[] };
}

const FIELDS = 'summary,status,assignee,reporter,priority,duedate,created,updated,project';

/** Plain text of an Atlassian Document Format node (v3), or the string itself (v2). */
export function adfText(node: unknown): string {
  if (node === null || node === undefined) return '';
  if (typeof node === 'string') return node;
  const n = node as { type?: string; text?: string; content?: unknown[] };
  if (n.type === 'text') return n.text ?? '';
  if (n.type === 'hardBreak') return '\n';
  const inner = (n.content ?? []).map(adfText).join('');
  return n.type === 'paragraph' || n.type === 'heading' || n.type === 'listItem' ? `${inner}\n` : inner;
}

export function adfDocument(text: string): unknown {
  return { type: 'doc', version: 1, content: text.split('\n').map((line) => ({ type: 'paragraph', content: line ? [{ type: 'text', text: line }] : [] })) };
}

/** Jira writes 2026-11-24T03:57:20.123+0000; people and cursors want ISO in UTC. */
export function jiraDate(value: string): string {
  return new Date(value.replace(/([+-]\d\d)(\d\d)$/, '$1:$2')).toISOString();
}

interface JiraCursor {
  at: string;
  ids: string[];
}

export class JiraClient implements TicketSystem {
  private myself?: string;

  constructor(private readonly options: JiraOptions) {}

  /** The bot's own account, whose comments ("taken via dutydesk") are not what a ticket came back with. */
  private async me(): Promise<string | undefined> {
    this.myself ??= this.login(await this.call<JiraUser>('GET', 'myself', 'current user'));
    return this.myself;
  }

  private async call<T>(method: string, path: string, what: string, body?: unknown): Promise<T> {
    const url = `${this.options.url.replace(/\/+$/, '')}/rest/api/${this.options.version}/${path}`;
    const headers: Record<string, string> = { authorization: basicAuth(this.options.email, this.options.token()), accept: 'application/json' };
    if (body !== undefined) headers['content-type'] = 'application/json';
    const { text } = await httpCall(url, { method, headers, body: body === undefined ? undefined : JSON.stringify(body) }, `Jira ${what}`);
    return (text ? JSON.parse(text) : undefined) as T;
  }

  private login(user: JiraUser | null | undefined): string | undefined {
    if (!user) return undefined;
    return this.options.version === 3 ? user.accountId : user.name;
  }

  private url(key: string): string {
    return `${(this.options.webUrl ?? this.options.url).replace(/\/+$/, '')}/browse/${encodeURIComponent(key)}`;
  }

  private toTicket(issue: JiraIssue): Ticket {
    const f = issue.fields;
    const category = f.status.statusCategory.key;
    return {
      id: issue.key,
      title: f.summary,
      queue: f.project.key,
      status: f.status.name,
      state: category === 'done' ? 'done' : category === 'new' ? 'new' : 'open',
      owner: this.login(f.assignee),
      urgency: f.priority?.name,
      // A due date is a day: due by its end.
      due: f.duedate ? new Date(`${f.duedate}T23:59:59Z`).toISOString() : undefined,
      created: jiraDate(f.created),
      updated: jiraDate(f.updated),
      requester: this.login(f.reporter),
      url: this.url(issue.key),
    };
  }

  /** v3 pages with nextPageToken (/search/jql), v2 with startAt (/search). */
  private async search(jql: string, extra: { fields?: string; expand?: string } = {}): Promise<JiraIssue[]> {
    const found: JiraIssue[] = [];
    let nextPageToken: string | undefined;
    for (let startAt = 0; ; ) {
      const params = new URLSearchParams({ jql, fields: extra.fields ? `${FIELDS},${extra.fields}` : FIELDS, maxResults: '100' });
      if (extra.expand) params.set('expand', extra.expand);
      if (this.options.version === 3) {
        if (nextPageToken) params.set('nextPageToken', nextPageToken);
        const page = await this.call<{ issues: JiraIssue[]; nextPageToken?: string; isLast?: boolean }>('GET', `search/jql?${params}`, 'search');
        found.push(...page.issues);
        if (!page.nextPageToken || page.isLast || page.issues.length === 0) return found;
        nextPageToken = page.nextPageToken;
      } else {
        params.set('startAt', String(startAt));
        const page = await this.call<{ issues: JiraIssue[]; total: number }>('GET', `search?${params}`, 'search');
        found.push(...page.issues);
        startAt += page.issues.length;
        if (startAt >= page.total || page.issues.length === 0) return found;
      }
    }
  }

  /**
   * JQL compares dates to the minute, in the account's time zone; a relative
   * "-Nm" avoids the zone, and the cursor (exact time plus the keys seen at
   * it) drops what an earlier poll already returned.
   */
  async changes(queues: string[], cursor: string | undefined, since: Date): Promise<TicketChanges> {
    const after: JiraCursor = cursor ? (JSON.parse(cursor) as JiraCursor) : { at: since.toISOString(), ids: [] };
    const minutes = Math.max(1, Math.ceil((Date.now() - Date.parse(after.at)) / 60_000) + 1);
    const issues = await this.search(`project in (${this.projects(queues)}) AND updated >= "-${minutes}m" ORDER BY updated ASC`);
    const tickets = issues.map((i) => this.toTicket(i)).filter((t) => t.updated > after.at || (t.updated === after.at && !after.ids.includes(t.id)));
    let next = after;
    for (const t of tickets) {
      if (t.updated > next.at) next = { at: t.updated, ids: [t.id] };
      else if (t.updated === next.at) next = { at: next.at, ids: [...next.ids, t.id] };
    }
    return { tickets, cursor: JSON.stringify(next) };
  }

  private projects(queues: string[]): string {
    return queues.map((q) => `"${q.replace(/"/g, '\\"')}"`).join(', ');
  }

  /** JQL compares due dates by day: ask up to the day after, keep the exact range. */
  async dueBefore(queues: string[], until: Date): Promise<Ticket[]> {
    const day = new Date(until.getTime() + DAY_MS).toISOString().slice(0, 10);
    const issues = await this.search(`project in (${this.projects(queues)}) AND statusCategory != Done AND duedate <= "${day}" ORDER BY duedate ASC`);
    return issues.map((i) => this.toTicket(i)).filter(dueBy(until));
  }

  /**
   * Responded: the configured response field, else the first change of
   * assignee or status in the changelog. JQL dates are in the account's
   * zone, so a day more is asked on each side.
   */
  async createdBetween(queues: string[], from: Date, to: Date): Promise<TimedTicket[]> {
    const day = (ms: number) => new Date(ms).toISOString().slice(0, 10);
    const jql = `project in (${this.projects(queues)}) AND created >= "${day(from.getTime() - DAY_MS)}" AND created < "${day(to.getTime() + 2 * DAY_MS)}" ORDER BY created ASC`;
    const field = this.options.responseField;
    const issues = await this.search(jql, { fields: ['resolutiondate', ...(field ? [field] : [])].join(','), expand: field ? undefined : 'changelog' });
    return issues
      .map((issue): TimedTicket => {
        const marked = field ? (issue.fields as Record<string, unknown>)[field] : undefined;
        const firstChange = (issue.changelog?.histories ?? [])
          .filter((h) => h.items.some((i) => i.field === 'assignee' || i.field === 'status'))
          .map((h) => jiraDate(h.created))
          .sort()[0];
        const responded = typeof marked === 'string' && marked ? jiraDate(marked) : field ? undefined : firstChange;
        const resolved = issue.fields.resolutiondate ? jiraDate(issue.fields.resolutiondate) : undefined;
        return { ...this.toTicket(issue), responded, resolved };
      })
      .filter(createdIn(from, to));
  }

  async read(id: string): Promise<Ticket> {
    return this.toTicket(await this.call<JiraIssue>('GET', `issue/${encodeURIComponent(id)}?fields=${FIELDS}`, `issue ${id}`));
  }

  /** One request gives everything; `parts` saves nothing here. */
  async get(id: string): Promise<TicketDetail> {
    const issue = await this.call<JiraIssue>('GET', `issue/${encodeURIComponent(id)}?fields=${FIELDS},description,comment&expand=changelog`, `issue ${id}`);
    const ticket = this.toTicket(issue);
    const histories = issue.changelog?.histories ?? [];
    const assigneeChanges = histories.flatMap((h) => h.items.filter((i) => i.field === 'assignee').map((i) => ({ ...i, at: h.created })));
    const lastChange = assigneeChanges.sort((a, b) => jiraDate(a.at).localeCompare(jiraDate(b.at))).pop();
    const me = await this.me();
    const comments = (issue.fields.comment?.comments ?? []).filter((c) => this.login(c.author) !== me);
    const last = comments[comments.length - 1];
    return {
      ...ticket,
      description: this.text(issue.fields.description),
      previousOwner: lastChange?.from ?? undefined,
      lastComment: last ? { author: last.author.displayName ?? this.login(last.author) ?? '', text: this.text(last.body), at: jiraDate(last.created) } : undefined,
    };
  }

  /** Text as people read it: v3's document as lines; v2's wiki markup without the escapes (ours, or a person's). */
  private text(field: unknown): string {
    const text = adfText(field).trim();
    return this.options.version === 3 ? text : jiraWikiPlain(text);
  }

  /** v3: a document of plain paragraphs; v2: wiki markup, so our text is escaped to read as written. */
  private body(text: string): unknown {
    return this.options.version === 3 ? adfDocument(text) : jiraWikiText(text);
  }

  /** Moves the issue to the first transition whose target is in one of the status categories, in their order; false when it has none. */
  private async transition(id: string, ...categories: ('new' | 'indeterminate' | 'done')[]): Promise<boolean> {
    const { transitions } = await this.call<{ transitions: { id: string; to: { statusCategory: { key: string } } }[] }>('GET', `issue/${encodeURIComponent(id)}/transitions`, `transitions of ${id}`);
    for (const category of categories) {
      const target = transitions.find((tr) => tr.to.statusCategory.key === category);
      if (!target) continue;
      await this.call('POST', `issue/${encodeURIComponent(id)}/transitions`, `transition of ${id}`, { transition: { id: target.id } });
      return true;
    }
    return false;
  }

  async take(id: string, owner: string | undefined, note: string): Promise<void> {
    const who = this.options.version === 3 ? { accountId: owner ?? null } : { name: owner ?? null };
    await this.call('PUT', `issue/${encodeURIComponent(id)}/assignee`, `assignment of ${id}`, who);
    const issue = await this.call<JiraIssue>('GET', `issue/${encodeURIComponent(id)}?fields=status`, `issue ${id}`);
    if (issue.fields.status.statusCategory.key === 'new') await this.transition(id, 'indeterminate');
    if (this.options.responseField) {
      await this.call('PUT', `issue/${encodeURIComponent(id)}`, `response time of ${id}`, { fields: { [this.options.responseField]: new Date().toISOString().replace('Z', '+0000') } });
    }
    await this.comment(id, note);
  }

  async comment(id: string, text: string): Promise<void> {
    await this.call('POST', `issue/${encodeURIComponent(id)}/comment`, `comment on ${id}`, { body: this.body(text) });
  }

  async create(ticket: NewTicket): Promise<{ id: string; url: string }> {
    const fields: Record<string, unknown> = {
      project: { key: ticket.queue },
      summary: ticket.title,
      description: this.body(ticket.text),
      issuetype: { name: this.options.issueType ?? 'Task' },
    };
    if (ticket.requester) fields.reporter = this.options.version === 3 ? { accountId: ticket.requester } : { name: ticket.requester };
    const created = await this.call<{ key: string }>('POST', 'issue', 'issue creation', { fields });
    return { id: created.key, url: this.url(created.key) };
  }

  async close(id: string, note: string): Promise<void> {
    await this.comment(id, note);
    if (!(await this.transition(id, 'done'))) throw new TicketSystemRefused(`Jira offers no transition from the status of ${id} to one in the Done category: add one to the project's workflow`);
  }

  /** Whether the project's workflow has a status in the Done category at all, for each issue type. */
  async closeProblem(project: string): Promise<string | undefined> {
    const types = await this.call<{ name: string; statuses: { name: string; statusCategory: { key: string } }[] }[]>('GET', `project/${encodeURIComponent(project)}/statuses`, `statuses of project ${project}`);
    const type = types.find((t) => t.name === (this.options.issueType ?? 'Task')) ?? types[0];
    if (!type) return `Jira project ${project} has no issue types dutydesk can open`;
    if (!type.statuses.some((st) => st.statusCategory.key === 'done')) return `Jira project ${project} has no status in the Done category for ${type.name} issues, so dutydesk could never close the tickets it opens there: add one (such as Done) to the project's workflow`;
    return undefined;
  }

  async reopen(id: string, note: string): Promise<void> {
    if (!(await this.transition(id, 'indeterminate', 'new'))) throw new TicketSystemRefused(`Jira offers no transition that reopens ${id} (to a status in To Do or In Progress): add one to the project's workflow`);
    await this.comment(id, note);
  }

  /** Jira mails no requestor of its own: a comment, which notifies the issue's reporter and watchers. */
  async correspond(id: string, text: string): Promise<void> {
    await this.comment(id, text);
  }
}
