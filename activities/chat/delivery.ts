/**
 * The one activity that talks to a chat platform: deliver one message (send,
 * or edit an earlier one). The outbox workflow calls it in order per chat;
 * rate limits become Temporal retries after the platform's own retry_after.
 */
import { ApplicationFailure } from '@temporalio/common';
import type { ChatRef } from '../../workflows/restart/definitions';
import { DeliveryRefused, RateLimited, type ChatMessage, type ChatOutbound } from './port';

export interface DeliveryDeps {
  outbound: ChatOutbound;
}

export function createDeliveryActivities({ outbound }: DeliveryDeps) {
  return {
    async deliverChatMessage(input: { chat: ChatRef; key: string; message: ChatMessage; editMessageId?: string }): Promise<{ messageId: string }> {
      try {
        if (input.editMessageId) {
          await outbound.edit(input.chat, input.editMessageId, input.message);
          return { messageId: input.editMessageId };
        }
        return await outbound.send(input.chat, input.message, input.key);
      } catch (err) {
        if (err instanceof RateLimited) {
          throw ApplicationFailure.create({ message: err.message, type: 'RateLimited', nextRetryDelay: err.retryAfterMs });
        }
        if (err instanceof DeliveryRefused) throw ApplicationFailure.nonRetryable(err.message, 'DeliveryRefused');
        throw err; // 5xx, network: retried with backoff
      }
    },
  };
}
