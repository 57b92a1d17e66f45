/**
 * How deadlines and OLA figures read in chat: time left in words people read
 * fast ("3 h 20 min left", "overdue by 40 min"), due times in the reader's
 * zone, digests split into messages that fit the platform. Pure functions.
 */
import { formatDuration } from '../duration';
import type { OlaFigure, OlaReport, TargetFigure } from '../ola';
import { t } from '../i18n';
import { clip } from './clip';

/** A ticket in a reminder: what a line shows. */
export interface DueTicket {
  id: string;
  title: string;
  url: string;
  /** ISO 8601. */
  due: string;
  /** The responsible engineer's name, or undefined when nobody owns it. */
  owner?: string;
}

export interface ReaderContext {
  language: string;
  timeZone: string;
  now: number;
}

const MINUTE = 60_000;
const HOUR = 60 * MINUTE;
const DAY = 24 * HOUR;
const TITLE_MAX = 80;

/** "2 d 3 h", "3 h 20 min", "40 min": two units at most, rounded to the minute. */
export function spanWords(ms: number, language: string): string {
  let minutes = Math.max(1, Math.round(Math.abs(ms) / MINUTE));
  // With days shown, hours are rounded to the nearest: 29 h 59 min reads "1 d 6 h".
  if (minutes >= DAY / MINUTE) minutes = Math.round(minutes / 60) * 60;
  const d = Math.floor(minutes / (DAY / MINUTE));
  const h = Math.floor((minutes % (DAY / MINUTE)) / 60);
  const m = minutes % 60;
  const parts: string[] = [];
  if (d) parts.push(t(language, 'unit.days', { n: d }));
  if (h) parts.push(t(language, 'unit.hours', { n: h }));
  if (m && !d) parts.push(t(language, 'unit.minutes', { n: m }));
  return parts.length ? parts.join(' ') : t(language, 'unit.minutes', { n: 0 });
}

export function timeLeftWords(dueMs: number, now: number, language: string): string {
  const left = dueMs - now;
  return left >= 0 ? t(language, 'deadline.left', { time: spanWords(left, language) }) : t(language, 'deadline.overdue', { time: spanWords(left, language) });
}

/** "Nov 26, 14:00" in the reader's language and zone. */
export function localDateTime(ms: number, ctx: ReaderContext): string {
  return new Intl.DateTimeFormat(ctx.language, { timeZone: ctx.timeZone, month: 'short', day: 'numeric', hour: '2-digit', minute: '2-digit', hourCycle: 'h23' }).format(new Date(ms));
}

function shortTitle(title: string): string {
  return clip(title, TITLE_MAX);
}

/** Soonest (most overdue) first, then by id, so a digest always reads the same. */
export function byTimeLeft(a: DueTicket, b: DueTicket): number {
  return Date.parse(a.due) - Date.parse(b.due) || a.id.localeCompare(b.id, 'en', { numeric: true });
}

/**
 * Lines packed into messages of at most `limit` characters, each headed by
 * the header for its part ("(2/3)" added when there are several).
 */
export function packDigest(header: string, lines: string[], limit: number): string[] {
  const room = limit - header.length - 12;
  const chunks: string[][] = [[]];
  let size = 0;
  for (const line of lines) {
    const fitted = line.length > room ? `${line.slice(0, room - 1)}…` : line;
    if (size + fitted.length + 1 > room && chunks[chunks.length - 1].length) {
      chunks.push([]);
      size = 0;
    }
    chunks[chunks.length - 1].push(fitted);
    size += fitted.length + 1;
  }
  return chunks.map((chunk, i) => `${header}${chunks.length > 1 ? ` (${i + 1}/${chunks.length})` : ''}\n${chunk.join('\n')}`);
}

/** The engineer's own tickets, soonest first: the direct message of a reminder run or of `deadlines`. */
export function renderPersonalDigest(tickets: DueTicket[], windowMs: number, ctx: ReaderContext, limit: number): string[] {
  const lang = ctx.language;
  const sorted = [...tickets].sort(byTimeLeft);
  const lines = sorted.map((tk) => {
    const due = Date.parse(tk.due);
    return `• #${tk.id} ${shortTitle(tk.title)} — ${timeLeftWords(due, ctx.now, lang)} (${localDateTime(due, ctx)})\n  ${tk.url}`;
  });
  const overdue = sorted.filter((tk) => Date.parse(tk.due) < ctx.now).length;
  const header = t(lang, 'deadline.mine', { count: sorted.length, window: formatDuration(windowMs), overdue });
  return packDigest(header, lines, limit);
}

/** The group's tickets, soonest first, with the engineer or an "unassigned" mark. */
export function renderGroupDigest(group: string, tickets: DueTicket[], windowMs: number, ctx: ReaderContext, limit: number): string[] {
  const lang = ctx.language;
  const sorted = [...tickets].sort(byTimeLeft);
  const lines = sorted.map((tk) => {
    const due = Date.parse(tk.due);
    const who = tk.owner ?? t(lang, 'deadline.unassigned');
    return `• #${tk.id} ${shortTitle(tk.title)} — ${who} — ${timeLeftWords(due, ctx.now, lang)} (${localDateTime(due, ctx)})`;
  });
  const overdue = sorted.filter((tk) => Date.parse(tk.due) < ctx.now).length;
  const header = t(lang, 'deadline.group', { group, count: sorted.length, window: formatDuration(windowMs), overdue });
  return packDigest(header, lines, limit);
}

function share(part: TargetFigure, language: string): string {
  if (part.share === null) return t(language, 'ola.noData');
  return t(language, 'ola.share', { share: Math.round(part.share * 1000) / 10, met: part.met, judged: part.met + part.missed });
}

function figureLine(name: string, f: OlaFigure, language: string): string {
  return `• ${t(language, 'ola.line', { name, response: share(f.response, language), resolution: share(f.resolution, language), count: f.tickets })}`;
}

/** The `ola` answer: totals, then per group and per engineer, best known first. */
export function renderOlaReport(report: OlaReport, periodLabel: string, language: string, limit: number): string[] {
  if (report.total.tickets === 0 && report.withoutTarget === 0) return [t(language, 'ola.none', { period: periodLabel })];
  const lines = [figureLine(t(language, 'ola.all'), report.total, language), '', t(language, 'ola.groups')];
  const sortedEntries = (rec: Record<string, OlaFigure>) => Object.entries(rec).sort(([a], [b]) => a.localeCompare(b));
  for (const [name, f] of sortedEntries(report.groups)) lines.push(figureLine(name, f, language));
  if (Object.keys(report.engineers).length) {
    lines.push('', t(language, 'ola.engineers'));
    for (const [name, f] of sortedEntries(report.engineers)) lines.push(figureLine(name, f, language));
  }
  if (report.total.resolution.pending) lines.push('', t(language, 'ola.pending', { count: report.total.resolution.pending }));
  if (report.withoutTarget) lines.push('', t(language, 'ola.withoutTarget', { count: report.withoutTarget }));
  return packDigest(t(language, 'ola.title', { period: periodLabel, count: report.total.tickets }), lines, limit);
}
