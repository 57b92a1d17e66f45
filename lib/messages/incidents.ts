/**
 * Incident messages: the group message (what, since when, severity, summary,
 * links, buttons) edited as the incident moves, the "up again" notes for the
 * group and the client, and the ticket's text. Alert text is outside text:
 * it is shown as it came (plain, each platform escapes it) and clipped.
 */
import type { ChatButton, ChatMessage } from '../../activities/chat/port';
import { formatDuration } from '../duration';
import { t } from '../i18n';
import type { AlertEvent } from '../../workflows/incident/definitions';
import type { DigestEntry } from '../../workflows/incident/digest-definitions';
import type { IncidentView } from '../../workflows/incident/view';
import { clip } from './clip';
import { clockUtc } from './tickets';

export interface IncidentRenderContext {
  now: number;
  runUrl: string;
}

/** What the incident is about: the host, else the first alert's name and instance. */
export function incidentSubject(view: Pick<IncidentView, 'host' | 'alerts'>): string {
  if (view.host) return view.host;
  const first = view.alerts[0];
  const instance = first && Object.hasOwn(first.labels, 'instance') ? ` ${first.labels.instance}` : '';
  return clip(`${first?.alertname ?? 'alert'}${instance}`, 120);
}

export function incidentAction(verb: 'ack' | 'silence1h' | 'silence4h' | 'unsilence' | 'restart' | 'runbook', workflowId: string): string {
  return `incident.${verb}:${workflowId}`;
}

function alertLine(alert: AlertEvent): string {
  return `${alert.alertname}${alert.severity ? ` (${alert.severity})` : ''}${alert.summary ? `: ${clip(alert.summary, 300)}` : ''}`;
}

function buttons(view: IncidentView, lang: string): ChatButton[][] {
  if (view.phase === 'cleared' || view.phase === 'quiet') return [];
  const id = view.workflowId;
  const first: ChatButton[] = [];
  if (!view.acknowledgedBy) first.push({ label: t(lang, 'incident.button.ack'), action: incidentAction('ack', id) });
  if (view.host) first.push({ label: t(lang, 'incident.button.restart'), action: incidentAction('restart', id) });
  if (view.alerts.some((a) => a.runbookUrl)) first.push({ label: t(lang, 'incident.button.runbook'), action: incidentAction('runbook', id) });
  const silence: ChatButton[] = view.silence
    ? [{ label: t(lang, 'incident.button.unsilence'), action: incidentAction('unsilence', id) }]
    : [
        { label: t(lang, 'incident.button.silence1h'), action: incidentAction('silence1h', id) },
        { label: t(lang, 'incident.button.silence4h'), action: incidentAction('silence4h', id) },
      ];
  return [first, silence].filter((row) => row.length > 0);
}

export function renderIncidentMessage(view: IncidentView, ctx: IncidentRenderContext): ChatMessage {
  const lang = view.language;
  const subject = incidentSubject(view);
  const [first, ...others] = view.alerts;
  const icon = view.phase === 'cleared' ? '✅' : view.phase === 'recovering' ? '🟡' : '🔴';
  const lines = [t(lang, 'incident.firing', { icon, subject, alert: first ? alertLine(first) : '-' })];
  for (const alert of others.slice(0, 9)) lines.push(`• ${alertLine(alert)}`);
  const more = Math.max(0, others.length - 9) + view.moreAlerts;
  if (more) lines.push(t(lang, 'incident.moreAlerts', { count: more }));
  if (view.since) lines.push(t(lang, 'incident.since', { time: clockUtc(view.since, lang), duration: formatDuration((view.clearedAt ?? ctx.now) - view.since) }));
  if (first?.severity) lines.push(t(lang, 'incident.severity', { severity: first.severity }));
  if (first?.description) lines.push(clip(first.description, 800));
  const runbook = view.alerts.find((a) => a.runbookUrl)?.runbookUrl;
  if (runbook) lines.push(t(lang, 'incident.runbook', { url: runbook }));
  if (first?.generatorUrl) lines.push(t(lang, 'incident.prometheus', { url: first.generatorUrl }));
  if (view.ticket) lines.push(t(lang, 'incident.ticket', { id: view.ticket.id, url: view.ticket.url }));
  lines.push(t(lang, 'incident.run', { url: ctx.runUrl }));
  if (view.acknowledgedBy) lines.push(t(lang, 'incident.acknowledged', { name: view.acknowledgedBy.name, time: clockUtc(view.acknowledgedBy.at, lang) }));
  if (view.silence && view.silence.until > ctx.now && view.phase !== 'cleared') lines.push(t(lang, 'incident.silenced', { name: view.silence.by, time: clockUtc(view.silence.until, lang) }));
  if (view.phase === 'recovering' && view.resolvedAt) {
    lines.push(
      view.confirmation === 'down'
        ? t(lang, 'incident.unconfirmed', { time: clockUtc(view.resolvedAt + holdDownOf(view), lang) })
        : t(lang, 'incident.recovering', { time: clockUtc(view.resolvedAt, lang), closeAt: clockUtc(view.resolvedAt + holdDownOf(view), lang) }),
    );
  }
  if (view.phase === 'cleared' && view.clearedAt && view.since) lines.push(t(lang, 'incident.cleared', { time: clockUtc(view.clearedAt, lang), duration: formatDuration(view.clearedAt - view.since) }));
  if (view.flapping) lines.push(t(lang, 'incident.flapping', { count: view.returns ?? 0, window: formatDuration(view.flapWindowMs ?? 0) }));
  return { text: lines.join('\n'), buttons: buttons(view, lang) };
}

