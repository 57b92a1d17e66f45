/**
 * The reconciler's round, started by a Temporal Schedule (every minute by
 * default): Alertmanager's alerts compared with the open incidents. A round
 * that fails is told to ops (grouped with its repeats), fails visibly in the
 * UI, and the next one tries again.
 */
import { patched, proxyActivities } from '@temporalio/workflow';
import { reportRunFailure } from '../failure/report-run-failure';
import type { createIncidentActivities } from '../../activities/incidents/activities';
import { TASK_QUEUES } from '../../workers/task-queues';

const { reconcileAlerts } = proxyActivities<ReturnType<typeof createIncidentActivities>>({
  taskQueue: TASK_QUEUES.desk,
  startToCloseTimeout: '2m',
  heartbeatTimeout: '30s',
  // Within the round: the next round is a minute away.
  scheduleToCloseTimeout: '4m',
  retry: { initialInterval: '2s', maximumInterval: '20s', nonRetryableErrorTypes: ['MonitoringRefused', 'TicketSystemRefused'] },
});

export async function incidentReconcilerWorkflow(): Promise<{ alerts: number; incidents: number; started: number }> {
  try {
    return await reconcileAlerts();
  } catch (err) {
    if (patched('report-failures')) await reportRunFailure(err, { source: 'incident reconciler', workflowType: 'incidentReconcilerWorkflow' });
    throw err;
  }
}
