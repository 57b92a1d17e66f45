/**
 * Alertmanager's webhook payload (version 4), checked at the door, and each
 * alert made into the event an incident takes. Alerts are outside text:
 * labels and annotations are clipped, links are kept only when http(s).
 */
import { z } from 'zod';
import type { AlertEvent } from '../../workflows/incident/definitions';
import { clip } from '../messages/clip';

/** Alertmanager's "no end yet", and anything before 2000, count as no time at all. */
const NO_TIME_BEFORE = Date.UTC(2000, 0, 1);
const MAX_LABELS = 40;
const MAX_VALUE = 500;
const MAX_TEXT = 2000;
const MAX_CLOCK_AHEAD_MS = 5 * 60_000;

const labelSet = z.record(z.string().max(200), z.string().max(100_000)).refine((l) => Object.keys(l).length <= 200, 'at most 200 labels');
const time = z.string().max(64).refine((v) => !Number.isNaN(Date.parse(v)), 'expected an RFC 3339 time such as 2026-12-01T10:00:00Z');

export const webhookAlertSchema = z.object({
  status: z.enum(['firing', 'resolved']),
  labels: labelSet,
  annotations: labelSet.default({}),
  startsAt: time,
  endsAt: time.optional(),
  generatorURL: z.string().max(10_000).optional(),
  fingerprint: z.string().regex(/^[0-9a-f]{1,32}$/, 'expected Alertmanager\'s hexadecimal fingerprint'),
});
export type WebhookAlert = z.infer<typeof webhookAlertSchema>;

/** An alert as Alertmanager's API v2 lists it (GET /api/v2/alerts), for the reconciler. */
export const heldAlertSchema = webhookAlertSchema.omit({ status: true }).extend({
  status: z.object({ state: z.enum(['active', 'suppressed', 'unprocessed']) }),
});

export const webhookPayloadSchema = z.object({
  version: z.literal('4', { errorMap: () => ({ message: 'expected version "4" (Alertmanager 0.x webhook payloads)' }) }),
  groupKey: z.string().max(10_000).optional(),
  truncatedAlerts: z.number().int().min(0).default(0),
  status: z.enum(['firing', 'resolved']),
  receiver: z.string().max(200),
  externalURL: z.string().max(10_000).optional(),
  alerts: z.array(webhookAlertSchema).max(20_000),
});
export type WebhookPayload = z.infer<typeof webhookPayloadSchema>;

/** An http(s) link, else nothing: a button or a message must never carry javascript: or data: links. */
export function safeLink(value: string | undefined): string | undefined {
  if (!value) return undefined;
  try {
    const url = new URL(value);
    return url.protocol === 'http:' || url.protocol === 'https:' ? clip(url.toString(), 2000) : undefined;
  } catch {
    return undefined;
  }
}

function instant(value: string | undefined): number | undefined {
  if (!value) return undefined;
  const ms = Date.parse(value);
  return Number.isNaN(ms) || ms < NO_TIME_BEFORE ? undefined : ms;
}

/** Alertmanager's alert (webhook or API v2, which share these fields) as an incident's event. */
export function alertEvent(alert: Pick<WebhookAlert, 'status' | 'labels' | 'annotations' | 'startsAt' | 'endsAt' | 'generatorURL' | 'fingerprint'>): AlertEvent {
  const labels: Record<string, string> = {};
  for (const [key, value] of Object.entries(alert.labels).slice(0, MAX_LABELS)) labels[clip(key, 100)] = clip(value, MAX_VALUE);
  const note = (key: string) => (Object.hasOwn(alert.annotations ?? {}, key) ? clip(String(alert.annotations[key]), MAX_TEXT) : undefined);
  // A start in the future (a clock far ahead) would make every real event after it look stale.
  const startsAt = Math.min(instant(alert.startsAt) ?? 0, Date.now() + MAX_CLOCK_AHEAD_MS);
  return {
    fingerprint: alert.fingerprint,
    status: alert.status,
    startsAt,
    ...(alert.status === 'resolved' ? { endsAt: instant(alert.endsAt) ?? startsAt } : {}),
    alertname: clip(Object.hasOwn(alert.labels, 'alertname') ? alert.labels.alertname : 'alert', 200),
    severity: Object.hasOwn(alert.labels, 'severity') ? clip(alert.labels.severity, 50) : undefined,
    summary: note('summary'),
    description: note('description'),
    runbookUrl: safeLink(note('runbook_url')),
    generatorUrl: safeLink(alert.generatorURL),
    labels,
  };
}

/** A zod error as one line that names the field: "alerts.3.startsAt: expected an RFC 3339 time". */
export function payloadProblem(error: z.ZodError): string {
  return error.issues
    .slice(0, 3)
    .map((i) => `${i.path.join('.') || 'body'}: ${i.message}`)
    .join('; ');
}
