/**
 * What each way of signing in costs a request on a real Request Tracker 5:
 * the bot's auth token, basic auth with its password (both checked with
 * bcrypt by RT on every request), and the REST session dutydesk keeps
 * (a cookie). Reads (REST 2.0 GET of a ticket) and writes (REST 2.0 PUT;
 * RT refuses a cookie there), each timed `rounds` times; prints the median
 * and p95 of each and what dutydesk uses where.
 *   npm run bench:rt-auth -- [rounds=20]
 */
import { startRt } from '../test/helpers/rt';
import { RtAuth } from '../activities/tickets/rt-auth';
import { basicAuth } from '../activities/tickets/http';
import { percentile, runBench } from './stats';

const [rounds = 20] = process.argv.slice(2).map(Number);

async function main() {
  const rt = await startRt();
  const created = (await rt.rest('POST', 'ticket', { Queue: 'Service Desk', Subject: 'Sign-in bench', Content: 'x' })) as { id: string };
  const url = `${rt.url}/REST/2.0/ticket/${created.id}`;
  const cookie = (await new RtAuth({ url: rt.url, user: rt.user, token: () => rt.token }).cookie()) as string;
  const ways: Record<string, Record<string, string>> = {
    'auth token': { authorization: `token ${rt.token}` },
    'basic auth (password)': { authorization: basicAuth(rt.user, rt.password) },
    'REST session (cookie)': { cookie },
  };

  async function time(headers: Record<string, string>, write: boolean, n: number) {
    const ms: number[] = [];
    let status = 0;
    for (let i = 0; i < n; i++) {
      const t0 = performance.now();
      const res = await fetch(url, write ? { method: 'PUT', headers: { ...headers, 'content-type': 'application/json' }, body: JSON.stringify({ Subject: `Sign-in bench ${i}` }) } : { headers });
      await res.arrayBuffer();
      status = res.status;
      ms.push(performance.now() - t0);
    }
    return { status, p50: percentile(ms, 50), p95: percentile(ms, 95) };
  }

  console.log(`RT 5 (SQLite, loopback): ${rounds} requests each, one at a time`);
  for (const [name, headers] of Object.entries(ways)) {
    for (const write of [false, true]) {
      const r = await time(headers, write, rounds);
      const what = write ? 'write (PUT)' : 'read (GET) ';
      const answer = r.status >= 400 ? `refused (${r.status})` : `p50 ${r.p50.toFixed(1).padStart(6)} ms   p95 ${r.p95.toFixed(1).padStart(6)} ms`;
      console.log(`  ${name.padEnd(24)} ${what}  ${answer}`);
    }
  }
  console.log('dutydesk reads with the REST session and writes with the token (else basic auth); see README, "Signing in to RT".');
  await rt.remove();
}

runBench(main);
