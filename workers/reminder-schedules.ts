/**
 * One Temporal Schedule per ticket group with reminders, made to match the
 * configuration whenever a worker starts: created when new, updated when the
 * times, zone or window changed (a pause set by ops in the UI stays), deleted
 * when the group's reminders are gone.
 *
 * Overlap SKIP and a catch-up window (default 1 h) mean that after downtime
 * the most recent missed run fires once and older ones are dropped: a run
 * reads the tickets as they are now, so one late digest says everything.
 */
import { ScheduleOverlapPolicy, type Client, type ScheduleOptions, type ScheduleOptionsStartWorkflowAction } from '@temporalio/client';
import type { LoadedConfig } from '../config/load';
import type { RemindersConfig } from '../config/tickets-schema';
import type { deadlineReminderWorkflow } from '../workflows/deadlines/reminder-workflow';
import { REMINDER_SCHEDULE_PREFIX, reminderScheduleId } from '../workflows/deadlines/definitions';
import { TASK_QUEUES } from './task-queues';
import { syncSchedules, type ScheduleSync } from './schedule-sync';

type ReminderSchedule = Omit<ScheduleOptions<ScheduleOptionsStartWorkflowAction<typeof deadlineReminderWorkflow>>, 'scheduleId'> & { scheduleId: string };

export function reminderSchedule(group: string, reminders: RemindersConfig): ReminderSchedule {
  const scheduleId = reminderScheduleId(group);
  return {
    scheduleId,
    spec: {
      calendars: reminders.times.map((time) => {
        const [hour, minute] = time.split(':').map(Number);
        return { hour, minute, comment: time };
      }),
      timezone: reminders.timeZone,
    },
    action: {
      type: 'startWorkflow',
      workflowType: 'deadlineReminderWorkflow',
      // The server appends the scheduled time: deadline-reminders-<group>-2026-11-25T09:00:00Z.
      workflowId: scheduleId,
      taskQueue: TASK_QUEUES.desk,
      args: [{ group, windowMs: reminders.window }],
    },
    policies: { overlap: ScheduleOverlapPolicy.SKIP, catchupWindow: reminders.catchUp },
    state: { note: `Deadline reminders for ticket group ${group}, kept in step with dutydesk's configuration at worker start` },
  };
}

export type { ScheduleSync } from './schedule-sync';

export async function syncReminderSchedules(client: Client, config: LoadedConfig): Promise<ScheduleSync> {
  const wanted = Object.entries(config.tickets?.groups ?? {}).flatMap(([group, g]) => (g.reminders ? [reminderSchedule(group, g.reminders)] : []));
  return syncSchedules(client, REMINDER_SCHEDULE_PREFIX, wanted as (ScheduleOptions & { scheduleId: string })[]);
}
