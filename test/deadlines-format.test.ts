/**
 * The pure parts of deadlines and OLA: time left in words, times in the
 * reader's zone, digests that fit a message, report periods, OLA shares.
 */
import { renderGroupDigest, renderOlaReport, renderPersonalDigest, spanWords, timeLeftWords } from '../lib/messages/deadlines';
import { computeOla, type TicketTimes } from '../lib/ola';
import { parsePeriod } from '../lib/period';
import { startOfDay, wallClock, zonedInstant } from '../lib/time-zone';

const MIN = 60_000;
const HOUR = 60 * MIN;
const NOW = Date.parse('2026-11-25T10:00:00Z');

test('time left reads in words, rounded to the minute, two units at most', () => {
  expect(timeLeftWords(NOW + 3 * HOUR + 20 * MIN, NOW, 'en')).toBe('3 h 20 min left');
  expect(timeLeftWords(NOW - 40 * MIN, NOW, 'en')).toBe('overdue by 40 min');
  expect(timeLeftWords(NOW + 26 * HOUR + 5 * MIN, NOW, 'en')).toBe('1 d 2 h left');
  expect(timeLeftWords(NOW + 2 * HOUR, NOW, 'en')).toBe('2 h left');
  expect(timeLeftWords(NOW + 10_000, NOW, 'en')).toBe('1 min left');
  expect(timeLeftWords(NOW - 3 * HOUR, NOW, 'ru')).toBe('просрочено на 3 ч');
  expect(timeLeftWords(NOW + 90 * MIN, NOW, 'es')).toBe('quedan 1 h 30 min');
  expect(spanWords(50 * HOUR, 'fr')).toBe('2 j 2 h');
  expect(timeLeftWords(NOW + 29 * HOUR + 59 * MIN, NOW, 'en')).toBe('1 d 6 h left');
});

test('zoned instants follow daylight saving time', () => {
  // Madrid: UTC+1 in winter, UTC+2 in summer.
  expect(new Date(zonedInstant('Europe/Madrid', 2026, 11, 25, 9, 0)).toISOString()).toBe('2026-11-25T08:00:00.000Z');
  expect(new Date(zonedInstant('Europe/Madrid', 2026, 7, 1, 9, 0)).toISOString()).toBe('2026-07-01T07:00:00.000Z');
  expect(new Date(zonedInstant('America/New_York', 2026, 12, 1)).toISOString()).toBe('2026-12-01T05:00:00.000Z');
  expect(new Date(startOfDay(Date.parse('2026-11-25T23:30:00Z'), 'Europe/Madrid')).toISOString()).toBe('2026-11-25T23:00:00.000Z');
  expect(wallClock(Date.parse('2026-11-25T23:30:00Z'), 'Europe/Madrid')).toMatchObject({ year: 2026, month: 11, day: 26, hour: 0, minute: 30, weekday: 4 });
});

test('periods as people type them, in their time zone', () => {
  const zone = 'Europe/Madrid';
  const p = (words: string) => {
    const period = parsePeriod(words, NOW, zone);
    return period && [new Date(period.from).toISOString(), new Date(period.to).toISOString(), period.label];
  };
  expect(p('')).toEqual(['2026-10-31T23:00:00.000Z', '2026-11-30T23:00:00.000Z', '2026-11-01 – 2026-11-30']);
  expect(p('this month')).toEqual(p(''));
  expect(p('last month')).toEqual(['2026-09-30T22:00:00.000Z', '2026-10-31T23:00:00.000Z', '2026-10-01 – 2026-10-31']);
  expect(p('today')).toEqual(['2026-11-24T23:00:00.000Z', '2026-11-25T23:00:00.000Z', '2026-11-25']);
  expect(p('yesterday')?.[2]).toBe('2026-11-24');
  // 2026-11-25 is a Wednesday; weeks start on Monday.
  expect(p('this week')?.[2]).toBe('2026-11-23 – 2026-11-29');
  expect(p('last week')?.[2]).toBe('2026-11-16 – 2026-11-22');
  expect(p('7d')).toEqual([new Date(NOW - 7 * 24 * HOUR).toISOString(), new Date(NOW).toISOString(), '2026-11-18 – 2026-11-25']);
  expect(p('2026-02')?.[2]).toBe('2026-02-01 – 2026-02-28');
  expect(p('2026-11-05')?.[2]).toBe('2026-11-05');
  expect(p('2026-11-01..2026-11-15')?.[2]).toBe('2026-11-01 – 2026-11-15');
  for (const bad of ['banana', '2026-13', '2026-02-30', '2026-11-15..2026-11-01', '0d', 'next year']) expect(p(bad)).toBeUndefined();
});

