/**
 * Puts a message in a chat's outbox: signal-with-start, so the chat's outbox
 * workflow is started on first use and every later message joins its queue.
 */
import type { Client } from '@temporalio/client';
import { TASK_QUEUES } from '../../workers/task-queues';
import { enqueueSignal, outboxWorkflowId, type OutboxItem, type OutboxPolicy, type OutboxState } from '../../workflows/outbox/definitions';
import type { ChatRef } from '../../workflows/restart/definitions';
import type { ChatMessage } from './port';

/** Per-chat pacing from each platform's documented limits. */
export function outboxPolicy(chat: ChatRef): OutboxPolicy {
  switch (chat.platform) {
    case 'web':
      return { minIntervalMs: 0 };
    case 'telegram':
      // About one message a second in a chat, and 20 a minute in a group.
      return { minIntervalMs: chat.chatId.startsWith('-') ? 3_050 : 1_050 };
    case 'slack':
      // About one message a second per channel (chat.postMessage); chat.update is well within its tier.
      return { minIntervalMs: 1_050 };
  }
}

export async function enqueueChatMessage(client: Client, chat: ChatRef, item: OutboxItem): Promise<void> {
  const initial: OutboxState = { chat, policy: outboxPolicy(chat), queue: [], sent: [], delivered: 0, failed: [] };
  await client.workflow.signalWithStart('outboxWorkflow', {
    workflowId: outboxWorkflowId(chat),
    taskQueue: TASK_QUEUES.desk,
    args: [initial],
    signal: enqueueSignal,
    signalArgs: [item],
  });
}

/**
 * Replies to one incoming update or command, through the chat's outbox. Keys
 * derive from the update, so an update delivered twice is answered once.
 */
export function outboxReplier(client: Client, chat: ChatRef, updateKey: string): (reply: ChatMessage | string) => Promise<void> {
  let n = 0;
  return (reply) => enqueueChatMessage(client, chat, { key: `${updateKey}/${n++}`, mode: 'new', message: typeof reply === 'string' ? { text: reply } : reply });
}
