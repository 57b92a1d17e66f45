/**
 * How fast a new ticket reaches its group chat, and where the time goes.
 * Creates N tickets in a real Request Tracker 5 through REST 1.0 (as RT's own
 * `rt` client does, in one REST session), a few at a time as RT's web workers
 * allow, and times each from the start of its creation request to its message
 * in the web console: first with webhook intake only (RT's scrip posts each
 * change to the gateway, through a pass-through that notes when it arrives),
 * then with polling only. For each ticket the stages come from the clock of
 * this machine, which the Temporal dev server shares: RT's create and scrip
 * (request start → webhook arrives), webhook → workflow (→ the signal in the
 * ticket's history), workflow → outbox (→ the announcement's signal in the
 * chat's outbox), outbox → chat (→ the message on the console's stream).
 *   npm run bench:tickets -- [tickets=200] [pollSeconds=2] [parallel=3]
 */
import { baseConfig, startDesk, type Desk } from '../test/helpers/desk';
import { startRt } from '../test/helpers/rt';
import { freePort } from '../test/helpers/wait';
import { webhookPassThrough } from './webhook-pass-through';
import { followChat } from '../test/helpers/console-events';
import { outboxWorkflowId } from '../workflows/outbox/definitions';
import { ticketWorkflowId } from '../workflows/ticket/definitions';
import { percentile, runBench } from './stats';

const [count = 200, pollSeconds = 2, parallel = 3] = process.argv.slice(2).map(Number);
const SECRET = 'bench-webhook-secret';

type Event = { eventTime?: { seconds?: unknown; nanos?: number | null } | null; workflowExecutionSignaledEventAttributes?: { input?: { payloads?: { data?: Uint8Array | null }[] | null } | null } | null };
const eventMs = (e: Event) => Number(e.eventTime?.seconds ?? 0) * 1000 + Math.floor((e.eventTime?.nanos ?? 0) / 1e6);
const payloadText = (e: Event) => (e.workflowExecutionSignaledEventAttributes?.input?.payloads ?? []).map((p) => Buffer.from(p.data ?? []).toString('utf8')).join('');

function row(label: string, values: number[]) {
  const ok = values.filter((v) => Number.isFinite(v));
  console.log(`          ${label.padEnd(30)} p50 ${percentile(ok, 50).toFixed(0).padStart(5)} ms   p95 ${percentile(ok, 95).toFixed(0).padStart(5)} ms   max ${Math.max(...ok).toFixed(0).padStart(5)} ms`);
}

