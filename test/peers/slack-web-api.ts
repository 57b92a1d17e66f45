/**
 * A local server that speaks the parts of Slack's Web API dutydesk calls
 * (chat.postMessage, chat.update, views.publish, auth.test), with Slack's
 * per-channel limit of chat.postMessage and chat.update's Tier 3 (about 50 a
 * minute for the app) answered by HTTP 429 and Retry-After. It also signs
 * requests to an app's events endpoint the way Slack does (v0 HMAC-SHA256).
 */
import { createHmac } from 'node:crypto';
import http from 'node:http';
import type { AddressInfo } from 'node:net';

export interface SlackMessage {
  channel: string;
  ts: string;
  text: string;
  blocks: { type: string; text?: { text: string }; elements?: { action_id: string; value: string; text: { text: string } }[] }[];
  edited?: boolean;
}

export class SlackWebApi {
  private server?: http.Server;
  private seq = 0;
  readonly messages: SlackMessage[] = [];
  /** Errors the next post to a channel gets (Slack's ok:false answers, e.g. no_permission). */
  private readonly refusals = new Map<string, string>();
  refuseNextPost(channel: string, error: string): void {
    this.refusals.set(channel, error);
  }

  readonly views: { user_id: string; view: { type: string; blocks: { text?: { text: string } }[] } }[] = [];
  readonly calls: { method: string; body: Record<string, unknown>; at: number }[] = [];
  /** Files as shared in channels: upload URL, then completeUploadExternal. */
  readonly files: { id: string; name: string; bytes?: Buffer; channel?: string; comment?: string }[] = [];
  rateLimited = 0;
  /** Files users shared with the app, by path: what a file_share message's url_private_download serves. */
  private readonly shared = new Map<string, Buffer>();
  private readonly lastPost = new Map<string, number>();
  /** When the chat.update calls of the last minute were answered. */
  private updates: number[] = [];

  constructor(
    readonly botToken = 'xoxb-test-token',
    readonly signingSecret = 'test-signing-secret',
    private readonly perChannelIntervalMs = 1000,
    private readonly updatesPerMinute = 50,
  ) {}

