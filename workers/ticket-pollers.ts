/**
 * One poller workflow per ticket system with polling on, started (or given
 * the new settings) whenever a worker starts, so config changes take effect
 * without losing the cursor.
 */
import { WorkflowExecutionAlreadyStartedError, type Client } from '@temporalio/client';
import type { LoadedConfig } from '../config/load';
import { watchedQueues } from '../activities/tickets/systems';
import { reconfigureSignal, ticketPollerWorkflowId, type PollerInput, type PollerSettings } from '../workflows/ticket/definitions';
import { TASK_QUEUES } from './task-queues';

export async function ensureTicketPollers(client: Client, config: LoadedConfig): Promise<string[]> {
  const started: string[] = [];
  for (const [system, s] of Object.entries(config.tickets?.systems ?? {})) {
    const settings: PollerSettings = { queues: watchedQueues(config, system), intervalMs: s.pollInterval, lookbackMs: s.lookback };
    const workflowId = ticketPollerWorkflowId(system);
    if (settings.intervalMs <= 0 || settings.queues.length === 0) {
      // Polling turned off: a running poller hears interval 0 and ends.
      await client.workflow.getHandle(workflowId).signal(reconfigureSignal, { ...settings, intervalMs: 0 }).catch(() => undefined);
      continue;
    }
    const input: PollerInput = { system, settings };
    try {
      await client.workflow.start('ticketPollerWorkflow', { workflowId, taskQueue: TASK_QUEUES.desk, args: [input] });
    } catch (err) {
      if (!(err instanceof WorkflowExecutionAlreadyStartedError)) throw err;
      await client.workflow.getHandle(workflowId).signal(reconfigureSignal, settings);
    }
    started.push(workflowId);
  }
  return started;
}
