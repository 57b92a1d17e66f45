/**
 * The outbox: one long-lived workflow per chat that delivers every outbound
 * message in order, paced under the platform's per-chat limit, retrying
 * through rate limits and outages, and coalescing edits of the same message.
 */
import { defineQuery, defineSignal } from '@temporalio/workflow';
import type { ChatMessage } from '../../activities/chat/port';
import type { ChatRef } from '../restart/definitions';

export interface OutboxItem {
  /**
   * Names the message. "upsert": the first item with a key is sent, later ones
   * edit that message. "new": sent once; a repeated key is a duplicate and dropped.
   */
  key: string;
  mode: 'upsert' | 'new';
  message: ChatMessage;
}

export interface OutboxPolicy {
  /** Least time between two deliveries to this chat (the platform's per-chat limit). */
  minIntervalMs: number;
  /**
   * Up to this many waiting new messages go in one delivery. Only for
   * platforms that drop a repeated key themselves (the web console), since a
   * retried batch sends its first messages again.
   */
  batch?: number;
}

/** A delivered key and its platform message id; a third element 1 marks a live message (upsert) that may be edited later. */
export type SentEntry = [string, string] | [string, string, 1];

export interface OutboxState {
  chat: ChatRef;
  policy: OutboxPolicy;
  queue: OutboxItem[];
  /** Recently delivered keys and their platform message ids, newest last. */
  sent: SentEntry[];
  delivered: number;
  /** Items the platform refused for good (unknown chat, bot blocked), newest last. */
  failed: { key: string; error: string }[];
  lastDeliveredAt?: number;
  /** When the admins were last told of a message set aside here. */
  lastReportedAt?: number;
}

export const enqueueSignal = defineSignal<[OutboxItem]>('enqueue');
export const outboxQuery = defineQuery<Pick<OutboxState, 'queue' | 'delivered' | 'failed'>>('outbox');

export function outboxWorkflowId(chat: ChatRef): string {
  return `outbox-${chat.platform}-${chat.chatId}`;
}

/** Each platform's outbound activities run on their own queue, whose server-enforced rate is the per-bot ceiling. */
export function chatTaskQueue(platform: ChatRef['platform']): string {
  return `dutydesk-chat-${platform}`;
}
