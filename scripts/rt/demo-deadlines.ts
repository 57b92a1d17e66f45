/**
 * Demo tickets with deadlines in the `npm start` Request Tracker, so `remind
 * now` (and the scheduled reminders) have something to say: one due in a few
 * hours, one unassigned due tomorrow, one overdue, one for the network group.
 * Made once (their ids kept in the data folder); every start moves their due
 * dates back to the same distance from now.
 */
import { existsSync, readFileSync, writeFileSync } from 'node:fs';
import { rtDate } from '../../activities/tickets/rt-common';
import type { LocalRt } from './local-rt';

const HOUR = 3_600_000;

const DEMO_TICKETS = [
  { Queue: 'Service Desk', Subject: 'Renew the TLS certificate of shop.example.com', Owner: 'alice', Priority: 80, dueIn: 3 * HOUR },
  { Queue: 'Service Desk', Subject: 'Replace the failing disk in db-2', Owner: undefined, Priority: 60, dueIn: 20 * HOUR },
  { Queue: 'Service Desk', Subject: 'Quarterly access review of the VPN', Owner: 'bob', Priority: 30, dueIn: -(2 / 3) * HOUR },
  { Queue: 'Network', Subject: 'Core switch firmware upgrade window', Owner: 'alice', Priority: 50, dueIn: 30 * HOUR },
];

export async function seedDemoDeadlines(rt: LocalRt, idsFile: string): Promise<number> {
  const auth = `token ${rt.token}`;
  const call = async <T>(method: string, route: string, body: unknown): Promise<T> => {
    const res = await fetch(`${rt.url}/REST/2.0/${route}`, { method, headers: { authorization: auth, 'content-type': 'application/json' }, body: JSON.stringify(body) });
    if (!res.ok) throw new Error(`RT ${method} ${route}: ${res.status} ${(await res.text()).slice(0, 200)}`);
    return (await res.json()) as T;
  };
  const known: string[] = existsSync(idsFile) ? (JSON.parse(readFileSync(idsFile, 'utf8')) as string[]) : [];
  const ids: string[] = [];
  for (const [i, { dueIn, Owner, ...ticket }] of DEMO_TICKETS.entries()) {
    const due = rtDate(new Date(Date.now() + dueIn));
    if (known[i]) {
      await call('PUT', `ticket/${known[i]}`, { Due: due, Status: 'open' });
      ids.push(known[i]);
    } else {
      const created = await call<{ id: number }>('POST', 'ticket', { ...ticket, Due: due, ...(Owner ? { Owner, Status: 'open' } : {}), Content: 'A demo ticket with a deadline.', ContentType: 'text/plain' });
      ids.push(String(created.id));
    }
  }
  writeFileSync(idsFile, JSON.stringify(ids));
  return ids.length;
}
