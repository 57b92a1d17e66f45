/**
 * The RT poll cursor: whole seconds, so what it has seen at the boundary second is remembered by state;
 * the query counts back from RT's own clock, so RT's time zone never shifts it.
 */
import { advance, changesQuery } from '../activities/tickets/rt-common';
import type { Ticket } from '../activities/tickets/port';

/** RT's clock, as its Date headers tell it. */
const NOW = Date.parse('2026-11-25T10:01:00Z');

const ticket = (over: Partial<Ticket>): Ticket => ({
  id: '7',
  title: 'Switch port flapping',
  queue: 'Network',
  status: 'open',
  state: 'open',
  owner: 'dan',
  created: '2026-11-25T10:00:00.000Z',
  updated: '2026-11-25T10:00:05.000Z',
  url: 'http://rt/7',
  ...over,
});

test('a ticket seen at the cursor second is not handed over again while it stays the same', () => {
  const first = advance([ticket({})], changesQuery(['Network'], undefined, new Date('2026-11-25T09:00:00Z'), NOW).after);
  expect(first.tickets).toHaveLength(1);
  const again = advance([ticket({})], changesQuery(['Network'], first.cursor, new Date(0), NOW).after);
  expect(again.tickets).toEqual([]);
});

test('taken and given back within the same second: the give-back is still handed over', () => {
  const taken = advance([ticket({})], changesQuery(['Network'], undefined, new Date('2026-11-25T09:00:00Z'), NOW).after);
  const givenBack = ticket({ owner: undefined, status: 'open' });
  const next = advance([givenBack], changesQuery(['Network'], taken.cursor, new Date(0), NOW).after);
  expect(next.tickets).toEqual([givenBack]);
  // And once seen, not again.
  expect(advance([givenBack], changesQuery(['Network'], next.cursor, new Date(0), NOW).after).tickets).toEqual([]);
});

test('a later second moves the cursor on', () => {
  const first = advance([ticket({})], changesQuery(['Network'], undefined, new Date('2026-11-25T09:00:00Z'), NOW).after);
  const later = ticket({ updated: '2026-11-25T10:00:09.000Z' });
  const next = advance([later], changesQuery(['Network'], first.cursor, new Date(0), NOW).after);
  expect(next.tickets).toEqual([later]);
  // RT's clock at 10:01:00: one minute back to the cursor, and a few seconds' slack.
  expect(changesQuery(['Network'], next.cursor, new Date(0), NOW).query).toContain("LastUpdated >= 'now - 56 seconds'");
});

test('tickets older than the cursor (the slack of the relative query) are not handed over', () => {
  const first = advance([ticket({})], changesQuery(['Network'], undefined, new Date('2026-11-25T09:00:00Z'), NOW).after);
  const older = ticket({ id: '8', updated: '2026-11-25T10:00:02.000Z' });
  expect(advance([older], changesQuery(['Network'], first.cursor, new Date(0), NOW).after).tickets).toEqual([]);
});
