/** Durations as written in config and as read in chat. */
import { formatDuration, parseDuration } from '../lib/duration';

test.each([
  ['500ms', 500],
  ['30s', 30_000],
  ['1.5m', 90_000],
  ['2h', 7_200_000],
  ['1d', 86_400_000],
])('parses %s', (text, ms) => expect(parseDuration(text)).toBe(ms));

test.each(['10 minutes', '5', 'm5', '-3s', ''])('rejects %j', (text) => expect(parseDuration(text)).toBeUndefined());

test.each([
  [850, '850 ms'],
  [4_200, '4.2 s'],
  [42_000, '42 s'],
  [185_000, '3 min 5 s'],
  [7_800_000, '2 h 10 min'],
  [3_600_000, '1 h'],
])('formats %d ms as %s', (ms, text) => expect(formatDuration(ms)).toBe(text));
