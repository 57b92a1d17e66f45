/**
 * The deadline workflows' contract: one Temporal Schedule per ticket group
 * (deadline-reminders-<group>) starting a reminder run at the configured
 * times; on-demand runs for one person; OLA reports. Types only.
 */
import type { OlaReport } from '../../lib/ola';
import type { ChatRef } from '../restart/definitions';

export const REMINDER_SCHEDULE_PREFIX = 'deadline-reminders-';
export const reminderScheduleId = (group: string) => `${REMINDER_SCHEDULE_PREFIX}${group}`;

/** What a schedule hands each run; the window travels with it, so a config change reaches the next run. */
export interface ReminderRunInput {
  group: string;
  windowMs: number;
}

export interface ReminderRunResult {
  tickets: number;
  overdue: number;
  /** Direct messages and group digest messages put in the outboxes. */
  messages: number;
  engineers: number;
}

/** `deadlines` from chat: the speaker's own tickets, answered where they asked. */
export interface PersonalDeadlinesInput {
  userId: string;
  windowMs: number;
  chat: ChatRef;
  language: string;
  /** Outbox key prefix of the answer. */
  key: string;
}

export interface OlaRequest {
  from: number;
  to: number;
  label: string;
  /** Where to answer; absent for the HTTP API, which reads the workflow's result. */
  answer?: { chat: ChatRef; language: string; key: string };
}

export interface OlaResult {
  from: string;
  to: string;
  label: string;
  report: OlaReport;
}
