/**
 * Sends and edits messages through Slack's Web API (chat.postMessage,
 * chat.update) as Block Kit: text sections and a row of buttons. The message
 * id is "<channel>|<ts>", what chat.update needs to find it again.
 * Message texts are plain text with outside text in them (ticket titles,
 * names, echoed commands): this adapter is the one place they become mrkdwn,
 * escaped (lib/messages/slack-mrkdwn.ts); button labels are plain_text.
 */
import { cutMrkdwn, mrkdwnFromPlain } from '../../lib/messages/slack-mrkdwn';
import { splitText } from '../../lib/messages/split';
import type { ChatRef } from '../../workflows/restart/definitions';
import { readFile } from 'node:fs/promises';
import { DeliveryRefused, RateLimited, UploadTimedOut, type ChatFile, type ChatMessage, type ChatOutbound } from './port';

/** Slack's limit for one section block's text. */
const SECTION_LIMIT = 3000;
/**
 * Errors worth retrying (https://api.slack.com/methods/chat.postMessage#errors): Slack's own trouble. Every
 * other error (no_permission, channel_not_found, invalid_blocks, ones added later…) retrying cannot fix, and
 * would block the chat's outbox behind it.
 */
const PASSING = /^(internal_error|fatal_error|service_unavailable|request_timeout|HTTP \d+)$/;

/** Plain text as mrkdwn sections, each within Slack's limit once escaped (escaping makes text longer). */
function sectionTexts(plain: string, limit = SECTION_LIMIT): string[] {
  return splitText(plain, limit).flatMap((part) => {
    const mrkdwn = mrkdwnFromPlain(part);
    if (mrkdwn.length <= SECTION_LIMIT) return [mrkdwn];
    return sectionTexts(part, Math.max(50, Math.floor((part.length * SECTION_LIMIT) / mrkdwn.length) - 1));
  });
}

export function slackBlocks(message: ChatMessage): unknown[] {
  // verbatim: Slack adds no links or mentions of its own to the text.
  const sections = sectionTexts(message.text).map((text) => ({ type: 'section', text: { type: 'mrkdwn', text, verbatim: true } }));
  const buttons = (message.buttons ?? []).flat();
  const actions = buttons.length
    ? [{ type: 'actions', elements: buttons.map((b, i) => ({ type: 'button', action_id: `dutydesk-${i}`, text: { type: 'plain_text', text: b.label }, value: b.action })) }]
    : [];
  return [...sections, ...actions];
}

/** The message's top-level text (notifications, screen readers): mrkdwn too, so escaped the same way. */
function fallbackText(message: ChatMessage): string {
  return cutMrkdwn(mrkdwnFromPlain(message.text), SECTION_LIMIT);
}

export class SlackOutbound implements ChatOutbound {
  constructor(
    private readonly apiUrl: string,
    private readonly token: () => string,
    private readonly uploadTimeoutMs = 120_000,
  ) {}

  /** A Web API call; JSON body, or form-encoded for the methods that only take that. */
  private async call<T = { channel: string; ts: string }>(method: string, body: Record<string, unknown>, form = false): Promise<T> {
    let res: Response;
    try {
      res = await fetch(`${this.apiUrl.replace(/\/*$/, '/')}${method}`, {
        method: 'POST',
        headers: { 'content-type': form ? 'application/x-www-form-urlencoded' : 'application/json; charset=utf-8', authorization: `Bearer ${this.token()}` },
        body: form ? new URLSearchParams(Object.entries(body).map(([k, v]): [string, string] => [k, String(v)])) : JSON.stringify(body),
        signal: AbortSignal.timeout(20_000),
      });
    } catch (err) {
      throw new Error(`Slack ${method}: network error (${(err as Error).message})`);
    }
    if (res.status === 429) throw new RateLimited(`Slack ${method}: rate limited`, Number(res.headers.get('retry-after') ?? 1) * 1000);
    if (res.status >= 500) throw new Error(`Slack ${method}: HTTP ${res.status}`);
    const answer = (await res.json().catch(() => ({ ok: false, error: `HTTP ${res.status}` }))) as { ok: boolean; error?: string } & Record<string, unknown>;
    if (answer.ok) return answer as unknown as T;
    const why = `Slack ${method}: ${answer.error}`;
    if (answer.error === 'ratelimited') throw new RateLimited(why, 1000);
    if (PASSING.test(answer.error ?? '')) throw new Error(why);
    throw new DeliveryRefused(why);
  }

  /** Slack's upload flow: ask for an upload URL, upload the bytes, then share the file in the channel. */
  private async sendFile(chat: ChatRef, message: ChatMessage, file: ChatFile): Promise<{ messageId: string }> {
    const bytes = await readFile(file.path);
    const target = await this.call<{ upload_url: string; file_id: string }>('files.getUploadURLExternal', { filename: file.name, length: bytes.length }, true);
    let upload: Response;
    try {
      upload = await fetch(target.upload_url, { method: 'POST', body: bytes, signal: AbortSignal.timeout(this.uploadTimeoutMs) });
    } catch (err) {
      if ((err as Error).name === 'TimeoutError') throw new UploadTimedOut(`Slack file upload: it took over ${this.uploadTimeoutMs / 1000} s`);
      throw new Error(`Slack file upload: network error (${(err as Error).message})`);
    }
    if (!upload.ok) throw new Error(`Slack file upload: HTTP ${upload.status}`);
    await this.call('files.completeUploadExternal', {
      files: [{ id: target.file_id, title: file.name }],
      channel_id: chat.chatId,
      ...(message.text ? { initial_comment: mrkdwnFromPlain(message.text) } : {}),
    });
    return { messageId: `${chat.chatId}|file:${target.file_id}` };
  }

  async send(chat: ChatRef, message: ChatMessage): Promise<{ messageId: string }> {
    if (message.file) return this.sendFile(chat, message, message.file);
    const sent = await this.call('chat.postMessage', { channel: chat.chatId, text: fallbackText(message), blocks: slackBlocks(message), unfurl_links: false });
    return { messageId: `${sent.channel}|${sent.ts}` };
  }

  async edit(_chat: ChatRef, messageId: string, message: ChatMessage): Promise<void> {
    const [channel, ts] = messageId.split('|');
    await this.call('chat.update', { channel, ts, text: fallbackText(message), blocks: slackBlocks(message) });
  }
}
