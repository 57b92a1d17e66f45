/**
 * A local server that answers as Confluence Cloud's REST API does for what
 * the inventory publication calls (developer.atlassian.com, "The Confluence
 * Cloud REST API v2" and v1's content attachments): GET /wiki/api/v2/spaces
 * ?keys=, GET /wiki/api/v2/pages?space-id=&title=&body-format=storage,
 * POST /wiki/api/v2/pages, PUT /wiki/api/v2/pages/{id} (409 unless the
 * version is the current one + 1), GET /wiki/api/v2/pages/{id}/attachments
 * ?filename=, PUT /wiki/rest/api/content/{id}/child/
 * attachment (multipart, refused without X-Atlassian-Token: no-check), Basic
 * auth with an e-mail and an API token, v2's {errors: [...]} bodies.
 */
import http from 'node:http';
import type { AddressInfo } from 'node:net';

export interface PeerPage {
  id: string;
  spaceId: string;
  parentId?: string;
  title: string;
  status: 'current';
  versions: { number: number; message: string; authorId: string; body: string }[];
  attachments: Map<string, { bytes: Buffer; type: string; versions: number; comment: string }>;
}

export class ConfluencePeer {
  private server?: http.Server;
  readonly pages = new Map<string, PeerPage>();
  readonly spaces = [{ id: '98306', key: 'NET', name: 'Network' }];
  /** Each request's method and path, in order. */
  readonly requests: { method: string; path: string }[] = [];
  /** Runs before the next page PUT is handled, once (a concurrent writer, say). */
  beforeNextPut?: (page: PeerPage) => void;
  /** Answer 503 to this many requests. */
  unavailable = 0;
  private nextId = 1001;

  constructor(readonly account = { email: 'bot@example.com', token: 'ATATT3xFfGF0-confluence-api-token' }) {}