function holdDownOf(view: IncidentView): number {
  return view.holdDownMs ?? 0;
}

/** "demo-web is up again after 9 min. Ticket #12 is resolved." for the group; the client's own words for theirs. */
export function renderRecovery(view: IncidentView, audience: 'group' | 'client', settled = false): string {
  const lang = view.language;
  const subject = incidentSubject(view);
  const down = formatDuration(Math.max(0, (view.clearedAt ?? 0) - (view.since ?? view.clearedAt ?? 0)));
  if (settled) return t(lang, 'incident.settled', { subject, time: clockUtc(view.clearedAt ?? 0, lang) });
  if (audience === 'client') return t(lang, 'incident.clientUp', { subject, duration: down });
  return t(lang, 'incident.upAgain', { subject, duration: down, ticket: view.ticket ? t(lang, 'incident.upAgainTicket', { id: view.ticket.id }) : '' });
}

/** The ticket's title, with the time the incident began, so each outage's ticket is told apart. */
export function incidentTicketTitle(view: IncidentView): string {
  const first = view.alerts[0];
  const since = view.since ? new Date(view.since).toISOString().slice(0, 16).replace('T', ' ') : '';
  return clip(`[incident] ${incidentSubject(view)}: ${first?.alertname ?? 'alert'}${first?.severity ? ` (${first.severity})` : ''} since ${since} UTC`, 200);
}

/** The ticket's text: the alert's facts, in English (ticket systems keep one language). */
export function incidentTicketText(view: IncidentView, runUrl: string): string {
  const lines: string[] = [];
  for (const alert of view.alerts) {
    lines.push(`Alert: ${alert.alertname}${alert.severity ? ` (severity ${alert.severity})` : ''}`);
    lines.push(`Since: ${new Date(alert.startsAt).toISOString()}`);
    if (alert.summary) lines.push(`Summary: ${alert.summary}`);
    if (alert.description) lines.push(`Description: ${alert.description}`);
    if (alert.runbookUrl) lines.push(`Runbook: ${alert.runbookUrl}`);
    if (alert.generatorUrl) lines.push(`Prometheus: ${alert.generatorUrl}`);
    lines.push(`Labels: ${Object.entries(alert.labels).map(([k, v]) => `${k}=${JSON.stringify(v)}`).join(', ')}`);
    lines.push('');
  }
  lines.push(`Followed by dutydesk: ${runUrl}`);
  lines.push('It closes this ticket when the alert resolves, and reopens it if the alert returns soon after.');
  return lines.join('\n');
}

/** An incident as one line of a storm's digest. */
export function digestEntry(view: IncidentView, kind: 'down' | 'up', runUrl: string): DigestEntry {
  const first = view.alerts[0];
  const line = kind === 'down' ? (first ? alertLine(first) : '-') : formatDuration(Math.max(0, (view.clearedAt ?? 0) - (view.since ?? view.clearedAt ?? 0)));
  return { kind, subject: incidentSubject(view), line: clip(line, 200), ticket: view.ticket && { id: view.ticket.id, url: view.ticket.url }, runUrl };
}

/** A storm's digest: what went down and what came back in the window, each with its ticket and run. */
export function renderIncidentDigest(entries: DigestEntry[], language: string): string {
  const lines: string[] = [];
  for (const kind of ['down', 'up'] as const) {
    const some = entries.filter((e) => e.kind === kind);
    if (!some.length) continue;
    if (lines.length) lines.push('');
    lines.push(t(language, kind === 'down' ? 'incident.digestDown' : 'incident.digestUp', { count: some.length }));
    for (const e of some) lines.push(`• ${e.subject}: ${e.line}${e.ticket ? ` · #${e.ticket.id} ${e.ticket.url}` : ''} · ${e.runUrl}`);
  }
  return lines.join('\n');
}
