/**
 * Makes the Temporal Schedules under one id prefix match what the
 * configuration wants: new ones created, existing ones updated (a pause set by
 * ops in the UI stays, with its note), ones no longer wanted deleted.
 */
import { ScheduleAlreadyRunning, type Client, type ScheduleOptions } from '@temporalio/client';

export interface ScheduleSync {
  created: string[];
  updated: string[];
  deleted: string[];
}

export async function syncSchedules(client: Client, prefix: string, wanted: (ScheduleOptions & { scheduleId: string })[]): Promise<ScheduleSync> {
  const sync: ScheduleSync = { created: [], updated: [], deleted: [] };
  for (const schedule of wanted) {
    try {
      await client.schedule.create(schedule);
      sync.created.push(schedule.scheduleId);
    } catch (err) {
      if (!(err instanceof ScheduleAlreadyRunning)) throw err;
      await client.schedule.getHandle(schedule.scheduleId).update((previous) => ({
        spec: schedule.spec,
        action: schedule.action,
        policies: schedule.policies,
        state: { paused: previous.state.paused, note: previous.state.paused ? previous.state.note : schedule.state?.note },
      }));
      sync.updated.push(schedule.scheduleId);
    }
  }
  const keep = new Set(wanted.map((s) => s.scheduleId));
  for await (const listed of client.schedule.list()) {
    if (listed.scheduleId.startsWith(prefix) && !keep.has(listed.scheduleId)) {
      await client.schedule.getHandle(listed.scheduleId).delete();
      sync.deleted.push(listed.scheduleId);
    }
  }
  return sync;
}
