/**
 * Chat as activities: render a restart's messages in the reader's language and
 * put them in the chat's outbox, which delivers them in order under the
 * platform's limits. Keys make a retried activity enqueue nothing twice.
 */
import { Context } from '@temporalio/activity';
import type { Client } from '@temporalio/client';
import type { DutydeskConfig } from '../../config/schema';
import { renderApprovalRequest, renderRestartEnded, renderRestartProgress, type RenderContext } from '../../lib/messages/restart';
import { runLink } from '../../lib/temporal-ui';
import type { ChatRef, RestartProgress } from '../../workflows/restart/definitions';
import { configuredAnnouncement, primaryChat } from '../../config/restart-plan';
import { t } from '../../lib/i18n';
import { outboxWorkflowId } from '../../workflows/outbox/definitions';
import { configured } from '../hosts/from-config';
import { enqueueChatMessage } from './outbox-client';
import { progressFromConfig } from './restart-progress-from-config';
import { failureRoute, reportFailure } from '../failures/report';

export interface ChatActivityDeps {
  config: DutydeskConfig;
  client: Client;
  log?: (line: string) => void;
}

/** Stable across retries of the same activity, different for every other one. */
function activityKey(): string {
  const { workflowExecution, activityId } = Context.current().info;
  return `${workflowExecution?.workflowId}/${workflowExecution?.runId}/${activityId}`;
}

export function createChatActivities({ config, client, log = console.error }: ChatActivityDeps) {
  const languageOf = (personId: string) => config.users.find((u) => u.id === personId)?.language ?? 'en';
  const context = (p: RestartProgress, personId: string): RenderContext => ({
    language: languageOf(personId),
    runUrl: runLink(config.temporal.uiUrl, config.temporal.namespace, p.workflowId, p.runId),
    now: Date.now(),
  });

  return {
    /** The live progress message: sent the first time, edited after. */
    async publishRestartProgress(input: { progress: RestartProgress }): Promise<void> {
      const progress = configured('publishRestartProgress', () => progressFromConfig(config, input.progress));
      const message = renderRestartProgress(progress, context(progress, progress.requestedBy.id));
      await enqueueChatMessage(client, progress.chat, { key: `${progress.workflowId}/${progress.runId}/progress`, mode: 'upsert', message });
    },

    async publishApprovalRequest(input: { progress: RestartProgress; chat: ChatRef }): Promise<void> {
      const { chat } = input;
      const progress = configured('publishApprovalRequest', () => progressFromConfig(config, input.progress));
      const message = renderApprovalRequest(progress, context(progress, progress.requestedBy.id));
      await enqueueChatMessage(client, chat, { key: `${progress.workflowId}/${progress.runId}/approval`, mode: 'upsert', message });
    },

    /** An announce step: its text and chat from this worker's configuration, never from the run (which anyone on the cluster can start). */
    async announce(input: { chat: ChatRef; host: string; service: string; step?: string; text?: string }): Promise<void> {
      const announcement = configured('announce', () => configuredAnnouncement(config, input));
      const text = announcement.text.replace(/\{host\}/g, input.host).replace(/\{service\}/g, input.service);
      await enqueueChatMessage(client, announcement.chat, { key: activityKey(), mode: 'new', message: { text: `📣 ${text}` } });
    },

    /** Tells everyone who asked how it ended: "up again" on success, what failed otherwise. */
    async notifyRestartEnded(input: { progress: RestartProgress }): Promise<void> {
      const progress = configured('notifyRestartEnded', () => progressFromConfig(config, input.progress));
      if (progress.phase === 'denied' || progress.phase === 'cancelled') return; // the progress message already says so
      const key = activityKey();
      if (progress.phase === 'failed') {
        const step = progress.steps.find((s) => s.state === 'failed');
        const runUrl = runLink(config.temporal.uiUrl, config.temporal.namespace, progress.workflowId, progress.runId);
        await reportFailure(client, config, { source: 'restart', workflowType: 'restartWorkflow', step: step?.name, error: new Error(progress.error ?? 'the restart failed'), subject: `${progress.host} ${progress.service}`, person: progress.requestedBy, runUrl }, log);
      }
      for (const [i, watcher] of progress.watchers.entries()) {
        const message = renderRestartEnded(progress, context(progress, watcher.person.id));
        await enqueueChatMessage(client, watcher.chat, { key: `${key}/${i}`, mode: 'new', message });
      }
    },

    /**
     * An outbox set a message aside (refused for good, or its file could not be sent): said in
     * the worker's log and told to the admins, unless it is their own chat that fails.
     */
    async reportUndelivered(input: { chat: ChatRef; runId: string; key: string; error: string }): Promise<void> {
      const { platform, chatId } = input.chat;
      const named = Object.entries(config.chats).find(([, c]) => (c as Record<string, unknown>)[platform] === chatId)?.[0];
      const chat = named ? `${named} (${platform})` : `${platform} chat ${chatId}`;
      const outbox = runLink(config.temporal.uiUrl, config.temporal.namespace, outboxWorkflowId(input.chat), input.runId);
      // The platform's words, without control characters: they reach a terminal and a chat.
      const error = input.error.slice(0, 500).replace(/[\u0000-\u001f\u007f-\u009f]/g, ' ');
      const text = t('en', 'admin.undelivered', { chat, error, outbox });
      log(`dutydesk worker: ${text} (message ${input.key})`);
      // With failure reports configured, those tell ops (counted, ticketed); not when it is the failures chat itself that
      // fails, as its own notices would feed it for ever. Without them, the admins are told here.
      if (config.failures) {
        const failures = failureRoute(config)?.chat;
        if (failures && failures.platform === platform && failures.chatId === chatId) return;
        return reportFailure(client, config, { source: 'delivery', workflowType: 'outboxWorkflow', error: new Error(error), subject: chat, runUrl: outbox }, () => undefined);
      }
      const admins = config.notify.admins;
      if (!admins) return;
      const to = primaryChat(config, admins);
      if (to.platform === platform && to.chatId === chatId) return;
      await enqueueChatMessage(client, to, { key: `undelivered/${activityKey()}`, mode: 'new', message: { text } });
    },
  };
}
