/**
 * Outbound chat as activities: sends and edits are retried durably by
 * Temporal, and a retried send never posts twice (idempotency key per activity).
 */
import { Context } from '@temporalio/activity';
import type { DutydeskConfig } from '../../config/schema';
import { renderApprovalRequest, renderRestartEnded, renderRestartProgress, type RenderContext } from '../../lib/messages/restart';
import { runLink } from '../../lib/temporal-ui';
import type { ChatRef, RestartProgress } from '../../workflows/restart/definitions';
import type { ChatOutbound } from './port';

export interface ChatActivityDeps {
  config: Pick<DutydeskConfig, 'temporal' | 'users'>;
  outbound: ChatOutbound;
}

/** Stable across retries of the same activity, different for every other send. */
function idempotencyKey(): string {
  const { workflowExecution, activityId } = Context.current().info;
  return `${workflowExecution?.workflowId}/${workflowExecution?.runId}/${activityId}`;
}

export function createChatActivities({ config, outbound }: ChatActivityDeps) {
  const languageOf = (personId: string) => config.users.find((u) => u.id === personId)?.language ?? 'en';
  const context = (p: RestartProgress, personId: string): RenderContext => ({
    language: languageOf(personId),
    runUrl: runLink(config.temporal.uiUrl, config.temporal.namespace, p.workflowId, p.runId),
    now: Date.now(),
  });

  return {
    /** Sends the live progress message the first time, edits it after. */
    async publishRestartProgress({ progress, messageId }: { progress: RestartProgress; messageId?: string }): Promise<{ messageId: string }> {
      const chat = progress.chat;
      const message = renderRestartProgress(progress, context(progress, progress.requestedBy.id));
      if (messageId) {
        await outbound.edit(chat, messageId, message);
        return { messageId };
      }
      return outbound.send(chat, message, idempotencyKey());
    },

    async publishApprovalRequest(input: { progress: RestartProgress; chat: ChatRef; messageId?: string }): Promise<{ messageId: string }> {
      const message = renderApprovalRequest(input.progress, context(input.progress, input.progress.requestedBy.id));
      if (input.messageId) {
        await outbound.edit(input.chat, input.messageId, message);
        return { messageId: input.messageId };
      }
      return outbound.send(input.chat, message, idempotencyKey());
    },

    async announce(input: { chat: ChatRef; text: string; host: string; service: string }): Promise<void> {
      const text = input.text.replace(/\{host\}/g, input.host).replace(/\{service\}/g, input.service);
      await outbound.send(input.chat, { text: `📣 ${text}` }, idempotencyKey());
    },

    /** Tells everyone who asked how it ended: "up again" on success, what failed otherwise. */
    async notifyRestartEnded({ progress }: { progress: RestartProgress }): Promise<void> {
      if (progress.phase === 'denied' || progress.phase === 'cancelled') return; // the progress message already says so
      const key = idempotencyKey();
      for (const [i, watcher] of progress.watchers.entries()) {
        await outbound.send(watcher.chat, renderRestartEnded(progress, context(progress, watcher.person.id)), `${key}/${i}`);
      }
    },
  };
}
