/**
 * Incidents from alert to ticket, and the receiver under load. Five figures:
 *  1. Alertmanager send → chat and → ticket: a real Alertmanager (group_wait
 *     500ms, group_interval 1s: they dominate) posts to the gateway's receiver
 *     through a pass-through that notes each webhook's arrival; N alerts of
 *     distinct hosts go one at a time into its API v2, as Prometheus posts them,
 *     each timed to the group message in the web console and to the ticket in a
 *     real RT 5 (queue Incidents; "ticket" = the incident state query's ticket).
 *  2. endsAt → ticket resolved, less the hold-down: the same alerts posted again
 *     with endsAt = now, one at a time, timed to RT showing the ticket resolved.
 *  3. Receiver latency: payloads of 1, 100 and 1000 firing alerts (no host
 *     label, so each is an incident of its own) posted straight to /alerts/<r>,
 *     HTTP round trip until 200; each post's incidents are terminated after it,
 *     so every post meets an idle worker.
 *  4. A storm: S hosts of one host group fire at once (payloads of 50, as an
 *     Alertmanager grouping by alertname sends them), routed to one Telegram
 *     group (the local Bot API peer, Telegram's limits and 429s) with tickets in
 *     the local Jira peer: drain time, messages, 429s, Jira calls and history
 *     events per incident. Its incidents are then terminated, so that what is
 *     still retrying does not load 5 and 3.
 *  5. F failures from 50 people over 5 fingerprints through reportFailure:
 *     exactly 5 failure workflows, exact counts and people, 5 Jira tickets.
 * Run in the order 1, 2, 4, 5, 3, so the receiver's thousands of incidents do
 * not load the others.
 *   npm run bench:incidents -- [alerts=30] [stormHosts=500] [failures=1000] [repeats=3] [stormWindowSeconds=60]
 */
import { rmSync } from 'node:fs';
import path from 'node:path';
import { DefaultLogger, makeTelemetryFilterString, Runtime } from '@temporalio/worker';
import type { Desk } from '../test/helpers/desk';
import { startMonitoring } from '../test/helpers/monitoring';
import { startRt } from '../test/helpers/rt';
import { freePort, waitFor } from '../test/helpers/wait';
import { JiraApi } from '../test/peers/jira-api';
import { TelegramBotApi } from '../test/peers/telegram-bot-api';
import { failureOf, reportFailure, type FailureReport } from '../activities/failures/report';
import { failureStateQuery, FAILURE_PREFIX } from '../workflows/failure/definitions';
import { alertIncidentId, hostIncidentId, incidentStateQuery } from '../workflows/incident/definitions';
import { inParallel } from '../lib/in-parallel';
import { webhookPassThrough } from './webhook-pass-through';
import { digestStateQuery, incidentDigestId } from '../workflows/incident/digest-definitions';
import { outboxQuery, outboxWorkflowId } from '../workflows/outbox/definitions';
import type { ChatRef } from '../workflows/restart/definitions';
import { percentile, runBench } from './stats';

const [alertCount = 30, stormHosts = 500, failureCount = 1000, repeats = 3, stormWindowSeconds = 60] = process.argv.slice(2).map(Number);
const TOKEN = 'bench-alerts-token';
const HOLD_DOWN_MS = 2000;
const GROUP_WAIT = '500ms';
const GROUP_INTERVAL = '1s';
const STORM_CHAT = -1005000;
const STORM_REF: ChatRef = { platform: 'telegram', chatId: String(STORM_CHAT) };
const RECV_REF: ChatRef = { platform: 'web', chatId: 'recv' };

const iso = (ms: number) => new Date(ms).toISOString();
const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms));
const mean = (v: number[]) => v.reduce((a, b) => a + b, 0) / Math.max(1, v.length);

function row(label: string, values: number[]) {
  const ok = values.filter((v) => Number.isFinite(v));
  if (!ok.length) return console.log(`     ${label.padEnd(42)} not measured (no values)`);
  console.log(`     ${label.padEnd(42)} p50 ${percentile(ok, 50).toFixed(0).padStart(6)} ms   p95 ${percentile(ok, 95).toFixed(0).padStart(6)} ms   max ${Math.max(...ok).toFixed(0).padStart(6)} ms   (n=${ok.length})`);
}

