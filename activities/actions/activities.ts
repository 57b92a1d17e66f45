/**
 * Runbook action activities, on the desk queue: plan a run from the worker's
 * configuration, run one step of it, and show its progress (one message,
 * edited) and each step's output (inline when short enough for the platform,
 * else its start inline and the whole as a file).
 */
import { randomUUID } from 'node:crypto';
import { mkdir, writeFile } from 'node:fs/promises';
import path from 'node:path';
import { Context } from '@temporalio/activity';
import type { Client } from '@temporalio/client';
import { readSecret, type LoadedConfig } from '../../config/load';
import { clip } from '../../lib/messages/clip';
import { renderActionApproval, renderActionOutput, renderActionProgress } from '../../lib/messages/actions';
import { runLink } from '../../lib/temporal-ui';
import type { ActionPlan, ActionProgress, ActionRequest, ActionStepResult } from '../../workflows/action/definitions';
import type { Platform } from '../../workflows/restart/definitions';
import { enqueueChatMessage } from '../chat/outbox-client';
import { pruneOlderThan } from '../storage/prune';
import type { HostExecutors } from '../hosts/executors';
import { withHeartbeat } from '../heartbeat';
import { monitoringPeers } from '../incidents/monitoring-http';
import { refuse, resolveAction } from './plan';
import { FILE_RETENTION_MS, runStep } from './steps';
import { NetBoxApi } from './netbox';
import { publishInventory as publishInventoryNow, type PublishOptions } from '../inventory/activities';

export interface ActionActivityDeps {
  config: LoadedConfig;
  client: Client;
  executors: HostExecutors;
  /** Where long outputs are kept for the chat worker to send; a day. */
  filesDir?: string;
}

/** Output shown in the message itself, per platform (Telegram's messages hold 4096 characters, Slack's sections 3000). */
export const INLINE_OUTPUT: Record<Platform, number> = { telegram: 3000, slack: 2800, web: 8000 };

export function createActionActivities({ config, client, executors, filesDir = path.join(process.env.DUTYDESK_DATA_DIR ?? '.data', 'actions') }: ActionActivityDeps) {
  const { prometheus } = monitoringPeers(config);
  const netboxConfig = config.inventory.netbox;
  const netbox = netboxConfig && new NetBoxApi({ url: netboxConfig.url, token: netboxConfig.token && (() => readSecret(netboxConfig.token!, config)) });
  const publishInventory = config.inventory.confluence ? (options: PublishOptions) => publishInventoryNow(config, client, options) : undefined;
  const runUrl = (p: ActionProgress) => runLink(config.temporal.uiUrl, config.temporal.namespace, p.workflowId, p.runId);

  /** A long output: its start for the message, the whole in a file. */
  async function keep(request: ActionRequest, index: number, output: string): Promise<Pick<ActionStepResult, 'output' | 'file'>> {
    const inline = INLINE_OUTPUT[request.chat.platform] ?? 3000;
    if (output.length <= inline) return { output };
    await mkdir(filesDir, { recursive: true });
    await pruneOlderThan(filesDir, FILE_RETENTION_MS);
    const name = `${request.actionId}-${index + 1}.txt`;
    const file = path.join(filesDir, `${randomUUID()}-${name}`);
    await writeFile(file, output);
    return { output: clip(output, Math.min(inline, 1500)), file: { path: file, name } };
  }

  return {
    async planAction(input: { request: ActionRequest; scheduledBy?: string }): Promise<ActionPlan> {
      return resolveAction(config, input.request, input.scheduledBy).plan;
    },

    /** One step, checked against the configuration as it is now: a changed action is refused, not run half-old. */
    async runActionStep(input: { request: ActionRequest; index: number; planId: string; scheduledBy?: string }): Promise<ActionStepResult> {
      const { action, plan, params } = resolveAction(config, input.request, input.scheduledBy);
      if (plan.planId !== input.planId) refuse(`the action ${action.title} changed in the configuration since this run began; ask again`);
      const step = action.steps[input.index];
      if (!step) refuse(`the action has no step ${input.index + 1}`);
      const info = Context.current().info;
      const timeoutMs = Math.max(1000, info.startToCloseTimeoutMs - 1000);
      const outcome = await withHeartbeat((signal) => runStep(step, { config, actionId: input.request.actionId, executors, params, language: input.request.language, signal, timeoutMs, prometheus, netbox, filesDir, publishInventory }));
      // A file with words (a report's chart): the words as for any output, in what a message holds.
      if (outcome.file) return { detail: outcome.detail, file: outcome.file, ...(outcome.output?.trim() ? { output: clip(outcome.output, INLINE_OUTPUT[input.request.chat.platform] ?? 3000) } : {}) };
      if (!outcome.output?.trim()) return { detail: outcome.detail };
      return { detail: outcome.detail, ...(await keep(input.request, input.index, outcome.output)) };
    },

    async publishActionProgress(input: { progress: ActionProgress }): Promise<void> {
      const { progress } = input;
      const message = renderActionProgress(progress, { language: progress.request.language, runUrl: runUrl(progress), now: Date.now() });
      await enqueueChatMessage(client, progress.request.chat, { key: `${progress.workflowId}/${progress.runId}/progress`, mode: 'upsert', message });
    },

    /** The approval request in the approvals chat, edited once decided. */
    async publishActionApproval(input: { progress: ActionProgress }): Promise<void> {
      const { progress } = input;
      const approval = progress.plan?.approval;
      if (!approval) return;
      const message = renderActionApproval(progress, { language: progress.request.language, runUrl: runUrl(progress), now: Date.now() });
      await enqueueChatMessage(client, approval.chat, { key: `${progress.workflowId}/${progress.runId}/approval`, mode: 'upsert', message });
    },

    async publishActionOutput(input: { progress: ActionProgress; index: number; result: ActionStepResult }): Promise<void> {
      const { progress, index, result } = input;
      const message = renderActionOutput(progress, index, result);
      await enqueueChatMessage(client, progress.request.chat, { key: `${progress.workflowId}/${progress.runId}/output/${index}`, mode: 'new', message });
    },
  };
}
