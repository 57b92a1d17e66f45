/**
 * Queues the configuration's incident routes and failure reports name, made in the `npm start`
 * Request Tracker when missing, so a demo database made before a route was
 * added (or by an older dutydesk) still has them.
 */
import type { LoadedConfig } from '../../config/load';
import type { LocalRt } from './local-rt';

export async function ensureDemoQueues(rt: LocalRt, config: LoadedConfig, system: string): Promise<string[]> {
  const tickets = [...(config.monitoring?.routes ?? []).map((r) => r.ticket), config.failures?.ticket];
  const names = [...new Set(tickets.flatMap((t) => (t?.system === system ? [t.queue] : [])))];
  const made: string[] = [];
  const headers = { authorization: `token ${rt.token}`, 'content-type': 'application/json' };
  for (const name of names) {
    const found = await fetch(`${rt.url}/REST/2.0/queue/${encodeURIComponent(name)}`, { headers });
    if (found.ok) continue;
    if (found.status !== 404) throw new Error(`RT queue ${name}: ${found.status} ${(await found.text()).slice(0, 200)}`);
    const created = await fetch(`${rt.url}/REST/2.0/queue`, { method: 'POST', headers, body: JSON.stringify({ Name: name, Description: 'Opened by dutydesk: incidents from monitoring, its own failures' }) });
    if (!created.ok) throw new Error(`RT queue ${name} not made: ${created.status} ${(await created.text()).slice(0, 200)}`);
    made.push(name);
  }
  return made;
}
