/**
 * Deadline reminders: a scheduled run per group, and `deadlines` on demand
 * for one person. The clock is the workflow's (the time the run started), so
 * a retried activity renders the same "time left" and its outbox keys match.
 */
import { patched, workflowInfo } from '@temporalio/workflow';
import { rootMessage } from '../../lib/failure';
import { reportRunFailure } from '../failure/report-run-failure';
import { answer, onDemand, scheduled } from './activity-proxies';
import type { PersonalDeadlinesInput, ReminderRunInput, ReminderRunResult } from './definitions';

export async function deadlineReminderWorkflow(input: ReminderRunInput): Promise<ReminderRunResult> {
  try {
    return await scheduled.sendDeadlineReminders({ ...input, now: Date.now(), runKey: workflowInfo().workflowId });
  } catch (err) {
    // A scheduled run that fails has nobody waiting on it: told to ops, then failed (visibly, in the UI).
    if (patched('report-failures')) await reportRunFailure(err, { source: 'deadline reminders', workflowType: 'deadlineReminderWorkflow', subject: input.group });
    throw err;
  }
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