test('digests list soonest first, mark the unassigned, and split under the limit without cutting', () => {
  const tickets = Array.from({ length: 300 }, (_, i) => ({
    id: String(1000 + i),
    title: `Ticket number ${i} with a fairly long title that goes on`,
    url: `https://rt.example.com/Ticket/Display.html?id=${1000 + i}`,
    due: new Date(NOW + (i - 5) * 10 * MIN).toISOString(),
    owner: i % 3 ? 'Alice' : undefined,
  }));
  const ctx = { language: 'en', timeZone: 'Europe/Madrid', now: NOW };
  const parts = renderGroupDigest('Service desk', tickets, 24 * HOUR, ctx, 3500);
  expect(parts.length).toBeGreaterThan(5);
  for (const part of parts) expect(part.length).toBeLessThanOrEqual(3500);
  expect(parts[0]).toMatch(/^⏰ Service desk: 300 tickets due within 24 h \(5 overdue\) \(1\/\d+\)\n• #1000 /);
  expect(parts[0]).toContain('#1000 Ticket number 0 with a fairly long title that goes on — ❗ unassigned — overdue by 50 min (Nov 25, 10:10)');
  const all = parts.join('\n');
  for (const tk of tickets) expect(all).toContain(`#${tk.id} `);
  expect(all.indexOf('#1001 ')).toBeLessThan(all.indexOf('#1002 '));

  const mine = renderPersonalDigest(tickets.slice(10, 12), 24 * HOUR, { ...ctx, language: 'it' }, 4096);
  expect(mine).toHaveLength(1);
  expect(mine[0]).toContain('I tuoi ticket in scadenza entro 24 h: 2 (0 scaduti)');
  expect(mine[0]).toContain('mancano 50 min');
});

test('OLA shares: met, missed and still-pending tickets, per group and engineer', () => {
  const at = (min: number) => new Date(NOW + min * MIN).toISOString();
  const tickets: TicketTimes[] = [
    { id: '1', group: 'desk', engineer: 'Alice', urgency: 'High', created: at(-600), responded: at(-590), resolved: at(-400) },
    { id: '2', group: 'desk', engineer: 'Alice', urgency: 'high', created: at(-600), responded: at(-500), resolved: at(-100) },
    { id: '3', group: 'desk', engineer: 'Bob', urgency: 'High', created: at(-5) },
    { id: '4', group: 'net', urgency: 'Low', created: at(-600) },
    { id: '5', group: 'net', urgency: 'Odd', created: at(-600), resolved: at(-10) },
  ];
  const report = computeOla(tickets, { High: { responseMs: 15 * MIN, resolutionMs: 4 * HOUR }, Low: { responseMs: HOUR, resolutionMs: 8 * HOUR } }, NOW);
  expect(report.total).toEqual({ tickets: 4, response: { met: 1, missed: 2, pending: 1, share: 1 / 3 }, resolution: { met: 1, missed: 2, pending: 1, share: 1 / 3 } });
  expect(report.groups.net.response).toEqual({ met: 0, missed: 1, pending: 0, share: 0 });
  expect(report.engineers.Alice.resolution).toEqual({ met: 1, missed: 1, pending: 0, share: 0.5 });
  expect(report.engineers.Bob.response.share).toBeNull();
  expect(report.withoutTarget).toBe(1);
  const text = renderOlaReport(report, '2026-11-01 – 2026-11-30', 'en', 4000).join('\n');
  expect(text).toContain('📊 OLA 2026-11-01 – 2026-11-30: 4 tickets');
  expect(text).toContain('• All groups: response 33.3% (1/3), resolution 33.3% (1/3) (4 tickets)');
  expect(text).toContain('• Bob: response n/a, resolution n/a (1 tickets)');
  expect(text).toContain('1 tickets have an urgency without a target');
});
