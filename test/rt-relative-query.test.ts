/**
 * The poll's "changed since" as RT itself reads it: the date in the TicketSQL
 * that changesQuery writes goes through RT's own date parser (RT::Date, as
 * TicketSQL does), with RT's clock set to moments around clock changes in
 * several zones, and must come out at or just before the cursor, never after.
 */
import { spawnSync } from 'node:child_process';
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { changesQuery, rtDate } from '../activities/tickets/rt-common';
import { localRtInstalled } from '../scripts/rt/local-rt';

const RT_LIB = '/usr/share/request-tracker5/lib';

/** Reads each value as TicketSQL does (RT::Date, format "unknown", the account's zone) with RT's clock at `now`; epoch seconds. */
function rtReads(zone: string, cases: { now: number; value: string }[]): number[] {
  const dir = mkdtempSync(path.join(os.tmpdir(), 'dutydesk-rtdate-'));
  try {
    writeFileSync(path.join(dir, 'RT_SiteConfig.pm'), `Set($Timezone, '${zone}');\n1;\n`);
    const script = `
      our $T; BEGIN { *CORE::GLOBAL::time = sub { $main::T } }
      use lib '${RT_LIB}'; use RT; use JSON; RT::LoadConfig(); RT::InitLogging();
      require RT::Date;
      my @out;
      for my $c (@{ decode_json($ENV{CASES}) }) {
        $T = $c->{now};
        my $d = RT::Date->new(RT->SystemUser);
        $d->Set(Format => 'unknown', Value => $c->{value}, Timezone => 'server');
        push @out, $d->Unix;
      }
      print encode_json(\\@out);`;
    const result = spawnSync('perl', ['-e', script], { encoding: 'utf8', env: { ...process.env, RT_SITE_CONFIG: path.join(dir, 'RT_SiteConfig.pm'), CASES: JSON.stringify(cases) } });
    if (result.status !== 0) throw new Error(`perl: ${result.stderr}`);
    return JSON.parse(result.stdout) as number[];
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
}

/** The date inside the query changesQuery writes for a cursor `back` seconds before RT's now. */
function queryValue(now: number, back: number): string {
  const cursor = JSON.stringify({ at: rtDate(new Date(now - back * 1000)), ids: [] });
  return /LastUpdated >= '([^']+)'/.exec(changesQuery(['General'], cursor, new Date(0), now).query)?.[1] as string;
}

test('RT 5 is installed (set-up provides it)', () => {
  expect(localRtInstalled()).toBe(true);
});

test.each([
  ['America/New_York', '2026-03-07T18:00:00Z', '2026-03-08T18:00:00Z'],
  ['America/New_York', '2026-10-31T18:00:00Z', '2026-11-01T18:00:00Z'],
  ['Europe/Berlin', '2026-03-28T18:00:00Z', '2026-03-29T18:00:00Z'],
  ['Europe/Berlin', '2026-10-24T18:00:00Z', '2026-10-25T18:00:00Z'],
  ['Asia/Tokyo', '2026-11-25T00:00:00Z', '2026-11-25T12:00:00Z'],
  ['Australia/Lord_Howe', '2026-04-04T06:00:00Z', '2026-04-05T06:00:00Z'],
])('RT on %s, from %s to %s every 20 minutes: the poll reaches back to just before its cursor', (zone, from, to) => {
  const cases: { now: number; back: number; value: string }[] = [];
  // From a poll a second after the last one to the first poll's hour of lookback, and a worker down for a day.
  for (let now = Date.parse(from); now <= Date.parse(to); now += 20 * 60_000) {
    for (const back of [1, 59, 995, 1000, 3600, 3905, 86_400]) cases.push({ now, back, value: queryValue(now, back) });
  }
  const read = rtReads(zone, cases.map((c) => ({ now: c.now / 1000, value: c.value })));
  const wrong = cases.map((c, i) => ({ ...c, cursor: c.now / 1000 - c.back, read: read[i] })).filter((c) => !(c.read <= c.cursor && c.read >= c.cursor - 10));
  expect(wrong.slice(0, 3).map((c) => `${new Date(c.now).toISOString()} back ${c.back} s: "${c.value}" read ${c.read - c.cursor} s off the cursor`)).toEqual([]);
});