/** A figure that cannot be measured says why, and the bench goes on to the next. */
async function section(title: string, work: () => Promise<void>) {
  console.log(title);
  try {
    await work();
  } catch (err) {
    console.log(`     not measured: ${(err as Error).message.split('\n')[0]}`);
  }
}

// Direct receiver posts (3 and 4): payload v4 as Alertmanager sends it, fresh fingerprints each time.
let fingerprints = 0;
const directAlert = (labels: Record<string, string>, startsAt: number) => ({
  status: 'firing' as const,
  labels,
  annotations: { summary: `${labels.host ?? labels.instance} does not answer` },
  startsAt: iso(startsAt),
  endsAt: '0001-01-01T00:00:00Z',
  generatorURL: 'http://127.0.0.1:9090/graph?g0.expr=up',
  fingerprint: `be${(++fingerprints).toString(16).padStart(14, '0')}`,
});
async function postDirect(desk: Desk, alerts: ReturnType<typeof directAlert>[]): Promise<number> {
  const t0 = performance.now();
  const res = await fetch(`${desk.url}/alerts/direct`, {
    method: 'POST',
    headers: { 'content-type': 'application/json', authorization: `Bearer ${TOKEN}` },
    body: JSON.stringify({ version: '4', groupKey: '{}:{alertname="bench"}', truncatedAlerts: 0, status: 'firing', receiver: 'direct', groupLabels: {}, commonLabels: {}, commonAnnotations: {}, externalURL: 'http://127.0.0.1:9093', alerts }),
  });
  const text = await res.text();
  if (res.status !== 200) throw new Error(`the receiver answered ${res.status}: ${text.slice(0, 200)}`);
  return performance.now() - t0;
}

/** Ends workflows the bench is done measuring, so their retries do not load what comes next. */
const terminateAll = (desk: Desk, ids: string[]) => inParallel(ids, 32, (id) => desk.env.client.workflow.getHandle(id).terminate('bench: measured').then(() => undefined, () => undefined));

/** Pending activities of a workflow: a digest or outbox with none, and nothing queued, is done. */
const pendingActivities = async (desk: Desk, id: string) => (await desk.env.client.workflow.getHandle(id).describe()).raw.pendingActivities?.length ?? 0;

