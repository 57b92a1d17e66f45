/**
 * A local server that answers as Jira's REST API does, for the calls dutydesk
 * makes: enhanced JQL search (v3 /search/jql with nextPageToken) and the
 * legacy search (v2 /search with startAt), issues with changelog and comments,
 * assignee, transitions, field edits, comments, issue creation, /myself,
 * a project's statuses (a project can be told to have no Done status).
 * v3 bodies are Atlassian Document Format and people are accountIds; v2
 * bodies are strings and people are user names. Basic auth is checked; it
 * can be told to answer 503 for a while. The tests post Jira's webhook bodies themselves.
 */
import http from 'node:http';
import type { AddressInfo } from 'node:net';

interface Person {
  accountId: string;
  name: string;
  displayName: string;
}

interface Issue {
  key: string;
  project: string;
  summary: string;
  description: string;
  status: 'To Do' | 'In Progress' | 'Done';
  assignee?: string;
  reporter?: string;
  priority: string;
  duedate?: string;
  created: string;
  updated: string;
  resolutiondate?: string;
  fields: Record<string, unknown>;
  comments: { author: string; body: string; created: string }[];
  histories: { created: string; items: { field: string; from: string | null; to: string | null }[] }[];
}

const CATEGORY = { 'To Do': 'new', 'In Progress': 'indeterminate', Done: 'done' } as const;
const TRANSITIONS = [
  { id: '11', name: 'To Do', to: 'To Do' },
  { id: '21', name: 'Start work', to: 'In Progress' },
  { id: '31', name: 'Done', to: 'Done' },
] as const;

/** Jira's timestamp form: 2026-11-24T03:57:20.123+0000. */
const jiraTime = (ms: number) => new Date(ms).toISOString().replace('Z', '+0000');

export class JiraApi {
  private server?: http.Server;
  readonly issues = new Map<string, Issue>();
  readonly people: Person[];
  readonly calls: { method: string; path: string }[] = [];
  private seq = new Map<string, number>();
  /** Answer 503 to this many calls (Jira overloaded or down). */
  unavailableCalls = 0;
  /** Projects whose workflow lacks a Done status (GET project/<key>/statuses says so; transitions offer none). */
  readonly withoutDone = new Set<string>();

  constructor(
    readonly email = 'dutydesk-bot@example.com',
    readonly token = 'jira-api-token',
    people: string[] = ['alice', 'bob', 'dan'],
  ) {
    this.people = [{ accountId: 'acc-bot', name: 'dutydesk-bot', displayName: 'dutydesk bot' }, ...people.map((p) => ({ accountId: `acc-${p}`, name: p, displayName: p[0].toUpperCase() + p.slice(1) }))];
  }

  get url(): string {
    return `http://127.0.0.1:${(this.server!.address() as AddressInfo).port}`;
  }

  async start(): Promise<this> {
    this.server = http.createServer((req, res) => void this.handle(req, res));
    await new Promise<void>((r) => this.server!.listen(0, '127.0.0.1', () => r()));
    return this;
  }

  async stop(): Promise<void> {
    this.server?.closeAllConnections();
    await new Promise((r) => this.server?.close(r));
  }

  /** As someone in Jira's own UI: creates an issue. */
  create(project: string, summary: string, description = '', priority = 'Medium'): Issue {
    const n = (this.seq.get(project) ?? 0) + 1;
    this.seq.set(project, n);
    const now = jiraTime(Date.now());
    const issue: Issue = { key: `${project}-${n}`, project, summary, description, status: 'To Do', priority, created: now, updated: now, fields: {}, comments: [], histories: [] };
    this.issues.set(issue.key, issue);
    return issue;
  }

  /** As someone in Jira's own UI: changes the assignee (a user name, or undefined). */
  assign(key: string, name: string | undefined, by = 'alice'): void {
    const issue = this.issues.get(key)!;
    this.touch(issue, [{ field: 'assignee', from: this.idOf(issue.assignee, 3), to: this.idOf(name, 3) }]);
    issue.assignee = name;
    void by;
  }

