/**
 * Reports a failure: redacted, fingerprinted (what failed, where, the error's
 * class and its message with numbers and ids taken out) and handed to its
 * workflow by signal-with-start. For the gateway, the worker's activities,
 * anything that catches what it cannot handle. Never throws: a report that
 * cannot be made is logged.
 */
import { clip } from '../../lib/messages/clip';
import { createHash } from 'node:crypto';
import type { Client } from '@temporalio/client';
import type { DutydeskConfig } from '../../config/schema';
import { primaryChat } from '../../config/restart-plan';
import { compileRedactions, redactSecrets } from '../../lib/redact';
import { metrics } from '../../lib/metrics';
import { TASK_QUEUES } from '../../workers/task-queues';
import { FAILURE_PREFIX, occurredSignal, type FailureInput, type FailureOccurrence, type FailureRoute, type FailureSummary } from '../../workflows/failure/definitions';
import type { Person } from '../../workflows/restart/definitions';

export interface FailureReport {
  source: string;
  workflowType?: string;
  step?: string;
  error: unknown;
  subject?: string;
  person?: Person;
  runUrl?: string;
}

/** The same failure reads the same: ids, numbers, times, addresses and quoted values become placeholders. */
export function normaliseMessage(message: string): string {
  return clip(
    message
      .toLowerCase()
      .replace(/[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}/g, '<id>')
      .replace(/\b\d{4}-\d\d-\d\dt[\d:.]+z?\b/g, '<time>')
      .replace(/\b(\d{1,3}\.){3}\d{1,3}(:\d+)?\b/g, '<address>')
      .replace(/\b[0-9a-f]{12,}\b/g, '<id>')
      .replace(/"[^"]*"|'[^']*'|«[^»]*»/g, '<value>')
      .replace(/\d+(\.\d+)?/g, '<n>')
      .replace(/\s+/g, ' ')
      .trim(),
    300,
  );
}

function errorParts(error: unknown): { errorClass: string; message: string } {
  let e: unknown = error;
  // The innermost cause names what really went wrong (an ActivityFailure wraps it).
  while (e && typeof e === 'object' && 'cause' in e && (e as { cause?: unknown }).cause) e = (e as { cause: unknown }).cause;
  const err = e as { name?: unknown; type?: unknown; message?: unknown };
  const errorClass = typeof err?.type === 'string' && err.type ? err.type : typeof err?.name === 'string' && err.name ? err.name : 'Error';
  const message = typeof err?.message === 'string' ? err.message : String(e);
  return { errorClass: clip(errorClass, 80), message };
}

export function failureRoute(config: DutydeskConfig): FailureRoute | undefined {
  const failures = config.failures;
  const chat = failures?.chat ?? config.notify.admins;
  if (!chat) return undefined;
  return { chat: primaryChat(config, chat), ticket: failures?.ticket, reopenWithinMs: failures?.reopenWithin ?? 14 * 86_400_000, repeatEveryMs: failures?.repeatEvery ?? 30 * 60_000 };
}

/** `extra`: the configuration's own patterns of secrets (dumps.redact). */
export function failureOf(report: FailureReport, extra: readonly RegExp[] = []): { fingerprint: string; summary: FailureSummary; occurrence: FailureOccurrence } {
  const { errorClass, message } = errorParts(report.error);
  const redacted = clip(redactSecrets(message, extra), 1000);
  const summary: FailureSummary = { source: report.source, workflowType: report.workflowType, step: report.step, errorClass, normalised: normaliseMessage(redacted) };
  const fingerprint = createHash('sha256').update(JSON.stringify([summary.source, summary.workflowType ?? '', summary.step ?? '', summary.errorClass, summary.normalised])).digest('hex').slice(0, 32);
  const occurrence: FailureOccurrence = { at: Date.now(), message: redacted, subject: report.subject && clip(redactSecrets(report.subject, extra), 200), person: report.person, runUrl: report.runUrl };
  return { fingerprint, summary, occurrence };
}

/** The configuration's own patterns of secrets, which failure texts lose too. */
export const configuredRedactions = (config: DutydeskConfig): RegExp[] => compileRedactions(config.dumps?.redact ?? []);

export async function reportFailure(client: Client, config: DutydeskConfig, report: FailureReport, log: (line: string) => void = console.error): Promise<void> {
  const { fingerprint, summary, occurrence } = failureOf(report, configuredRedactions(config));
  metrics.failuresReported().inc({ source: summary.source });
  const route = failureRoute(config);
  log(`dutydesk: ${summary.source}${report.subject ? ` (${occurrence.subject})` : ''} failed: ${summary.errorClass}: ${occurrence.message}${route ? '' : ' (set notify.admins or failures.chat to hear of failures in chat)'}`);
  if (!route) return;
  const input: FailureInput = { fingerprint, summary, route };
  try {
    await client.workflow.signalWithStart('failureWorkflow', {
      workflowId: `${FAILURE_PREFIX}${fingerprint}`,
      taskQueue: TASK_QUEUES.desk,
      args: [input],
      signal: occurredSignal,
      signalArgs: [occurrence, route],
    });
  } catch (err) {
    log(`dutydesk: the failure could not be reported (${(err as Error).message})`);
  }
}
