/**
 * One Temporal Schedule per runbook action with a `schedule`, made to match
 * the configuration whenever a worker starts. Each scheduled run posts its
 * progress and output to the schedule's chat. Overlap SKIP: a run still going
 * when the next is due lets it pass.
 */
import { ScheduleOverlapPolicy, type Client, type ScheduleOptions } from '@temporalio/client';
import type { LoadedConfig } from '../config/load';
import { primaryChat } from '../config/restart-plan';
import { ACTION_SCHEDULE_PREFIX, SCHEDULE_PERSON, type ActionRequest } from '../workflows/action/definitions';
import { syncSchedules, type ScheduleSync } from './schedule-sync';
import { TASK_QUEUES } from './task-queues';
import { TEAM_ATTR } from '../lib/search-attributes';
import { hasTeams, teamOfAction } from '../config/teams';

export function actionSchedules(config: LoadedConfig): (ScheduleOptions & { scheduleId: string })[] {
  return Object.entries(config.actions).flatMap(([actionId, action]) => {
    const schedule = action.schedule;
    if (!schedule) return [];
    const scheduleId = `${ACTION_SCHEDULE_PREFIX}${actionId}`;
    const request: ActionRequest = { actionId, params: schedule.params, requestedBy: SCHEDULE_PERSON, chat: primaryChat(config, schedule.chat), language: schedule.language, scheduled: true };
    const spec = schedule.every !== undefined
      ? { intervals: [{ every: schedule.every }] }
      : { calendars: schedule.at!.map((time) => ({ hour: Number(time.slice(0, 2)), minute: Number(time.slice(3)), comment: time })), timezone: schedule.timeZone };
    return [
      {
        scheduleId,
        spec,
        // The server appends the scheduled time to the workflow id.
        action: { type: 'startWorkflow' as const, workflowType: 'actionWorkflow', workflowId: scheduleId, taskQueue: TASK_QUEUES.desk, args: [request], ...(hasTeams(config) ? { typedSearchAttributes: [{ key: TEAM_ATTR, value: teamOfAction(actionId) }] } : {}) },
        policies: { overlap: ScheduleOverlapPolicy.SKIP, catchupWindow: 3_600_000 },
        state: { note: `Runbook action ${actionId}, kept in step with dutydesk's configuration at worker start` },
      },
    ];
  });
}

export function syncActionSchedules(client: Client, config: LoadedConfig): Promise<ScheduleSync> {
  return syncSchedules(client, ACTION_SCHEDULE_PREFIX, actionSchedules(config));
}
