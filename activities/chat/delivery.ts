/**
 * The one activity that talks to a chat platform: deliver one message (send,
 * or edit an earlier one). The outbox workflow calls it in order per chat;
 * rate limits become Temporal retries after the platform's own retry_after.
 */
import { Context } from '@temporalio/activity';
import { ApplicationFailure } from '@temporalio/common';
import type { ChatRef } from '../../workflows/restart/definitions';
import { DeliveryRefused, RateLimited, type ChatMessage, type ChatOutbound } from './port';
import type { SendPacer } from './send-pacer';
import { withHeartbeat } from '../heartbeat';

export interface DeliveryDeps {
  outbound: ChatOutbound;
  /**
   * Space calls under the platform's limits: new messages and edits, which
   * may share one pacer (Telegram) or have their own (Slack's chat.update is
   * in a slower tier). None for the web console, which has no limit.
   */
  pacers?: { send: SendPacer; edit: SendPacer };
}

/** Rate limits retry after the platform's own delay; refusals are final; the rest backs off. */
async function asFailure<T>(work: () => Promise<T>): Promise<T> {
  try {
    return await work();
  } catch (err) {
    if (err instanceof RateLimited) {
      throw ApplicationFailure.create({ message: err.message, type: 'RateLimited', nextRetryDelay: err.retryAfterMs });
    }
    if (err instanceof DeliveryRefused) throw ApplicationFailure.nonRetryable(err.message, 'DeliveryRefused');
    // A file to send that is gone (a chart pruned after a day): no retry brings it back.
    const fsErr = err as NodeJS.ErrnoException;
    if (fsErr?.code === 'ENOENT' && typeof fsErr.path === 'string') throw ApplicationFailure.nonRetryable(`the file to send is no longer kept (${fsErr.path})`, 'DeliveryRefused');
    throw err; // 5xx, network: retried with backoff
  }
}

export function createDeliveryActivities({ outbound, pacers }: DeliveryDeps) {
  const slot = (kind: 'send' | 'edit', backlog?: number, signal = Context.current().cancellationSignal) => pacers?.[kind].acquire(backlog, signal);
  return {
    /** `backlog`: how many more messages the chat has waiting, so the busiest chats go first. */
    async deliverChatMessage(input: { chat: ChatRef; key: string; message: ChatMessage; editMessageId?: string; backlog?: number }): Promise<{ messageId: string }> {
      // Heartbeats through the wait for a slot and long uploads, so a dead worker's delivery is retried within seconds.
      return withHeartbeat(async (signal) => {
        const { editMessageId } = input;
        await slot(editMessageId ? 'edit' : 'send', input.backlog, signal);
        return asFailure(async () => {
          if (editMessageId) {
            await outbound.edit(input.chat, editMessageId, input.message);
            return { messageId: editMessageId };
          }
          return outbound.send(input.chat, input.message, input.key);
        });
      });
    },

    /** Several new messages in order, for platforms that drop a repeated key (a retry resends the batch). */
    async deliverChatMessages(input: { chat: ChatRef; items: { key: string; message: ChatMessage }[] }): Promise<{ messageIds: string[] }> {
      const messageIds: string[] = [];
      for (const item of input.items) {
        await slot('send');
        messageIds.push((await asFailure(() => outbound.send(input.chat, item.message, item.key))).messageId);
        Context.current().heartbeat(messageIds.length);
      }
      return { messageIds };
    },
  };
}
