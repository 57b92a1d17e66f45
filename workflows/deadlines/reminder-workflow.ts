/**
 * Deadline reminders: a scheduled run per group, and `deadlines` on demand
 * for one person. The clock is the workflow's (the time the run started), so
 * a retried activity renders the same "time left" and its outbox keys match.
 */
import { workflowInfo } from '@temporalio/workflow';
import { rootMessage } from '../../lib/failure';
import { answer, onDemand, scheduled } from './activity-proxies';
import type { PersonalDeadlinesInput, ReminderRunInput, ReminderRunResult } from './definitions';

export async function deadlineReminderWorkflow(input: ReminderRunInput): Promise<ReminderRunResult> {
  return scheduled.sendDeadlineReminders({ ...input, now: Date.now(), runKey: workflowInfo().workflowId });
}

/** Answers `deadlines` in the chat it came from, or says why it could not. */
export async function personalDeadlinesWorkflow(input: PersonalDeadlinesInput): Promise<number> {
  try {
    return await onDemand.sendPersonalDeadlines({ ...input, now: Date.now() });
  } catch (err) {
    await answer.sendDeadlineFailure({ chat: input.chat, language: input.language, key: `${input.key}/failed`, messageKey: 'deadline.failed', error: rootMessage(err) });
    return 0;
  }
}