async function main() {
  // Errors only, from the SDK's core too (its warnings would bury the figures); before desk.ts installs its own.
  Runtime.install({ logger: new DefaultLogger('ERROR'), telemetryOptions: { logging: { filter: makeTelemetryFilterString({ core: 'ERROR', other: 'ERROR' }), forward: {} } } });
  const { baseConfig, startDesk, startTemporal } = await import('../test/helpers/desk');
  // Everything that takes a while to start, at once: Temporal, RT, the peers.
  const [env, rt, jira, telegram] = await Promise.all([startTemporal(), startRt(), new JiraApi().start(), new TelegramBotApi().start()]);
  const gatewayPort = await freePort();
  // Noting when each host's firing and resolved first arrive.
  const pass = await webhookPassThrough(`http://127.0.0.1:${gatewayPort}/alerts/am`, {
    path: '/alerts/am',
    keysOf: (body) => ((body as { alerts?: { status: string; labels: Record<string, string> }[] }).alerts ?? []).map((a) => `${a.labels.host}/${a.status}`),
    forward: (headers) => ({ 'content-type': 'application/json', authorization: String(headers.authorization ?? '') }),
  });
  const monitoring = await startMonitoring({ targets: [], rules: [], receiver: { url: pass.url, token: TOKEN }, groupWait: GROUP_WAIT, groupInterval: GROUP_INTERVAL });
  let desk: Desk | undefined;
  // Everything stops, whatever failed, and on Ctrl-C or timeout(1) too.
  const stopAll = async () => {
    // The peers and RT first: they never depend on the worker.
    await monitoring.remove().catch(() => undefined);
    await rt.remove().catch(() => undefined);
    await jira.stop();
    await telegram.stop();
    pass.close();
    // Bounded: a worker whose in-flight activities never end would hold the bench forever; the server's teardown ends them.
    const stopped = desk?.stop().then(() => true, (err) => (console.error(`desk stop: ${(err as Error).message}`), true));
    if (desk && !(await Promise.race([stopped, sleep(30_000).then(() => false)]))) {
      console.log('note: the worker had not shut down 30 s after desk.stop() (activities still in flight); the Temporal server is torn down under it');
      rmSync(path.dirname(desk.configFile), { recursive: true, force: true });
      // Those activities' client calls then fail on the closed channel, with nobody left to hear it.
      process.on('uncaughtException', (err) => void (/Channel has been shut down/.test(err.message) || (console.error(err), process.exit(1))));
    }
    await env.teardown().catch(() => undefined);
  };
  for (const signal of ['SIGINT', 'SIGTERM'] as const) process.once(signal, () => void stopAll().finally(() => process.exit(1)));
  try {
    Object.assign(process.env, { BENCH_ALERTS_TOKEN: TOKEN, BENCH_RT_TOKEN: rt.token, BENCH_JIRA_TOKEN: jira.token, BENCH_TELEGRAM_TOKEN: telegram.token });
    const host = (group: string) => ({ address: '127.0.0.1', transport: 'local', groups: [group], services: { app: { steps: [{ name: 'noop', run: 'true' }] } } });
    const amHosts = Array.from({ length: alertCount }, (_, i) => `am${i + 1}`);
    const storm = Array.from({ length: stormHosts }, (_, i) => `host${i + 1}`);
    desk = await startDesk(
      baseConfig(Object.fromEntries([...amHosts.map((h) => [h, host('am')]), ...storm.map((h) => [h, host('storm')])]), {
        roles: { engineer: { can: ['status'] }, viewer: { can: ['status'] }, lead: { can: ['status'] } },
        chats: { ops: { title: 'Ops', web: 'ops' }, am: { title: 'Alertmanager', web: 'am' }, recv: { title: 'Receiver', web: 'recv' }, fail: { title: 'Failures', web: 'fail' }, storm: { title: 'Datacenter', telegram: String(STORM_CHAT) } },
        telegram: { token: { env: 'BENCH_TELEGRAM_TOKEN' }, apiRoot: telegram.apiRoot },
        tickets: {
          systems: {
            rt: { type: 'rt', url: rt.url, user: rt.user, token: { env: 'BENCH_RT_TOKEN' }, pollInterval: 'off' },
            jira: { type: 'jira', url: jira.url, user: jira.email, token: { env: 'BENCH_JIRA_TOKEN' }, pollInterval: 'off' },
          },
          groups: { desk: { system: 'rt', queue: 'Service Desk', chat: 'ops' } },
        },
        failures: { chat: 'fail', ticket: { system: 'jira', queue: 'FAIL' }, repeatEvery: '1h' },
        monitoring: {
          receivers: { am: { token: { env: 'BENCH_ALERTS_TOKEN' } }, direct: { token: { env: 'BENCH_ALERTS_TOKEN' } } },
          holdDown: `${HOLD_DOWN_MS / 1000}s`,
          reconcile: 'off',
          routes: [
            // 1 and 2: every incident a message of its own, so each can be timed.
            { chat: 'am', hostGroups: ['am'], ticket: { system: 'rt', queue: 'Incidents' }, storm: { individually: 100, window: '1m' } },
            { chat: 'storm', hostGroups: ['storm'], ticket: { system: 'jira', queue: 'STORM' }, storm: { individually: 5, window: `${stormWindowSeconds}s` } },
            { chat: 'recv', match: { bench: 'receiver' }, storm: { individually: 5, window: '5s' } },
          ],
        },
      }),
      { env, port: gatewayPort },
    );
    const d = desk;
    console.log(`incidents bench: Temporal dev server, worker and gateway in one process on ${(await import('node:os')).cpus().length} cores; hold-down ${HOLD_DOWN_MS / 1000} s`);

    // 1. One alert at a time into Alertmanager, as Prometheus posts it; timed to the webhook, the ticket and the group message.
    const tickets = new Map<string, string>();
    const started = new Map<string, string>();
    await section(`1. Alertmanager send → chat and → ticket: ${alertCount} alerts one at a time into AM's API v2; AM group_wait ${GROUP_WAIT}, group_interval ${GROUP_INTERVAL} (they dominate); tickets in a real RT 5, queue Incidents`, async () => {
      const s = { webhook: [] as number[], ticket: [] as number[], chat: [] as number[], hookToTicket: [] as number[], hookToChat: [] as number[] };
      for (const h of amHosts) {
        const startsAt = iso(Date.now());
        started.set(h, startsAt);
        const t0 = Date.now();
        const res = await fetch(`${monitoring.alertmanagerUrl}/api/v2/alerts`, { method: 'POST', headers: { 'content-type': 'application/json' }, body: JSON.stringify([{ labels: { alertname: 'BenchDown', host: h, severity: 'critical' }, annotations: { summary: `${h} does not answer` }, startsAt, generatorURL: 'http://127.0.0.1:9090/graph?g0.expr=up' }]) });
        if (!res.ok) throw new Error(`Alertmanager refused the alert: ${res.status} ${await res.text()}`);
        let chatAt = 0;
        let ticketAt = 0;
        const incident = d.env.client.workflow.getHandle(hostIncidentId(h));
        await waitFor(
          async () => {
            if (!chatAt && (await d.messages('am')).some((m) => m.from === 'bot' && m.text.startsWith(`🔴 ${h}: `))) chatAt = Date.now();
            if (!ticketAt) {
              const state = await incident.query(incidentStateQuery).catch(() => undefined);
              if (state?.ticket) {
                ticketAt = Date.now();
                tickets.set(h, state.ticket.id);
              }
            }
            return chatAt && ticketAt;
          },
          `${h}'s message and ticket`,
          60_000,
          25,
        );
        const hook = pass.arrived.get(`${h}/firing`) ?? NaN;
        s.webhook.push(hook - t0);
        s.ticket.push(ticketAt - t0);
        s.chat.push(chatAt - t0);
        s.hookToTicket.push(ticketAt - hook);
        s.hookToChat.push(chatAt - hook);
      }
      row('AM POST → webhook at the gateway', s.webhook);
      row('webhook → ticket (ours)', s.hookToTicket);
      row('webhook → group message (ours)', s.hookToChat);
      row('AM POST → ticket', s.ticket);
      row('AM POST → group message in the console', s.chat);
    });

    // 2. The same alerts resolved (endsAt = now), one at a time; timed to RT showing the ticket resolved, less the hold-down.
    await section(`2. endsAt → ticket resolved in RT, less the ${HOLD_DOWN_MS / 1000} s hold-down (AM sends the resolve at its next group_interval)`, async () => {
      if (tickets.size < amHosts.length) throw new Error(`only ${tickets.size} of ${amHosts.length} incidents of 1 have a ticket`);
      // One REST 1.0 session, as RT's own client keeps, rather than RT's password check per poll.
      const signIn = await fetch(`${rt.url}/REST/1.0/`, { method: 'POST', body: new URLSearchParams({ user: rt.user, pass: rt.password }) });
      const cookie = signIn.headers.getSetCookie().find((c) => c.startsWith('RT_SID_'))?.split(';')[0] ?? '';
      const status = async (id: string) => /^Status: (\w+)/m.exec(await (await fetch(`${rt.url}/REST/1.0/ticket/${id}/show`, { headers: { cookie } })).text())?.[1];
      const s = { webhook: [] as number[], ours: [] as number[], total: [] as number[] };
      for (const h of amHosts) {
        const id = tickets.get(h) as string;
        const t0 = Date.now();
        const res = await fetch(`${monitoring.alertmanagerUrl}/api/v2/alerts`, { method: 'POST', headers: { 'content-type': 'application/json' }, body: JSON.stringify([{ labels: { alertname: 'BenchDown', host: h, severity: 'critical' }, annotations: { summary: `${h} does not answer` }, startsAt: started.get(h), endsAt: iso(t0), generatorURL: 'http://127.0.0.1:9090/graph?g0.expr=up' }]) });
        if (!res.ok) throw new Error(`Alertmanager refused the resolve: ${res.status}`);
        await waitFor(async () => (await status(id)) === 'resolved', `RT ticket ${id} resolved`, 60_000, 50);
        const closedAt = Date.now();
        const hook = pass.arrived.get(`${h}/resolved`) ?? NaN;
        s.webhook.push(hook - t0);
        s.ours.push(closedAt - hook - HOLD_DOWN_MS);
        s.total.push(closedAt - t0 - HOLD_DOWN_MS);
      }
      row('AM POST (endsAt) → resolved webhook', s.webhook);
      row('resolved webhook → RT resolved − hold-down', s.ours);
      row('endsAt POST → RT resolved − hold-down', s.total);
    });

    // 4. The storm: every host of one group fires at once, 50 alerts a payload, all payloads at once.
    await section(`4. Storm: ${stormHosts} hosts at once (payloads of 50) → one Telegram group (Bot API peer: 1/s per chat, 20/min per group, 30/s per bot), Jira peer project STORM; storm policy 5 own messages a ${stormWindowSeconds} s window`, async () => {
      const [jiraBefore, tgBefore, tooManyBefore] = [jira.calls.length, telegram.calls.length, telegram.tooManyRequests];
      const at = Date.now();
      const alerts = storm.map((h) => directAlert({ alertname: 'NodeDown', host: h, severity: 'critical' }, at - 1000));
      const t0 = Date.now();
      const posts = await Promise.all(Array.from({ length: Math.ceil(alerts.length / 50) }, (_, i) => postDirect(d, alerts.slice(i * 50, i * 50 + 50))));
      const postedMs = Date.now() - t0;
      const ticketed = () => {
        const hosts = [...jira.issues.values()].filter((i) => i.project === 'STORM').map((i) => /^\[incident\] (host\d+):/.exec(i.summary)?.[1]);
        return { issues: hosts.length, distinct: new Set(hosts).size, hosts: new Set(hosts) };
      };
      const stormCalls = () => telegram.calls.slice(tgBefore).filter((c) => Number(c.params.chat_id) === STORM_CHAT && (c.method === 'sendMessage' || c.method === 'editMessageText'));
      let ticketsAt = 0;
      let settledAt = 0;
      let calm = 0;
      // A healthy drain is the window plus one digest part (~17 hosts) every 3 s; the limit leaves room.
      const limitMs = stormWindowSeconds * 1000 + stormHosts * 200 + 60_000;
      let last = '';
      while (Date.now() - t0 < limitMs) {
        if (!ticketsAt && ticketed().distinct >= stormHosts) ticketsAt = Date.now();
        // Settled: the digest admitted everyone and has nothing pending or being posted, the outbox nothing queued or in flight, twice in a row.
        const digest = await d.env.client.workflow.getHandle(incidentDigestId(STORM_REF)).query(digestStateQuery).catch(() => undefined);
        const admitted = digest ? Object.keys(digest.answered).filter((k) => /^incident-host-host\d+\/(?:[^/]+\/)?1$/.test(k)).length : NaN;
        const outbox = await d.env.client.workflow.getHandle(outboxWorkflowId(STORM_REF)).query(outboxQuery).catch(() => undefined);
        const busy = digest && outbox ? (await pendingActivities(d, incidentDigestId(STORM_REF))) + (await pendingActivities(d, outboxWorkflowId(STORM_REF))) : NaN;
        last = `tickets ${ticketed().distinct}/${stormHosts}, admitted by the digest ${Number.isNaN(admitted) ? '? (its query failed)' : admitted}, digest pending ${digest?.pending.length ?? '?'}, outbox queue ${outbox?.queue.length ?? '?'}, their activities in flight ${Number.isNaN(busy) ? '?' : busy}`;
        calm = ticketsAt && admitted >= stormHosts && digest?.pending.length === 0 && outbox?.queue.length === 0 && busy === 0 ? calm + 1 : 0;
        if (calm >= 2) {
          settledAt = Date.now();
          break;
        }
        await sleep(500);
      }
      const calls = stormCalls();
      const messages = telegram.botMessages(STORM_CHAT);
      const own = messages.filter((m) => /^🔴 host\d+: /u.test(m.text ?? ''));
      const named = new Set(messages.flatMap((m) => [...(m.text ?? '').matchAll(/^(?:🔴 |• )(host\d+):/gmu)].map((x) => x[1])));
      const lastCall = Math.max(...calls.map((c) => c.at));
      const digest = await d.env.client.workflow.getHandle(incidentDigestId(STORM_REF)).query(digestStateQuery).catch(() => undefined);
      console.log(`     ${posts.length} payloads posted at once: all 200 after ${postedMs} ms (per payload p50 ${percentile(posts, 50).toFixed(0)} ms, max ${Math.max(...posts).toFixed(0)} ms)`);
      const t = ticketed();
      console.log(`     tickets: ${t.issues} Jira issues for ${t.distinct} of ${stormHosts} hosts${ticketsAt ? `, all after ${((ticketsAt - t0) / 1000).toFixed(1)} s` : ' (not all within the limit)'}`);
      if (settledAt) console.log(`     drain: chat settled after ${((lastCall - t0) / 1000).toFixed(1)} s (last Telegram call; seen settled at ${((settledAt - t0) / 1000).toFixed(1)} s)`);
      else {
        console.log(`     drain: not settled within ${(limitMs / 1000).toFixed(0)} s: ${last}`);
        // What an incident still without its ticket is waiting on, as Temporal tells it.
        const stuck = storm.find((h) => !t.hosts.has(h));
        const pending = stuck && (await d.env.client.workflow.getHandle(hostIncidentId(stuck)).describe()).raw.pendingActivities?.[0];
        if (pending) console.log(`     ${stuck} waits on ${pending.activityType?.name} (attempt ${pending.attempt}): ${pending.lastFailure?.message?.slice(0, 200) ?? 'no failure yet'}`);
      }
      console.log(`     storm chat (Telegram ${STORM_CHAT}): ${messages.length} messages (${own.length} incidents of their own, ${messages.length - own.length} digest message(s)/parts from ${digest?.digests ?? '?'} digest(s)), ${calls.filter((c) => c.method === 'editMessageText').length} edits; hosts named ${[...named].filter((h) => storm.includes(h)).length} of ${stormHosts}`);
      console.log(`     Telegram calls to the chat: ${calls.length}, 429s the peer answered: ${telegram.tooManyRequests - tooManyBefore}`);
      const jiraCalls = jira.calls.slice(jiraBefore);
      const kinds = new Map<string, number>();
      for (const c of jiraCalls) {
        const kind = `${c.method} ${c.path.replace(/[A-Z]+-\d+/g, '<key>')}`;
        kinds.set(kind, (kinds.get(kind) ?? 0) + 1);
      }
      console.log(`     ticket-system calls: ${jiraCalls.length} = ${(jiraCalls.length / stormHosts).toFixed(2)} per incident, ${(jiraCalls.length / Math.max(1, t.issues)).toFixed(2)} per ticket opened (${[...kinds].map(([k, n]) => `${k} ×${n}`).join(', ')})`);
      // History events: an even sample of the storm's incidents.
      const sample = storm.filter((_, i) => i % Math.max(1, Math.floor(storm.length / 50)) === 0);
      const events = await Promise.all(sample.map(async (h) => (await d.env.client.workflow.getHandle(hostIncidentId(h)).fetchHistory()).events?.length ?? 0));
      console.log(`     history events per incident (sample of ${sample.length}${settledAt ? '' : ', at the end of the wait, most not yet past their admission'}): mean ${mean(events).toFixed(1)}, max ${Math.max(...events)}`);
      await terminateAll(d, [...storm.map(hostIncidentId), incidentDigestId(STORM_REF)]);
    });

    // 5. Failures: reportFailure as the worker calls it, bounded parallelism; then exact counts, people and tickets.
    await section(`5. ${failureCount} failures from 50 people over 5 fingerprints (reportFailure, 16 at a time) → 5 workflows, 5 Jira tickets (project FAIL)`, async () => {
      const expected = new Map<string, { count: number; people: Set<string> }>();
      const ours = (k: number, n: number): FailureReport => ({ source: 'bench', workflowType: 'benchWorkflow', step: `step${k}`, error: Object.assign(new Error(`timed out after ${n} ms talking to 10.0.${k}.${n % 250}:8080`), { name: 'BenchTimeout' }), subject: `bench ${k}` });
      const fingerprintOf = (k: number) => failureOf(ours(k, 1)).fingerprint;
      let seed = 12345;
      const random = () => (seed = (seed * 1103515245 + 12345) % 2 ** 31) / 2 ** 31;
      const reports = Array.from({ length: failureCount }, (_, n) => {
        const [k, p] = [Math.floor(random() * 5), Math.floor(random() * 50)];
        const e = expected.get(fingerprintOf(k)) ?? { count: 0, people: new Set<string>() };
        e.count++;
        e.people.add(`person${p}`);
        expected.set(fingerprintOf(k), e);
        return { ...ours(k, n), person: { id: `person${p}`, name: `Person ${p}` } };
      });
      const jiraBefore = jira.calls.length;
      const t0 = Date.now();
      await inParallel(reports, 16, (report) => reportFailure(d.env.client, d.config, report, () => undefined));
      const reportedMs = Date.now() - t0;
      const states = async () => Promise.all([...expected.keys()].map((fp) => d.env.client.workflow.getHandle(`${FAILURE_PREFIX}${fp}`).query(failureStateQuery).catch(() => undefined)));
      const failTickets = () => [...jira.issues.values()].filter((i) => i.project === 'FAIL');
      await waitFor(async () => (await states()).reduce((n, s) => n + (s?.count ?? 0), 0) >= failureCount && failTickets().length >= expected.size, 'every failure counted and ticketed', 120_000, 250).catch(() => undefined);
      const countedMs = Date.now() - t0;
      await sleep(2000); // a late duplicate ticket or workflow would show by now
      const final = await states();
      const workflows = new Set<string>();
      for await (const wf of d.env.client.workflow.list({ query: `WorkflowType = 'failureWorkflow'` })) workflows.add(wf.workflowId);
      const mine = [...workflows].filter((id) => expected.has(id.slice(FAILURE_PREFIX.length)));
      const ourTickets = failTickets().filter((i) => i.summary.startsWith('[failure] bench '));
      const problems: string[] = [];
      [...expected].forEach(([fp, e], i) => {
        const s = final[i];
        const people = [...(s?.people ?? [])].sort();
        if (s?.count !== e.count) problems.push(`${fp.slice(0, 8)}: count ${s?.count} ≠ ${e.count}`);
        if (JSON.stringify(people) !== JSON.stringify([...e.people].sort())) problems.push(`${fp.slice(0, 8)}: ${people.length} people ≠ ${e.people.size}`);
      });
      if (mine.length !== 5 || workflows.size !== 5) problems.push(`${workflows.size} failure workflows (${mine.length} of ours)`);
      if (ourTickets.length !== 5 || failTickets().length !== 5) problems.push(`${failTickets().length} tickets in FAIL (${ourTickets.length} of ours)`);
      console.log(`     reported in ${(reportedMs / 1000).toFixed(1)} s (${((failureCount * 1000) / reportedMs).toFixed(0)}/s), all counted after ${(countedMs / 1000).toFixed(1)} s; Jira calls ${jira.calls.length - jiraBefore}`);
      console.log(`     failure workflows ${workflows.size} (${mine.length} of ours), counts ${final.map((s) => s?.count ?? '?').join(' + ')} = ${final.reduce((n, s) => n + (s?.count ?? 0), 0)} (sent ${[...expected.values()].map((e) => e.count).join(' + ')})`);
      console.log(`     people per fingerprint ${final.map((s) => s?.people.length ?? '?').join(', ')} (sent ${[...expected.values()].map((e) => e.people.size).join(', ')}); tickets ${failTickets().length} (${ourTickets.length} of ours)`);
      console.log(`     ${problems.length ? `MISMATCH: ${problems.join('; ')}` : 'OK'}`);
    });

    // 3. Receiver latency: payloads of 1, 100 and 1000 (fresh fingerprints, no host: an incident each), the worker let settle between them.
    await section(`3. Receiver latency: payload v4 straight to /alerts/direct, HTTP round trip until 200 (${repeats * 5}×1, ${repeats * 2}×100, ${repeats}×1000 firing alerts; each alert its own incident, terminated after its post)`, async () => {
      let sent = 0;
      for (const [size, times] of [[1, repeats * 5], [100, repeats * 2], [1000, repeats]] as const) {
        const ms: number[] = [];
        for (let r = 0; r < times; r++) {
          const alerts = Array.from({ length: size }, (_, i) => directAlert({ alertname: 'BenchReceiver', bench: 'receiver', instance: `i${sent + i}`, severity: 'warning' }, Date.now()));
          ms.push(await postDirect(d, alerts));
          sent += size;
          // A second to start on them as in life, then gone: the next post meets an idle worker, not this one's admissions.
          await sleep(1000);
          await terminateAll(d, [...alerts.map((a) => alertIncidentId(a.fingerprint)), incidentDigestId(RECV_REF)]);
        }
        row(`${size} alert${size > 1 ? 's' : ''} a payload`, ms);
        if (size > 1) console.log(`     ${''.padEnd(42)} = ${(percentile(ms, 50) / size).toFixed(2)} ms an alert at p50`);
      }
    });
  } finally {
    await stopAll();
  }
}

runBench(main);