  comment(key: string, author: string, body: string): void {
    const issue = this.issues.get(key)!;
    issue.comments.push({ author, body, created: jiraTime(Date.now()) });
    this.touch(issue, []);
  }

  setStatus(key: string, status: Issue['status']): void {
    const issue = this.issues.get(key)!;
    this.touch(issue, [{ field: 'status', from: issue.status, to: status }]);
    issue.status = status;
    issue.resolutiondate = status === 'Done' ? issue.updated : undefined;
  }

  /** As an import would: an issue with known times (ms), its history included. */
  seed(project: string, summary: string, times: { created: number; assigned?: number; resolved?: number; due?: string; assignee?: string; priority?: string; status?: Issue['status'] }): Issue {
    const issue = this.create(project, summary, '', times.priority ?? 'Medium');
    issue.created = jiraTime(times.created);
    issue.updated = issue.created;
    issue.duedate = times.due;
    issue.status = times.status ?? (times.resolved ? 'Done' : times.assigned ? 'In Progress' : 'To Do');
    if (times.assignee) {
      issue.assignee = times.assignee;
      if (times.assigned) issue.histories.push({ created: jiraTime(times.assigned), items: [{ field: 'assignee', from: null, to: this.idOf(times.assignee, 3) }] });
    }
    if (times.resolved) issue.resolutiondate = jiraTime(times.resolved);
    return issue;
  }

  private touch(issue: Issue, items: Issue['histories'][number]['items']) {
    issue.updated = jiraTime(Math.max(Date.now(), Date.parse(issue.updated.replace('+0000', 'Z')) + 1));
    if (items.length) issue.histories.push({ created: issue.updated, items });
  }

  private person(name: string | undefined) {
    return this.people.find((p) => p.name === name);
  }

  /** accountId for v3, user name for v2. */
  private idOf(name: string | undefined, version: number): string | null {
    const p = this.person(name);
    if (!p) return null;
    return version === 3 ? p.accountId : p.name;
  }

  private byId(id: string | null | undefined, version: number): Person | undefined {
    if (!id) return undefined;
    return this.people.find((p) => (version === 3 ? p.accountId === id : p.name === id));
  }

  private personJson(name: string | undefined, version: number) {
    const p = this.person(name);
    if (!p) return null;
    return version === 3 ? { accountId: p.accountId, displayName: p.displayName } : { name: p.name, displayName: p.displayName };
  }

  private text(body: string, version: number): unknown {
    return version === 3 ? { type: 'doc', version: 1, content: body.split('\n').map((l) => ({ type: 'paragraph', content: l ? [{ type: 'text', text: l }] : [] })) } : body;
  }

  private plain(body: unknown): string {
    if (typeof body === 'string') return body;
    const walk = (n: { type?: string; text?: string; content?: unknown[] }): string =>
      n.type === 'text' ? n.text ?? '' : (n.content ?? []).map((c) => walk(c as never)).join('') + (n.type === 'paragraph' ? '\n' : '');
    return walk(body as never).trim();
  }

  private json(issue: Issue, version: number, expand: boolean) {
    return {
      key: issue.key,
      fields: {
        summary: issue.summary,
        status: { name: issue.status, statusCategory: { key: CATEGORY[issue.status] } },
        assignee: this.personJson(issue.assignee, version),
        reporter: this.personJson(issue.reporter, version),
        priority: { name: issue.priority },
        duedate: issue.duedate ?? null,
        created: issue.created,
        updated: issue.updated,
        resolutiondate: issue.resolutiondate ?? null,
        project: { key: issue.project },
        description: issue.description ? this.text(issue.description, version) : null,
        comment: { comments: issue.comments.map((c) => ({ author: this.personJson(c.author, version), body: this.text(c.body, version), created: c.created })) },
        ...issue.fields,
      },
      ...(expand ? { changelog: { histories: issue.histories.map((h) => ({ created: h.created, items: h.items.map((i) => (i.field === 'assignee' && version === 2 ? { ...i, from: this.byId(i.from, 3)?.name ?? null, to: this.byId(i.to, 3)?.name ?? null } : i)) })) } } : {}),
    };
  }

