/**
 * Publishes the inventory to Confluence: started by its Schedule and, with a
 * workflow id of the inventory's digest, whenever a worker starts with a
 * changed inventory. The worker's configuration decides everything; the run
 * carries only why it was started. A failed run is told to ops.
 */
import { proxyActivities } from '@temporalio/workflow';
import type { createInventoryActivities, PublicationReport } from '../../activities/inventory/activities';
import { reportRunFailure } from '../failure/report-run-failure';

export const INVENTORY_PUBLISH_PREFIX = 'inventory-publish-';
export const INVENTORY_PUBLISH_SCHEDULE = `${INVENTORY_PUBLISH_PREFIX}schedule`;

const { publishInventory } = proxyActivities<ReturnType<typeof createInventoryActivities>>({
  startToCloseTimeout: '5m',
  // A worker with another inventory (a rolling deploy) says so and another attempt finds one with this run's.
  retry: { initialInterval: '10s', maximumInterval: '2m', maximumAttempts: 6, nonRetryableErrorTypes: ['ConfluenceRefused'] },
});

/** `digest`: a configuration change's run publishes that inventory only, on a worker that has it. */
export async function inventoryPublishWorkflow(input: { trigger: 'schedule' | 'configuration'; digest?: string }): Promise<PublicationReport> {
  try {
    return await publishInventory({ digest: input?.digest });
  } catch (err) {
    await reportRunFailure(err, { source: 'confluence', workflowType: 'inventoryPublishWorkflow', subject: `inventory publication (${input?.trigger ?? 'schedule'})` });
    throw err;
  }
}