  get apiUrl(): string {
    return `http://127.0.0.1:${(this.server!.address() as AddressInfo).port}/api/`;
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

  /** A file a user shares, as Slack describes it in a file_share message event. */
  shareFile(name: string, bytes: Buffer): { id: string; name: string; size: number; url_private_download: string } {
    const id = `F${++this.seq}`;
    const route = `/files-pri/T1-${id}/download/${encodeURIComponent(name)}`;
    this.shared.set(route, bytes);
    return { id, name, size: bytes.length, url_private_download: `${this.apiUrl.replace(/\/api\/$/, '')}${route}` };
  }

  inChannel(channel: string): SlackMessage[] {
    return this.messages.filter((m) => m.channel === channel);
  }

  private async handle(req: http.IncomingMessage, res: http.ServerResponse) {
    const chunks: Buffer[] = [];
    for await (const c of req) chunks.push(c as Buffer);
    const raw = Buffer.concat(chunks).toString('utf8');
    const method = (req.url ?? '').replace(/^\/api\//, '').split('?')[0];
    // Files people shared: url_private_download, readable with the bot token only.
    if ((req.url ?? '').startsWith('/files-pri/')) {
      const shared = this.shared.get(req.url ?? '');
      if (req.headers.authorization !== `Bearer ${this.botToken}`) return void res.writeHead(302, { location: 'https://slack.com/signin' }).end();
      if (!shared) return void res.writeHead(404).end();
      res.writeHead(200, { 'content-type': 'application/octet-stream', 'content-length': shared.length });
      return void res.end(shared);
    }
    if ((req.url ?? '').startsWith('/upload/')) {
      const file = this.files.find((f) => f.id === (req.url ?? '').slice('/upload/'.length));
      if (!file) return void res.writeHead(404).end();
      file.bytes = Buffer.concat(chunks);
      res.writeHead(200, { 'content-type': 'text/plain' });
      return void res.end(`OK - ${file.bytes.length}`);
    }
    const json = (status: number, body: unknown, headers: Record<string, string> = {}) => {
      res.writeHead(status, { 'content-type': 'application/json', ...headers });
      res.end(JSON.stringify(body));
    };
    if (req.headers.authorization !== `Bearer ${this.botToken}`) return json(200, { ok: false, error: 'invalid_auth' });
    const body: Record<string, unknown> = (req.headers['content-type'] ?? '').includes('json')
      ? (JSON.parse(raw || '{}') as Record<string, unknown>)
      : Object.fromEntries(new URLSearchParams(raw));
    this.calls.push({ method, body, at: Date.now() });
    switch (method) {
      case 'auth.test':
        return json(200, { ok: true, user_id: 'UBOT', bot_id: 'BBOT', team_id: 'T1' });
      case 'chat.postMessage': {
        const channel = String(body.channel ?? '');
        if (!channel) return json(200, { ok: false, error: 'channel_not_found' });
        const refusal = this.refusals.get(channel);
        if (refusal) {
          this.refusals.delete(channel);
          return json(200, { ok: false, error: refusal });
        }
        const last = this.lastPost.get(channel);
        if (last !== undefined && Date.now() - last < this.perChannelIntervalMs) {
          this.rateLimited++;
          return json(429, { ok: false, error: 'ratelimited' }, { 'retry-after': '1' });
        }
        this.lastPost.set(channel, Date.now());
        // A member id as channel means the app's direct messages with that member.
        const resolved = channel.startsWith('U') ? `D${channel.slice(1)}` : channel;
        const message: SlackMessage = { channel: resolved, ts: `${Math.floor(Date.now() / 1000)}.${String(++this.seq).padStart(6, '0')}`, text: String(body.text ?? ''), blocks: (body.blocks as SlackMessage['blocks']) ?? [] };
        this.messages.push(message);
        return json(200, { ok: true, channel: resolved, ts: message.ts, message });
      }
      case 'chat.update': {
        const now = Date.now();
        this.updates = this.updates.filter((t) => now - t < 60_000);
        if (this.updates.length >= this.updatesPerMinute) {
          this.rateLimited++;
          return json(429, { ok: false, error: 'ratelimited' }, { 'retry-after': String(Math.ceil((60_000 - (now - this.updates[0])) / 1000)) });
        }
        this.updates.push(now);
        const message = this.messages.find((m) => m.channel === body.channel && m.ts === body.ts);
        if (!message) return json(200, { ok: false, error: 'message_not_found' });
        message.text = String(body.text ?? '');
        message.blocks = (body.blocks as SlackMessage['blocks']) ?? [];
        message.edited = true;
        return json(200, { ok: true, channel: message.channel, ts: message.ts });
      }
      case 'files.getUploadURLExternal': {
        if (!body.filename || !Number(body.length)) return json(200, { ok: false, error: 'invalid_arguments' });
        const id = `F${++this.seq}`;
        this.files.push({ id, name: String(body.filename) });
        return json(200, { ok: true, upload_url: `${this.apiUrl.replace(/\/api\/$/, '')}/upload/${id}`, file_id: id });
      }
      case 'files.completeUploadExternal': {
        const [ref] = (body.files as { id: string }[]) ?? [];
        const file = this.files.find((f) => f.id === ref?.id);
        if (!file?.bytes) return json(200, { ok: false, error: 'file_not_found' });
        file.channel = String(body.channel_id);
        file.comment = body.initial_comment as string | undefined;
        return json(200, { ok: true, files: [{ id: file.id }] });
      }
      case 'views.publish':
        this.views.push({ user_id: String(body.user_id), view: (typeof body.view === 'string' ? JSON.parse(body.view) : body.view) as SlackWebApi['views'][number]['view'] });
        return json(200, { ok: true });
      default:
        return json(200, { ok: false, error: 'unknown_method' });
    }
  }

  /** Headers Slack sends with a request to the app, signed with the signing secret. */
  sign(body: string, timestamp = Math.floor(Date.now() / 1000), secret = this.signingSecret): Record<string, string> {
    const signature = `v0=${createHmac('sha256', secret).update(`v0:${timestamp}:${body}`).digest('hex')}`;
    return { 'x-slack-request-timestamp': String(timestamp), 'x-slack-signature': signature };
  }
}
