/**
 * How fast a new ticket reaches its group chat. Creates N tickets in a real
 * Request Tracker 5 through its REST 2.0 API, a few at a time as RT's web
 * workers allow, and times each from the start of its creation request to its
 * message in the web console: first with webhook intake only (RT's scrip posts
 * each change to the gateway), then with polling only. Prints p50, p95 and max
 * per intake, and the ticket workflows per second sustained.
 *   npm run bench:tickets -- [tickets=200] [pollSeconds=2] [parallel=3]
 */
import { baseConfig, startDesk } from '../test/helpers/desk';
import { startRt } from '../test/helpers/rt';
import { freePort } from '../test/helpers/wait';
import { followChat } from '../test/helpers/console-events';
import { RtSession } from '../activities/tickets/rt-session';
import { percentile, runBench } from './stats';

const [count = 200, pollSeconds = 2, parallel = 3] = process.argv.slice(2).map(Number);
const SECRET = 'bench-webhook-secret';

async function main() {
  const gatewayPort = await freePort();
  const rt = await startRt({ webhook: { url: `http://127.0.0.1:${gatewayPort}/tickets/hook/webhook`, secret: SECRET } });
  process.env.BENCH_RT_PASSWORD = rt.password;
  process.env.BENCH_RT_WEBHOOK = SECRET;
  const system = { type: 'rt', url: rt.url, user: rt.user, password: { env: 'BENCH_RT_PASSWORD' }, lookback: '1m' };
  const desk = await startDesk(
    baseConfig(
      { web1: { address: '127.0.0.1', transport: 'local', services: { shop: { steps: [{ name: 'noop', run: 'true' }] } } } },
      {
        roles: { engineer: { can: ['status', 'tickets'] } },
        users: [{ id: 'alice', name: 'Alice', roles: ['engineer'], tickets: { hook: 'alice', poll: 'alice' } }],
        chats: { ops: { title: 'Service desk', web: 'ops' }, net: { title: 'Network', web: 'net' } },
        tickets: {
          systems: {
            hook: { ...system, pollInterval: 'off', webhookSecret: { env: 'BENCH_RT_WEBHOOK' } },
            poll: { ...system, pollInterval: `${pollSeconds}s` },
          },
          groups: { desk: { system: 'hook', queue: 'Service Desk', chat: 'ops' }, network: { system: 'poll', queue: 'Network', chat: 'net' } },
        },
      },
    ),
    { port: gatewayPort },
  );

  // Creators log in once, as people in RT's web UI do, rather than paying RT's bcrypt check per request.
  const cookie = (await new RtSession({ url: rt.url, user: rt.user, password: () => rt.password }).current()) as string;
  const create = async (queue: string, subject: string) => {
    const res = await fetch(`${rt.url}/REST/2.0/ticket`, {
      method: 'POST',
      headers: { cookie, 'content-type': 'application/json' },
      body: JSON.stringify({ Queue: queue, Subject: subject, Content: 'Created by the ticket intake bench.' }),
    });
    if (res.status !== 201) throw new Error(`RT refused a ticket: ${res.status} ${await res.text()}`);
    return String(((await res.json()) as { id: number }).id);
  };

  async function round(intake: string, queue: string, chat: string) {
    const follower = await followChat(desk.url, chat);
    const started = new Map<string, number>();
    const requestMs: number[] = [];
    const arrived = new Map<string, number>();
    const waitForAll = follower.readUntil((m) => {
      const id = /ticket #(\d+) /i.exec(m.text)?.[1];
      if (m.from === 'bot' && id && !arrived.has(id)) arrived.set(id, performance.now());
      return arrived.size >= count;
    });
    const t0 = performance.now();
    let next = 0;
    const creator = async () => {
      while (next < count) {
        const n = ++next;
        const begun = performance.now();
        started.set(await create(queue, `Bench ${intake} ${n}`), begun);
        requestMs.push(performance.now() - begun);
      }
    };
    await Promise.all(Array.from({ length: parallel }, creator));
    const createdIn = performance.now() - t0;
    await waitForAll;
    const total = performance.now() - t0;
    await follower.close();
    const latencies = [...started].map(([id, begun]) => (arrived.get(id) ?? NaN) - begun);
    const missing = latencies.filter(Number.isNaN).length;
    const ok = latencies.filter((l) => !Number.isNaN(l));
    console.log(`${intake.padEnd(8)}: ${count} tickets created in ${(createdIn / 1000).toFixed(1)} s (${((count * 1000) / createdIn).toFixed(1)}/s), all announced after ${(total / 1000).toFixed(1)} s`);
    console.log(`          RT's create request itself: p50 ${percentile(requestMs, 50).toFixed(0)} ms  p95 ${percentile(requestMs, 95).toFixed(0)} ms`);
    console.log(`          creation to chat: p50 ${percentile(ok, 50).toFixed(0)} ms  p95 ${percentile(ok, 95).toFixed(0)} ms  max ${Math.max(...ok).toFixed(0)} ms  missing ${missing}`);
    console.log(`          ticket workflows started and announced: ${((count * 1000) / total).toFixed(1)}/s sustained`);
  }

  console.log(`ticket intake: RT 5 (SQLite, ${parallel} creators), Temporal dev server, web console; polling every ${pollSeconds} s`);
  await round('webhook', 'Service Desk', 'ops');
  await round('polling', 'Network', 'net');
  await desk.stop();
  await rt.remove();
}

runBench(main);
