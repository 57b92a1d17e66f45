/**
 * Puts a message in a chat's outbox: signal-with-start, so the chat's outbox
 * workflow is started on first use and every later message joins its queue.
 */
import type { Client } from '@temporalio/client';
import { TASK_QUEUES } from '../../workers/task-queues';
import { enqueueSignal, outboxWorkflowId, type OutboxItem, type OutboxPolicy, type OutboxState } from '../../workflows/outbox/definitions';
import type { ChatRef } from '../../workflows/restart/definitions';
import { splitText } from '../../lib/messages/split';
import type { ChatMessage } from './port';
import { TELEGRAM_CAPTION_LIMIT, TELEGRAM_TEXT_LIMIT } from './telegram-outbound';

/** Per-chat pacing from each platform's documented limits. */
export function outboxPolicy(chat: ChatRef): OutboxPolicy {
  switch (chat.platform) {
    case 'web':
      // No platform limit, and the console drops repeated keys: batches are safe.
      return { minIntervalMs: 0, batch: 25 };
    case 'telegram':
      // About one message a second in a chat, and 20 a minute in a group.
      return { minIntervalMs: chat.chatId.startsWith('-') ? 3_050 : 1_050 };
    case 'slack':
      // About one message a second per channel (chat.postMessage); the app-wide pace of posts and of chat.update is the chat worker's.
      return { minIntervalMs: 1_050 };
  }
}

/** Longest text one message may carry, per platform, and the caption of a file. */
const TEXT_LIMITS: Record<ChatRef['platform'], number> = { web: Infinity, telegram: TELEGRAM_TEXT_LIMIT, slack: 12_000 };
/** The most text one message can carry on the platform. */
export function textLimit(platform: ChatRef['platform']): number {
  return TEXT_LIMITS[platform];
}
/** The biggest file a bot may send: Telegram's Bot API 50 MB, Slack's 1 GB, the console's upload limit. */
const FILE_LIMITS: Record<ChatRef['platform'], number> = { web: 200 * 1024 * 1024, telegram: 50 * 1000 * 1000, slack: 1024 * 1024 * 1024 };
export function fileLimit(platform: ChatRef['platform']): number {
  return FILE_LIMITS[platform];
}
const CAPTION_LIMITS: Record<ChatRef['platform'], number> = { web: Infinity, telegram: TELEGRAM_CAPTION_LIMIT, slack: 3_000 };

/**
 * A new message too long for the platform becomes several outbox items, each
 * delivered (and retried) on its own, so a rate limit half way never repeats
 * the parts already sent; buttons go with the last part.
 */
function parts(chat: ChatRef, item: OutboxItem): OutboxItem[] {
  const file = item.message.file;
  if (file && item.message.text.length > CAPTION_LIMITS[chat.platform]) {
    // The text goes first as message(s) of its own, then the file with its buttons.
    const text = parts(chat, { key: `${item.key}#text`, mode: 'new', message: { text: item.message.text } });
    return [...text, { key: `${item.key}#file`, mode: 'new', message: { text: '', file, buttons: item.message.buttons } }];
  }
  if (file) return [item];
  const limit = TEXT_LIMITS[chat.platform];
  if (item.mode !== 'new' || item.message.text.length <= limit) return [item];
  const texts = splitText(item.message.text, limit);
  return texts.map((text, i) => ({
    key: `${item.key}#${i + 1}/${texts.length}`,
    mode: 'new',
    message: i === texts.length - 1 ? { ...item.message, text } : { text },
  }));
}

export async function enqueueChatMessage(client: Client, chat: ChatRef, item: OutboxItem): Promise<void> {
  const initial: OutboxState = { chat, policy: outboxPolicy(chat), queue: [], sent: [], delivered: 0, failed: [] };
  for (const part of parts(chat, item)) {
    await client.workflow.signalWithStart('outboxWorkflow', {
      workflowId: outboxWorkflowId(chat),
      taskQueue: TASK_QUEUES.desk,
      args: [initial],
      signal: enqueueSignal,
      signalArgs: [part],
    });
  }
}

/**
 * Replies to one incoming update or command, through the chat's outbox. Keys
 * derive from the update, so an update delivered twice is answered once.
 */
export function outboxReplier(client: Client, chat: ChatRef, updateKey: string): (reply: ChatMessage | string) => Promise<void> {
  let n = 0;
  return (reply) => enqueueChatMessage(client, chat, { key: `${updateKey}/${n++}`, mode: 'new', message: typeof reply === 'string' ? { text: reply } : reply });
}
