/**
 * The one activity that talks to a chat platform: deliver one message (send,
 * or edit an earlier one). The outbox workflow calls it in order per chat;
 * rate limits become Temporal retries after the platform's own retry_after.
 */
import { Context } from '@temporalio/activity';
import { ApplicationFailure } from '@temporalio/common';
import type { ChatRef } from '../../workflows/restart/definitions';
import { DeliveryRefused, RateLimited, UploadTimedOut, type ChatMessage, type ChatOutbound } from './port';
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

/** Uploads that time out this many times in a row of attempts: the message then goes without its file. */
export const UPLOAD_ATTEMPTS = 3;

/** Why a message's file cannot be sent by any retry, or undefined when a retry may still send it. */
function fileUndeliverable(err: unknown, attempt: number): string | undefined {
  const fsErr = err as NodeJS.ErrnoException;
  // A chart pruned after a day: no retry brings it back.
  if (fsErr?.code === 'ENOENT' && typeof fsErr.path === 'string') return 'the file is no longer kept';
  if (err instanceof UploadTimedOut && attempt >= UPLOAD_ATTEMPTS) return `${err.message}, ${attempt} times`;
  return undefined;
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
    throw err; // 5xx, network: retried with backoff
  }
}

export function createDeliveryActivities({ outbound, pacers }: DeliveryDeps) {
  const slot = (kind: 'send' | 'edit', backlog?: number, signal = Context.current().cancellationSignal) => pacers?.[kind].acquire(backlog, signal);
  return {
    /** `backlog`: how many more messages the chat has waiting, so the busiest chats go first. */
    async deliverChatMessage(input: { chat: ChatRef; key: string; message: ChatMessage; editMessageId?: string; backlog?: number }): Promise<{ messageId: string; fileNotSent?: string }> {
      // Heartbeats through the wait for a slot and long uploads, so a dead worker's delivery is retried within seconds.
      return withHeartbeat(async (signal) => {
        const { editMessageId } = input;
        await slot(editMessageId ? 'edit' : 'send', input.backlog, signal);
        return asFailure(async (): Promise<{ messageId: string; fileNotSent?: string }> => {
          if (editMessageId) {
            await outbound.edit(input.chat, editMessageId, input.message);
            return { messageId: editMessageId };
          }
          const { file } = input.message;
          try {
            return await outbound.send(input.chat, input.message, input.key);
          } catch (err) {
            const why = file && fileUndeliverable(err, Context.current().info.attempt);
            if (!why) throw err;
            // The words and buttons still matter (an approval, a forecast's figures): they go, saying what is missing.
            const text = [input.message.text, `⚠️ ${file.name} could not be sent: ${why}.`].filter(Boolean).join('\n\n');
            const sent = await outbound.send(input.chat, { text, buttons: input.message.buttons }, `${input.key}/without-file`);
            return { ...sent, fileNotSent: `${file.name}: ${why}` };
          }
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
