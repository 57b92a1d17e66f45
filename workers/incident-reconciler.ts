/**
 * The reconciler's Temporal Schedule, made to match the configuration when a
 * worker starts: created or updated when monitoring names an Alertmanager and
 * reconcile is on, deleted otherwise. Overlap SKIP: one round at a time.
 */
import { ScheduleAlreadyRunning, ScheduleNotFoundError, ScheduleOverlapPolicy, type Client } from '@temporalio/client';
import type { LoadedConfig } from '../config/load';
import { INCIDENT_RECONCILER_SCHEDULE } from '../workflows/incident/definitions';
import { TASK_QUEUES } from './task-queues';

export async function syncIncidentReconciler(client: Client, config: LoadedConfig): Promise<'created' | 'updated' | 'deleted' | 'none'> {
  const monitoring = config.monitoring;
  const every = monitoring?.alertmanager && monitoring.reconcile !== 'off' ? monitoring.reconcile : undefined;
  const handle = client.schedule.getHandle(INCIDENT_RECONCILER_SCHEDULE);
  if (!every) {
    try {
      await handle.delete();
      return 'deleted';
    } catch (err) {
      if (err instanceof ScheduleNotFoundError) return 'none';
      throw err;
    }
  }
  const schedule = {
    spec: { intervals: [{ every }] },
    action: { type: 'startWorkflow' as const, workflowType: 'incidentReconcilerWorkflow', workflowId: INCIDENT_RECONCILER_SCHEDULE, taskQueue: TASK_QUEUES.desk, args: [] },
    policies: { overlap: ScheduleOverlapPolicy.SKIP, catchupWindow: Math.max(every, 60_000) },
    state: { note: "Compares Alertmanager's alerts with dutydesk's open incidents; kept in step with the configuration at worker start" },
  };
  try {
    await client.schedule.create({ scheduleId: INCIDENT_RECONCILER_SCHEDULE, ...schedule });
    return 'created';
  } catch (err) {
    if (!(err instanceof ScheduleAlreadyRunning)) throw err;
    await handle.update((previous) => ({ ...schedule, state: { paused: previous.state.paused, note: previous.state.paused ? previous.state.note : schedule.state.note } }));
    return 'updated';
  }
}
