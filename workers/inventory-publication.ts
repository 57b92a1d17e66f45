/**
 * Keeps the inventory's Confluence pages current: a Schedule (every
 * inventory.confluence.every) and, at worker start, one publication per
 * distinct inventory (its digest in the workflow id), so a changed
 * configuration is published once, however many workers start with it.
 */
import { ScheduleOverlapPolicy, WorkflowExecutionAlreadyStartedError, WorkflowIdReusePolicy, type Client } from '@temporalio/client';
import type { LoadedConfig } from '../config/load';
import { inventoryDigest } from '../activities/inventory/publish';
import { INVENTORY_PUBLISH_PREFIX, INVENTORY_PUBLISH_SCHEDULE } from '../workflows/inventory/publish-workflow';
import { syncSchedules } from './schedule-sync';
import { TASK_QUEUES } from './task-queues';

export type PublicationStart = 'none' | 'started' | 'published already';

export async function syncInventoryPublication(client: Client, config: LoadedConfig): Promise<PublicationStart> {
  const confluence = config.inventory.confluence;
  await syncSchedules(
    client,
    INVENTORY_PUBLISH_SCHEDULE,
    confluence
      ? [
          {
            scheduleId: INVENTORY_PUBLISH_SCHEDULE,
            spec: { intervals: [{ every: confluence.every }] },
            action: { type: 'startWorkflow', workflowType: 'inventoryPublishWorkflow', workflowId: INVENTORY_PUBLISH_SCHEDULE, taskQueue: TASK_QUEUES.desk, args: [{ trigger: 'schedule' }] },
            policies: { overlap: ScheduleOverlapPolicy.SKIP, catchupWindow: 60_000 },
            state: { note: 'The inventory published to Confluence, kept in step with dutydesk\'s configuration at worker start' },
          },
        ]
      : [],
  );
  if (!confluence) return 'none';
  try {
    const digest = inventoryDigest(config);
    await client.workflow.start('inventoryPublishWorkflow', {
      workflowId: `${INVENTORY_PUBLISH_PREFIX}config-${digest}`,
      taskQueue: TASK_QUEUES.desk,
      args: [{ trigger: 'configuration', digest }],
      // A failed publication of this inventory may be tried again by the next worker start; a finished one is not repeated.
      workflowIdReusePolicy: WorkflowIdReusePolicy.ALLOW_DUPLICATE_FAILED_ONLY,
    });
    return 'started';
  } catch (err) {
    if (err instanceof WorkflowExecutionAlreadyStartedError) return 'published already';
    throw err;
  }
}