  /**
   * The JQL dutydesk sends, after `project in ("A", "B") AND`: updated >= "-Nm"
   * (changes), statusCategory != Done AND duedate <= "day" (deadlines), created
   * >= "day" AND created < "day" (OLA). Anything else is a 400, as a real Jira
   * would answer what it cannot parse. Dates are read in UTC, the account's zone here.
   */
  private search(jql: string): Issue[] | undefined {
    const m = /^project in \(((?:"[^"]+"(?:, )?)+)\) AND (.*) ORDER BY (updated|duedate|created) ASC$/.exec(jql);
    if (!m) return undefined;
    const projects = [...m[1].matchAll(/"([^"]+)"/g)].map((x) => x[1]);
    const time = (jira: string) => Date.parse(jira.replace('+0000', 'Z'));
    const day = (text: string) => Date.parse(`${text}T00:00:00Z`);
    let keep: (i: Issue) => boolean;
    let m2: RegExpExecArray | null;
    if ((m2 = /^updated >= "-(\d+)m"$/.exec(m[2]))) {
      // Jira compares to the minute.
      const since = Math.floor((Date.now() - Number(m2[1]) * 60_000) / 60_000) * 60_000;
      keep = (i) => time(i.updated) >= since;
    } else if ((m2 = /^statusCategory != Done AND duedate <= "(\d{4}-\d\d-\d\d)"$/.exec(m[2]))) {
      const until = day(m2[1]);
      keep = (i) => i.status !== 'Done' && i.duedate !== undefined && day(i.duedate) <= until;
    } else if ((m2 = /^created >= "(\d{4}-\d\d-\d\d)" AND created < "(\d{4}-\d\d-\d\d)"$/.exec(m[2]))) {
      const [from, to] = [day(m2[1]), day(m2[2])];
      keep = (i) => time(i.created) >= from && time(i.created) < to;
    } else return undefined;
    const order = m[3] as 'updated' | 'duedate' | 'created';
    return [...this.issues.values()].filter((i) => projects.includes(i.project) && keep(i)).sort((a, b) => (a[order] ?? '').localeCompare(b[order] ?? ''));
  }

  private async handle(req: http.IncomingMessage, res: http.ServerResponse) {
    const chunks: Buffer[] = [];
    for await (const c of req) chunks.push(c as Buffer);
    const raw = Buffer.concat(chunks).toString('utf8');
    const url = new URL(req.url ?? '/', 'http://jira');
    this.calls.push({ method: req.method ?? '', path: url.pathname });
    const send = (status: number, body?: unknown) => {
      res.writeHead(status, { 'content-type': 'application/json' });
      res.end(body === undefined ? '' : JSON.stringify(body));
    };
    const expected = `Basic ${Buffer.from(`${this.email}:${this.token}`).toString('base64')}`;
    if (req.headers.authorization !== expected) return send(401, { errorMessages: ['You are not authenticated. Authentication required to perform this operation.'] });
    if (this.unavailableCalls > 0) {
      this.unavailableCalls--;
      return send(503, { errorMessages: ['Service Unavailable'] });
    }
    const m = /^\/rest\/api\/(2|3)\/(.*)$/.exec(url.pathname);
    if (!m) return send(404, { errorMessages: ['No such API'] });
    const version = Number(m[1]);
    const route = m[2];
    const body = raw ? (JSON.parse(raw) as Record<string, unknown>) : {};

    if (route === 'myself') return send(200, this.personJson('dutydesk-bot', version));
    const statuses = /^project\/([^/]+)\/statuses$/.exec(route);
    if (statuses && req.method === 'GET') {
      const project = decodeURIComponent(statuses[1]);
      const names = (['To Do', 'In Progress', 'Done'] as const).filter((n) => n !== 'Done' || !this.withoutDone.has(project));
      return send(200, [{ id: '10001', name: 'Task', subtask: false, statuses: names.map((n, i) => ({ id: String(i + 1), name: n, statusCategory: { key: CATEGORY[n] } })) }]);
    }
    if ((version === 3 && route === 'search/jql') || (version === 2 && route === 'search')) {
      const found = this.search(url.searchParams.get('jql') ?? '');
      if (!found) return send(400, { errorMessages: [`Error in the JQL Query: ${url.searchParams.get('jql')}`] });
      const max = Number(url.searchParams.get('maxResults') ?? 50);
      const start = version === 3 ? Number(url.searchParams.get('nextPageToken') ?? 0) : Number(url.searchParams.get('startAt') ?? 0);
      const page = found.slice(start, start + max).map((i) => this.json(i, version, url.searchParams.get('expand') === 'changelog'));
      if (version === 2) return send(200, { startAt: start, maxResults: max, total: found.length, issues: page });
      const next = start + max < found.length ? String(start + max) : undefined;
      return send(200, { issues: page, ...(next ? { nextPageToken: next } : { isLast: true }) });
    }
    if (route === 'issue' && req.method === 'POST') {
      const fields = body.fields as { project: { key: string }; summary: string; description: unknown; reporter?: { accountId?: string; name?: string } };
      if (!fields?.project?.key || !fields.summary) return send(400, { errors: { summary: 'You must specify a summary of the issue.' } });
      const issue = this.create(fields.project.key, fields.summary, this.plain(fields.description));
      issue.reporter = this.byId(fields.reporter?.accountId ?? fields.reporter?.name, version)?.name;
      return send(201, { id: String(this.issues.size), key: issue.key, self: `${this.url}/rest/api/${version}/issue/${issue.key}` });
    }
    const issueRoute = /^issue\/([^/]+)(?:\/(assignee|transitions|comment))?$/.exec(route);
    const issue = issueRoute ? this.issues.get(decodeURIComponent(issueRoute[1])) : undefined;
    if (!issueRoute || !issue) return send(404, { errorMessages: ['Issue does not exist or you do not have permission to see it.'] });
    const sub = issueRoute[2];
    if (!sub && req.method === 'GET') return send(200, this.json(issue, version, url.searchParams.get('expand') === 'changelog'));
    if (!sub && req.method === 'PUT') {
      Object.assign(issue.fields, (body.fields as Record<string, unknown>) ?? {});
      this.touch(issue, []);
      return send(204);
    }
    if (sub === 'assignee' && req.method === 'PUT') {
      const id = (version === 3 ? body.accountId : body.name) as string | null;
      const person = this.byId(id, version);
      if (id && !person) return send(400, { errorMessages: [`User '${id}' cannot be assigned issues.`] });
      this.touch(issue, [{ field: 'assignee', from: this.idOf(issue.assignee, 3), to: this.idOf(person?.name, 3) }]);
      issue.assignee = person?.name;
      return send(204);
    }
    if (sub === 'transitions' && req.method === 'GET') {
      return send(200, { transitions: TRANSITIONS.filter((t) => t.to !== issue.status && (t.to !== 'Done' || !this.withoutDone.has(issue.project))).map((t) => ({ id: t.id, name: t.name, to: { name: t.to, statusCategory: { key: CATEGORY[t.to] } } })) });
    }
    if (sub === 'transitions' && req.method === 'POST') {
      const target = TRANSITIONS.find((t) => t.id === (body.transition as { id?: string })?.id);
      if (!target) return send(400, { errorMessages: ['Transition id is not valid.'] });
      this.setStatus(issue.key, target.to);
      return send(204);
    }
    if (sub === 'comment' && req.method === 'POST') {
      this.comment(issue.key, 'dutydesk-bot', this.plain(body.body));
      return send(201, { id: String(issue.comments.length) });
    }
    return send(405, { errorMessages: ['Method not allowed'] });
  }
}