  get url(): string {
    return `http://127.0.0.1:${(this.server!.address() as AddressInfo).port}/wiki`;
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

  page(title: string): PeerPage | undefined {
    return [...this.pages.values()].find((p) => p.title === title);
  }

  current(page: PeerPage) {
    return page.versions[page.versions.length - 1];
  }

  /** A person edits the page in the editor: a new version with their own (often empty) message. */
  editByHand(title: string, body: string, authorId = '5b10a2844c20165700ede21g'): PeerPage {
    const page = this.page(title)!;
    page.versions.push({ number: this.current(page).number + 1, message: '', authorId, body });
    return page;
  }

  /** A page made by someone else, before dutydesk published. */
  addPage(title: string, body: string, spaceId = this.spaces[0].id): PeerPage {
    const page: PeerPage = { id: String(this.nextId++), spaceId, title, status: 'current', versions: [{ number: 1, message: '', authorId: 'someone', body }], attachments: new Map() };
    this.pages.set(page.id, page);
    return page;
  }

  private json(page: PeerPage, withBody: boolean) {
    const v = this.current(page);
    return {
      id: page.id,
      status: page.status,
      title: page.title,
      spaceId: page.spaceId,
      parentId: page.parentId ?? null,
      parentType: page.parentId ? 'page' : null,
      authorId: page.versions[0].authorId,
      createdAt: '2026-12-01T00:00:00.000Z',
      version: { createdAt: '2026-12-01T00:00:00.000Z', message: v.message, number: v.number, minorEdit: false, authorId: v.authorId },
      ...(withBody ? { body: { storage: { representation: 'storage', value: v.body } } } : {}),
      _links: { webui: `/spaces/${this.spaces.find((s) => s.id === page.spaceId)?.key}/pages/${page.id}/${encodeURIComponent(page.title.replace(/ /g, '+'))}`, editui: `/pages/resumedraft.action?draftId=${page.id}`, tinyui: `/x/${page.id}` },
    };
  }

  private async handle(req: http.IncomingMessage, res: http.ServerResponse): Promise<void> {
    const url = new URL(req.url ?? '/', 'http://peer');
    const chunks: Buffer[] = [];
    for await (const c of req) chunks.push(c as Buffer);
    const raw = Buffer.concat(chunks);
    const send = (status: number, body: unknown) => void res.writeHead(status, { 'content-type': 'application/json;charset=UTF-8' }).end(JSON.stringify(body));
    const error = (status: number, code: string, title: string) => send(status, { errors: [{ status, code, title, detail: null }] });
    this.requests.push({ method: req.method ?? '', path: url.pathname });
    if (this.unavailable > 0) {
      this.unavailable--;
      return error(503, 'SERVICE_UNAVAILABLE', 'Service Unavailable');
    }
    const expected = `Basic ${Buffer.from(`${this.account.email}:${this.account.token}`).toString('base64')}`;
    if (req.headers.authorization !== expected) return send(401, { code: 401, message: 'Unauthorized; scope does not match' });
    const q = url.searchParams;
    const pageMatch = /^\/wiki\/api\/v2\/pages\/(\d+)$/.exec(url.pathname);
    const attachMatch = /^\/wiki\/rest\/api\/content\/(\d+)\/child\/attachment$/.exec(url.pathname);
    if (req.method === 'GET' && url.pathname === '/wiki/api/v2/spaces') {
      const keys = q.getAll('keys').flatMap((k) => k.split(','));
      return send(200, { results: this.spaces.filter((s) => keys.length === 0 || keys.includes(s.key)).map((s) => ({ ...s, type: 'global', status: 'current' })), _links: { base: this.url } });
    }
    if (req.method === 'GET' && url.pathname === '/wiki/api/v2/pages') {
      const spaceIds = q.getAll('space-id').flatMap((k) => k.split(','));
      const title = q.get('title');
      const found = [...this.pages.values()].filter((p) => (spaceIds.length === 0 || spaceIds.includes(p.spaceId)) && (title === null || p.title === title));
      return send(200, { results: found.map((p) => this.json(p, q.get('body-format') === 'storage')), _links: { base: this.url } });
    }
    const attachmentsMatch = /^\/wiki\/api\/v2\/pages\/(\d+)\/attachments$/.exec(url.pathname);
    if (req.method === 'GET' && attachmentsMatch) {
      const page = this.pages.get(attachmentsMatch[1]);
      if (!page) return error(404, 'NOT_FOUND', 'Not Found');
      const name = q.get('filename');
      const found = [...page.attachments.entries()].filter(([n]) => name === null || n === name);
      return send(200, { results: found.map(([n, a]) => ({ id: `att${page.id}`, status: 'current', title: n, mediaType: a.type, fileSize: a.bytes.length, comment: a.comment, pageId: page.id, version: { number: a.versions } })), _links: {} });
    }
    if (req.method === 'GET' && pageMatch) {
      const page = this.pages.get(pageMatch[1]);
      return page ? send(200, this.json(page, q.get('body-format') === 'storage')) : error(404, 'NOT_FOUND', 'Not Found');
    }
    if (req.method === 'POST' && url.pathname === '/wiki/api/v2/pages') {
      const body = JSON.parse(raw.toString('utf8') || '{}');
      if (!this.spaces.some((s) => s.id === String(body.spaceId))) return error(400, 'INVALID_REQUEST_PARAMETER', 'Provided value for spaceId is not valid');
      if (body.parentId && !this.pages.has(String(body.parentId))) return error(400, 'INVALID_REQUEST_PARAMETER', 'Provided value for parentId is not valid');
      if ([...this.pages.values()].some((p) => p.spaceId === String(body.spaceId) && p.title === body.title)) return error(400, 'INVALID_MESSAGE', 'A page with this title already exists: A page already exists with the same TITLE in this space');
      const page: PeerPage = { id: String(this.nextId++), spaceId: String(body.spaceId), parentId: body.parentId, title: body.title, status: 'current', versions: [{ number: 1, message: '', authorId: 'dutydesk-bot', body: body.body?.value ?? '' }], attachments: new Map() };
      this.pages.set(page.id, page);
      return send(200, this.json(page, false));
    }
    if (req.method === 'PUT' && pageMatch) {
      const page = this.pages.get(pageMatch[1]);
      if (!page) return error(404, 'NOT_FOUND', 'Not Found');
      const racer = this.beforeNextPut;
      this.beforeNextPut = undefined;
      racer?.(page);
      const body = JSON.parse(raw.toString('utf8') || '{}');
      if (body.id !== page.id || body.status !== 'current' || typeof body.title !== 'string' || body.body?.representation !== 'storage') return error(400, 'INVALID_REQUEST_PARAMETER', 'id, status, title and body (storage) are required');
      const now = this.current(page).number;
      if (body.version?.number !== now + 1) return error(409, 'CONFLICT', `Version must be incremented when updating a page. Current Version: [${now}]. Provided version: [${body.version?.number}]`);
      page.title = body.title;
      page.versions.push({ number: now + 1, message: body.version.message ?? '', authorId: 'dutydesk-bot', body: body.body.value });
      return send(200, this.json(page, false));
    }
    if (req.method === 'PUT' && attachMatch) {
      const page = this.pages.get(attachMatch[1]);
      if (!page) return error(404, 'NOT_FOUND', 'Not Found');
      if (req.headers['x-atlassian-token'] !== 'no-check') return send(403, { statusCode: 403, message: 'XSRF check failed' });
      const form = await new Request('http://peer/', { method: 'POST', headers: { 'content-type': req.headers['content-type'] ?? '' }, body: raw }).formData();
      const file = form.get('file');
      if (!(file instanceof Blob)) return send(400, { statusCode: 400, message: 'No file' });
      const name = (file as File).name;
      const kept = page.attachments.get(name);
      page.attachments.set(name, { bytes: Buffer.from(await file.arrayBuffer()), type: file.type, versions: (kept?.versions ?? 0) + 1, comment: String(form.get('comment') ?? '') });
      return send(200, { results: [{ id: `att${page.id}`, type: 'attachment', title: name }], size: 1 });
    }
    error(404, 'NOT_FOUND', 'Not Found');
  }
}