async function main() {
  const gatewayPort = await freePort();
  // Noting when each ticket's first webhook arrives; RT's signature travels in its x- headers.
  const pass = await webhookPassThrough(`http://127.0.0.1:${gatewayPort}/tickets/hook/webhook`, {
    keysOf: (body) => [String((body as { ticket?: unknown }).ticket ?? '')],
    forward: (headers) => Object.fromEntries(Object.entries(headers).filter(([k]) => k === 'content-type' || k.startsWith('x-')).map(([k, v]) => [k, String(v)])),
  });
  const rt = await startRt({ webhook: { url: pass.url, secret: SECRET } });
  process.env.BENCH_RT_PASSWORD = rt.password;
  process.env.BENCH_RT_WEBHOOK = SECRET;
  // The bot's auth token where this RT set-up makes one.
  const token = (rt as { token?: string }).token;
  if (token) process.env.BENCH_RT_TOKEN = token;
  const system = { type: 'rt', url: rt.url, user: rt.user, password: { env: 'BENCH_RT_PASSWORD' }, ...(token ? { token: { env: 'BENCH_RT_TOKEN' } } : {}), lookback: '1m' };
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

  // Creators keep one REST session, as RT's own `rt` client does, rather than paying RT's bcrypt check per request.
  const signIn = await fetch(`${rt.url}/REST/1.0/`, { method: 'POST', body: new URLSearchParams({ user: rt.user, pass: rt.password }) });
  const cookie = signIn.headers.getSetCookie().find((c) => c.startsWith('RT_SID_'))?.split(';')[0] as string;
  const create = async (queue: string, subject: string) => {
    const content = `id: ticket/new\nQueue: ${queue}\nSubject: ${subject}\nText: Created by the ticket intake bench.`;
    const res = await fetch(`${rt.url}/REST/1.0/ticket/new`, { method: 'POST', headers: { cookie }, body: new URLSearchParams({ content }) });
    const id = /Ticket (\d+) created/.exec(await res.text())?.[1];
    if (!id) throw new Error(`RT refused a ticket: ${res.status}`);
    return id;
  };

  async function round(intake: 'hook' | 'poll', queue: string, chat: string) {
    const follower = await followChat(desk.url, chat);
    const started = new Map<string, number>();
    const requestMs: number[] = [];
    const arrived = new Map<string, number>();
    const waitForAll = follower.readUntil((m) => {
      const id = /ticket #(\d+) /i.exec(m.text)?.[1];
      if (m.from === 'bot' && id && !arrived.has(id)) arrived.set(id, Date.now());
      return arrived.size >= count;
    });
    const t0 = Date.now();
    let next = 0;
    const creator = async () => {
      while (next < count) {
        const n = ++next;
        const begun = Date.now();
        started.set(await create(queue, `Bench ${intake} ${n}`), begun);
        requestMs.push(Date.now() - begun);
      }
    };
    await Promise.all(Array.from({ length: parallel }, creator));
    const createdIn = Date.now() - t0;
    await waitForAll;
    const total = Date.now() - t0;
    await follower.close();
    await report(desk, intake, chat, started, arrived, requestMs, { createdIn, total });
  }

  async function report(desk: Desk, intake: 'hook' | 'poll', chat: string, started: Map<string, number>, arrived: Map<string, number>, requestMs: number[], t: { createdIn: number; total: number }) {
    const outbox = await desk.env.client.workflow.getHandle(outboxWorkflowId({ platform: 'web', chatId: chat })).fetchHistory();
    const enqueued = new Map<string, number>();
    for (const e of (outbox.events ?? []) as Event[]) {
      const id = /"key":"ticket\/\w+\/(\d+)\/1"/.exec(payloadText(e))?.[1];
      if (id && !enqueued.has(id)) enqueued.set(id, eventMs(e));
    }
    const stages = { create: [] as number[], toWorkflow: [] as number[], toOutbox: [] as number[], toChat: [] as number[], ours: [] as number[], total: [] as number[] };
    for (const [id, begun] of started) {
      const history = await desk.env.client.workflow.getHandle(ticketWorkflowId(intake, id)).fetchHistory();
      const signalled = eventMs(((history.events ?? []) as Event[]).find((e) => e.workflowExecutionSignaledEventAttributes) ?? {});
      const hook = intake === 'hook' ? (pass.arrived.get(id) ?? NaN) : NaN;
      const chatAt = arrived.get(id) ?? NaN;
      const outboxAt = enqueued.get(id) ?? NaN;
      stages.create.push(hook - begun);
      stages.toWorkflow.push(signalled - hook);
      stages.toOutbox.push(outboxAt - signalled);
      stages.toChat.push(chatAt - outboxAt);
      stages.ours.push(chatAt - (intake === 'hook' ? hook : signalled));
      stages.total.push(chatAt - begun);
    }
    const missing = [...started.keys()].filter((id) => !arrived.has(id)).length;
    console.log(`${intake === 'hook' ? 'webhook' : 'polling'}: ${count} tickets created in ${(t.createdIn / 1000).toFixed(1)} s (${((count * 1000) / t.createdIn).toFixed(1)}/s), all announced after ${(t.total / 1000).toFixed(1)} s, missing ${missing}`);
    row("RT's create request itself", requestMs);
    if (intake === 'hook') {
      row("RT's create and scrip", stages.create);
      row('webhook → workflow', stages.toWorkflow);
    }
    row('workflow → outbox', stages.toOutbox);
    row('outbox → chat', stages.toChat);
    row(intake === 'hook' ? 'ours: webhook → chat' : 'ours: poll signal → chat', stages.ours);
    row('creation → chat', stages.total);
    console.log(`          ticket workflows started and announced: ${((count * 1000) / t.total).toFixed(1)}/s sustained`);
  }

  console.log(`ticket intake: RT 5 (SQLite, ${parallel} creators), Temporal dev server, web console; polling every ${pollSeconds} s`);
  await round('hook', 'Service Desk', 'ops');
  await round('poll', 'Network', 'net');
  await desk.stop();
  await rt.remove();
  pass.close();
}

runBench(main);
