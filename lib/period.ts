/**
 * Report periods as people type them ("last month", "2026-11", "7d",
 * "2026-11-01..2026-11-15"), turned into an instant range in their time zone.
 * Pure; the clock is passed in.
 */
import { startOfDay, wallClock, zonedInstant } from './time-zone';

export interface Period {
  /** Inclusive start, ms since the epoch. */
  from: number;
  /** Exclusive end. */
  to: number;
  /** The first and last day, for people: "2026-11-01 – 2026-11-30". */
  label: string;
}

/** What `ola` accepts, for the help text and the answer to a bad period. */
export const PERIOD_FORMS = ['today', 'yesterday', 'this week', 'last week', 'this month', 'last month', '7d', 'YYYY-MM', 'YYYY-MM-DD', 'YYYY-MM-DD..YYYY-MM-DD'];

const DAY_MS = 86_400_000;
/** The longest period a report covers: a year (a leap one too). Longer ones would read every ticket ever filed. */
export const MAX_PERIOD_DAYS = 366;

/** How many days a period spans, when that is more than a report covers. */
export function tooLong(p: Period): number | undefined {
  const days = Math.round((p.to - p.from) / DAY_MS);
  return days > MAX_PERIOD_DAYS ? days : undefined;
}

function ymd(ms: number, zone: string): string {
  const c = wallClock(ms, zone);
  return `${c.year}-${String(c.month).padStart(2, '0')}-${String(c.day).padStart(2, '0')}`;
}

function period(from: number, to: number, zone: string): Period {
  const first = ymd(from, zone);
  const last = ymd(to - 1, zone);
  return { from, to, label: first === last ? first : `${first} – ${last}` };
}

/** A calendar date that exists ("2026-02-30" does not). */
function date(text: string): { y: number; m: number; d: number } | undefined {
  const m = /^(\d{4})-(\d{2})-(\d{2})$/.exec(text);
  if (!m) return undefined;
  const [y, mo, d] = [Number(m[1]), Number(m[2]), Number(m[3])];
  const check = new Date(Date.UTC(y, mo - 1, d));
  if (check.getUTCFullYear() !== y || check.getUTCMonth() !== mo - 1 || check.getUTCDate() !== d) return undefined;
  return { y, m: mo, d };
}

/** The period the words name, or undefined when they name none. */
export function parsePeriod(input: string, now: number, zone: string): Period | undefined {
  const text = input.trim().toLowerCase().replace(/\s+/g, ' ');
  const today = startOfDay(now, zone);
  const c = wallClock(now, zone);
  const dayStart = (y: number, m: number, d: number) => zonedInstant(zone, y, m, d);
  // Monday is the first day of the week.
  const weekStart = dayStart(c.year, c.month, c.day - ((c.weekday + 6) % 7));
  switch (text) {
    case '':
    case 'this month':
    case 'month':
      return period(dayStart(c.year, c.month, 1), dayStart(c.year, c.month + 1, 1), zone);
    case 'last month':
      return period(dayStart(c.year, c.month - 1, 1), dayStart(c.year, c.month, 1), zone);
    case 'today':
      return period(today, dayStart(c.year, c.month, c.day + 1), zone);
    case 'yesterday':
      return period(dayStart(c.year, c.month, c.day - 1), today, zone);
    case 'this week':
    case 'week':
      return period(weekStart, dayStart(c.year, c.month, c.day - ((c.weekday + 6) % 7) + 7), zone);
    case 'last week':
      return period(dayStart(c.year, c.month, c.day - ((c.weekday + 6) % 7) - 7), weekStart, zone);
  }
  const days = /^(?:last )?(\d{1,3}) ?(?:d|days?)$/.exec(text);
  if (days && Number(days[1]) >= 1) return period(Math.max(0, now - Number(days[1]) * DAY_MS), now, zone);
  const month = /^(\d{4})-(\d{2})$/.exec(text);
  if (month && Number(month[2]) >= 1 && Number(month[2]) <= 12) {
    const [y, m] = [Number(month[1]), Number(month[2])];
    return period(dayStart(y, m, 1), dayStart(y, m + 1, 1), zone);
  }
  const range = /^(\S+?)(?:\.\.| ?– ?| to )(\S+)$/.exec(text);
  const first = date(range ? range[1] : text);
  const last = range ? date(range[2]) : first;
  if (first && last) {
    const from = dayStart(first.y, first.m, first.d);
    const to = dayStart(last.y, last.m, last.d + 1);
    if (to > from) return period(from, to, zone);
  }
  return undefined;
}
