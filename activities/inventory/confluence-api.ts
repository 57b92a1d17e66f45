/**
 * The subset of Confluence Cloud's REST API the inventory publication uses:
 * v2 spaces and pages (find by title, read, create, update with the next
 * version number) and v1's attachment upload, which v2 does not have.
 * A refusal (401/403/404/400) is ConfluenceRefused and not worth retrying; a
 * stale version number is ConfluenceConflict; anything else is an outage.
 */
import { basicAuth } from '../tickets/http';

export class ConfluenceRefused extends Error {
  override name = 'ConfluenceRefused';
}
export class ConfluenceConflict extends Error {
  override name = 'ConfluenceConflict';
}

export interface ConfluencePage {
  id: string;
  title: string;
  status: string;
  spaceId: string;
  version: { number: number; message?: string; authorId?: string; createdAt?: string };
  body?: { storage?: { value: string; representation: string } };
  _links?: { webui?: string; base?: string };
}

export interface ConfluenceOptions {
  /** The site's Confluence base, e.g. https://acme.atlassian.net/wiki. */
  url: string;
  user?: string;
  token: () => string;
  timeoutMs?: number;
}

export class ConfluenceApi {
  private readonly base: string;
  constructor(private readonly options: ConfluenceOptions) {
    this.base = options.url.replace(/\/+$/, '');
  }

  private authorization(): string {
    const token = this.options.token().trim();
    return this.options.user ? basicAuth(this.options.user, token) : `Bearer ${token}`;
  }

  private async call<T>(method: string, path: string, body?: unknown, headers: Record<string, string> = {}): Promise<T> {
    const url = `${this.base}${path}`;
    const what = `Confluence ${method} ${path.replace(/\?.*/, '')}`;
    let res: Response;
    try {
      res = await fetch(url, {
        method,
        redirect: 'manual',
        headers: { authorization: this.authorization(), accept: 'application/json', ...(body !== undefined && !(body instanceof FormData) ? { 'content-type': 'application/json' } : {}), ...headers },
        body: body instanceof FormData ? body : body !== undefined ? JSON.stringify(body) : undefined,
        signal: AbortSignal.timeout(this.options.timeoutMs ?? 30_000),
      });
    } catch (err) {
      throw new Error(`${what}: ${new URL(url).host} unreachable (${(err as { cause?: { code?: string } }).cause?.code ?? (err as Error).name})`);
    }
    const text = await res.text();
    if (res.ok) return (text ? JSON.parse(text) : undefined) as T;
    const detail = errorText(text);
    if (res.status === 409) throw new ConfluenceConflict(`${what}: 409 ${detail}`);
    if (res.status === 401 || res.status === 403) throw new ConfluenceRefused(`${what}: Confluence refused the credentials (${res.status} ${detail}); check inventory.confluence.user and token`);
    if (res.status >= 400 && res.status < 500 && res.status !== 408 && res.status !== 429) throw new ConfluenceRefused(`${what}: ${res.status} ${detail}`);
    throw new Error(`${what}: ${res.status} ${detail}`);
  }

  async spaceId(key: string): Promise<string> {
    const found = await this.call<{ results: { id: string; key: string }[] }>('GET', `/api/v2/spaces?keys=${encodeURIComponent(key)}&limit=1`);
    const space = found.results?.find((s) => s.key === key);
    if (!space) throw new ConfluenceRefused(`Confluence has no space "${key}" this account can see; check inventory.confluence.space`);
    return String(space.id);
  }

  /** The current page of that title in the space, with its body, if there is one. */
  async findPage(spaceId: string, title: string): Promise<ConfluencePage | undefined> {
    const query = new URLSearchParams({ 'space-id': spaceId, title, status: 'current', 'body-format': 'storage', limit: '5' });
    const found = await this.call<{ results: ConfluencePage[] }>('GET', `/api/v2/pages?${query}`);
    // Titles are matched exactly: the filter is the server's, the check is ours.
    return found.results?.find((p) => p.title === title && String(p.spaceId) === spaceId);
  }

  createPage(page: { spaceId: string; parentId?: string; title: string; body: string }): Promise<ConfluencePage> {
    return this.call('POST', '/api/v2/pages', { spaceId: page.spaceId, ...(page.parentId ? { parentId: page.parentId } : {}), status: 'current', title: page.title, body: { representation: 'storage', value: page.body } });
  }

  /** A new version; Confluence answers 409 when `version` is not the current one + 1. */
  updatePage(page: { id: string; title: string; body: string; version: number; message: string }): Promise<ConfluencePage> {
    return this.call('PUT', `/api/v2/pages/${encodeURIComponent(page.id)}`, {
      id: page.id,
      status: 'current',
      title: page.title,
      body: { representation: 'storage', value: page.body },
      version: { number: page.version, message: page.message },
    });
  }

  /** The comment of the page's attachment of that name (dutydesk's mark on its own uploads); undefined without one. */
  async attachmentComment(pageId: string, name: string): Promise<string | undefined> {
    const found = await this.call<{ results: { title: string; comment?: string }[] }>('GET', `/api/v2/pages/${encodeURIComponent(pageId)}/attachments?${new URLSearchParams({ filename: name, limit: '5' })}`);
    return found.results?.find((a) => a.title === name)?.comment ?? undefined;
  }

  /** Creates the attachment, or a new version of it (v1: v2 has no upload). */
  async attach(pageId: string, file: { name: string; type: string; bytes: Buffer; comment: string }): Promise<void> {
    const form = new FormData();
    form.append('file', new Blob([file.bytes], { type: file.type }), file.name);
    form.append('minorEdit', 'true');
    form.append('comment', file.comment);
    await this.call('PUT', `/rest/api/content/${encodeURIComponent(pageId)}/child/attachment`, form, { 'x-atlassian-token': 'no-check' });
  }
}

function errorText(body: string): string {
  try {
    const json = JSON.parse(body) as { message?: string; errors?: { title?: string; detail?: string }[] };
    const parts = [json.message, ...(json.errors ?? []).map((e) => e.detail ?? e.title)].filter(Boolean);
    if (parts.length) return parts.join('; ').slice(0, 300);
  } catch {
    /* not JSON */
  }
  return body.replace(/<[^>]+>/g, ' ').replace(/\s+/g, ' ').trim().slice(0, 300);
}
