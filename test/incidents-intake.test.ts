/**
 * The Alertmanager receiver and the incident's event rules, with payload
 * fixtures as Alertmanager sends them: who may post, malformed payloads,
 * resends and an HA pair's duplicates, mixed groups, a resolve before its
 * firing, truncation, flapping; and the reconciler against a real
 * Alertmanager whose webhook deliveries are lost.
 */
import { createServer, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import { Client, Connection } from '@temporalio/client';
import { createGateway } from '../chat-gateway/app';
import { baseConfig, startDesk, type Desk } from './helpers/desk';
import { startMonitoring, type TestMonitoring } from './helpers/monitoring';
import { freePort, waitFor } from './helpers/wait';
import { hostIncidentId, incidentStateQuery } from '../workflows/incident/definitions';
import { TASK_QUEUES } from '../workers/task-queues';

const TOKEN = 'intake-test-token';
const TEAM_TOKEN = 'intake-team-token';
let desk: Desk;
let monitoring: TestMonitoring;
const logged: string[] = [];
const host = (group: string) => ({ address: '127.0.0.1', transport: 'local', groups: [group], services: { app: { steps: [{ name: 'noop', run: 'true' }] } } });
const STORM = Array.from({ length: 40 }, (_, i) => `node${i + 1}`);
const hosts = { app1: host('test'), ...Object.fromEntries(['db1', 'db2', 'db3', 'db4', 'db5', 'db6', 'db7', 'db8', 'db9'].map((h) => [h, host('test')])), ...Object.fromEntries(STORM.map((h) => [h, host('storm')])) };

const T0 = Date.parse('2026-12-01T10:00:00Z');
const iso = (ms: number) => new Date(ms).toISOString();
let fingerprints = 0;
function alert(host: string, status: 'firing' | 'resolved', startsAt: number, extra: { fingerprint?: string; alertname?: string; endsAt?: number } = {}) {
  return {
    status,
    labels: { alertname: extra.alertname ?? 'DiskFull', host, severity: 'warning' },
    annotations: { summary: `Disk full on ${host}` },
    startsAt: iso(startsAt),
    endsAt: status === 'resolved' ? iso(extra.endsAt ?? startsAt + 60_000) : '0001-01-01T00:00:00Z',
    generatorURL: 'http://prometheus.example/graph?g0.expr=x',
    fingerprint: extra.fingerprint ?? (++fingerprints).toString(16).padStart(16, '0'),
  };
}
function payload(alerts: (Omit<ReturnType<typeof alert>, 'labels'> & { labels: Record<string, string> })[], extra: Record<string, unknown> = {}) {
  return { version: '4', groupKey: '{}:{alertname="DiskFull"}', truncatedAlerts: 0, status: alerts.some((a) => a.status === 'firing') ? 'firing' : 'resolved', receiver: 'ops', groupLabels: {}, commonLabels: {}, commonAnnotations: {}, externalURL: 'http://am.example', alerts, ...extra };
}
async function post(body: unknown, token: string | null = TOKEN, receiver = 'ops', url = desk.url) {
  const res = await fetch(`${url}/alerts/${receiver}`, { method: 'POST', headers: { 'content-type': 'application/json', ...(token ? { authorization: `Bearer ${token}` } : {}) }, body: typeof body === 'string' ? body : JSON.stringify(body) });
  return { status: res.status, body: (await res.json()) as Record<string, unknown> };
}
const incident = (host: string) => desk.env.client.workflow.getHandle(hostIncidentId(host)).query(incidentStateQuery);
/** The group messages of a host's incident (🔴 firing, 🟡 recovering, ✅ up again), not the "up again" notes. */
const incidentMessages = async (host: string) => (await desk.messages('ops')).filter((m) => m.from === 'bot' && /^(🔴|🟡|✅) /u.test(m.text) && m.text.includes(` ${host}: `));

beforeAll(async () => {
  // Alertmanager's own deliveries carry a wrong token, so they are refused: as lost webhooks, only the reconciler sees its alerts.
  monitoring = await startMonitoring({ targets: [], rules: [], receiver: { url: `http://127.0.0.1:${await freePort()}/alerts/ops`, token: 'not-the-token' } });
  process.env.TEST_ALERTS_TOKEN = TOKEN;
  process.env.TEST_TEAM_ALERTS_TOKEN = TEAM_TOKEN;
  desk = await startDesk(
    baseConfig(hosts, {
      chats: { ops: { title: 'Ops', web: 'ops' }, storm: { title: 'Datacenter', web: 'storm' } },
      roles: { engineer: { can: ['status', 'tickets', 'silence'] }, viewer: { can: ['status'] }, lead: { can: ['status'] } },
      monitoring: {
        alertmanager: { url: monitoring.alertmanagerUrl },
        receivers: { ops: { token: { env: 'TEST_ALERTS_TOKEN' } }, team: { token: { env: 'TEST_TEAM_ALERTS_TOKEN' }, hostGroups: ['test'] } },
        holdDown: '1s',
        reopenWindow: '4s',
        flapping: { count: 2, window: '1h' },
        reconcile: 'off',
        routes: [
          // The tests here post more than a storm's worth to ops; the storm test has a chat of its own.
          { chat: 'ops', hostGroups: ['test'], storm: { individually: 100, window: '1m' } },
          { chat: 'storm', hostGroups: ['storm'], storm: { individually: 5, window: '5s' } },
        ],
      },
    }),
    { gatewayLog: (line) => logged.push(line) },
  );
}, 180_000);

afterAll(async () => {
  await desk?.stop();
  await monitoring?.remove();
});

test('the receiver refuses an unknown receiver, a missing or wrong token, and a payload that is not version 4, naming the field', async () => {
  const body = payload([alert('db1', 'firing', T0)]);
  expect((await post(body, TOKEN, 'nobody')).status).toBe(404);
  const none = await post(body, null);
  expect(none.status).toBe(401);
  expect(none.body.error).toContain('credentials_file');
  expect((await post(body, 'wrong-token')).status).toBe(401);
  const v3 = await post({ ...body, version: '3' });
  expect(v3.status).toBe(400);
  expect(v3.body.error).toContain('version');
  const noFingerprint = await post(payload([{ ...alert('db1', 'firing', T0), fingerprint: 'not hex!' }]));
  expect(noFingerprint.status).toBe(400);
  expect(noFingerprint.body.error).toContain('alerts.0.fingerprint');
  expect((await post('{"version": "4", "alerts": [')).status).toBe(400);
  // Nothing was started for any of them.
  await expect(incident('db1')).rejects.toThrow();
});

test('a receiver limited to host groups raises incidents of its hosts only: others are ignored, and all-foreign payloads refused', async () => {
  const foreign = alert('node1', 'firing', T0);
  const hostless = { ...alert('app1', 'firing', T0), labels: { alertname: 'Watchdog', severity: 'none' } };
  expect((await post(payload([foreign, hostless]), TEAM_TOKEN, 'team')).status).toBe(403);
  const mixed = await post(payload([alert('app1', 'firing', T0), foreign]), TEAM_TOKEN, 'team');
  expect(mixed).toEqual({ status: 200, body: expect.objectContaining({ accepted: 1, refused: 1 }) });
  await waitFor(async () => (await incidentMessages('app1')).length === 1, 'the incident message of app1');
  await expect(incident('node1')).rejects.toThrow();
  expect(logged.some((l) => l.includes('receiver team sent 1 alert(s) of hosts outside its host groups'))).toBe(true);
  // The team's token is no key to the ops receiver.
  expect((await post(payload([foreign]), TEAM_TOKEN, 'ops')).status).toBe(401);
});

test('resends and an HA pair sending everything twice make one incident message; each alert acts on its own status in a mixed group', async () => {
  const firing = alert('db1', 'firing', T0);
  const resolvedElsewhere = alert('db2', 'resolved', T0 - 600_000);
  const group = payload([firing, resolvedElsewhere]);
  expect(group.status).toBe('firing');
  // The pair: the same group from two Alertmanagers at once, then the group_interval resends.
  const answers = await Promise.all([post(group), post(group), post(group), post(group)]);
  expect(answers.map((a) => a.status)).toEqual([200, 200, 200, 200]);
  expect(answers[0].body).toMatchObject({ accepted: 2, incidents: 2, unrouted: 0 });
  await desk.botMessage('ops', (m) => m.text.startsWith('🔴 db1: DiskFull (warning): Disk full on db1'), 'the db1 incident message');
  await waitFor(async () => (await incident('db1')).events === 4, 'all four deliveries handled');
  expect(await incidentMessages('db1')).toHaveLength(1);
  // db2's alert was resolved in the very payload that said "firing": no incident message for it.
  const db2 = await incident('db2');
  expect(db2.phase).toBe('quiet');
  expect(await incidentMessages('db2')).toHaveLength(0);
});

test('a resolve that arrives before its firing keeps the late firing from opening anything; a stale earlier episode is ignored', async () => {
  const fingerprint = 'ab12cd34ef560001';
  await post(payload([alert('db3', 'resolved', T0, { fingerprint })]));
  await post(payload([alert('db3', 'firing', T0, { fingerprint })]));
  await waitFor(async () => (await incident('db3')).events === 2, 'both handled');
  expect((await incident('db3')).phase).toBe('quiet');
  // A newer episode fires; then a delivery of an older one (stale) resolves nothing.
  await post(payload([alert('db3', 'firing', T0 + 3_600_000, { fingerprint })]));
  await desk.botMessage('ops', (m) => m.text.startsWith('🔴 db3:'), 'the db3 incident message');
  await post(payload([alert('db3', 'resolved', T0 + 60_000, { fingerprint })]));
  await waitFor(async () => (await incident('db3')).events === 4, 'the stale resolve handled');
  expect((await incident('db3')).phase).toBe('firing');
  expect(await incidentMessages('db3')).toHaveLength(1);
});

test('several alerts of one host make one incident and one message; it clears only when the last resolves', async () => {
  const disk = alert('db4', 'firing', T0, { alertname: 'DiskFull' });
  const load = alert('db4', 'firing', T0 + 1000, { alertname: 'HighLoad' });
  await post(payload([disk]));
  await post(payload([load]));
  const message = await desk.botMessage('ops', (m) => m.text.startsWith('🔴 db4:') && m.text.includes('HighLoad'), 'the message listing both alerts');
  expect(message.text).toContain('DiskFull');
  await post(payload([{ ...disk, status: 'resolved', endsAt: iso(T0 + 120_000) }]));
  await waitFor(async () => (await incident('db4')).events === 3, 'the first resolve handled');
  expect((await incident('db4')).phase).toBe('firing');
  await post(payload([{ ...load, status: 'resolved', endsAt: iso(T0 + 130_000) }]));
  await desk.botMessage('ops', (m) => m.text.startsWith('✅ db4 is up again'), 'the up-again message');
  expect(await incidentMessages('db4')).toHaveLength(1);
});

test('a payload with truncated alerts is taken and the truncation logged', async () => {
  const answer = await post(payload([alert('db5', 'firing', T0)], { truncatedAlerts: 7 }));
  expect(answer.status).toBe(200);
  expect(answer.body.truncatedAlerts).toBe(7);
  expect(logged.some((l) => l.includes('left 7 alert(s) out') && l.includes('max_alerts'))).toBe(true);
});

test('an incident back more often than the flapping count allows is marked flapping, and its chat hears no more new messages', async () => {
  const fingerprint = 'ab12cd34ef560002';
  let at = T0;
  const cycle = async (n: number) => {
    at += 600_000;
    await post(payload([alert('db6', 'firing', at, { fingerprint })]));
    await waitFor(async () => (await incident('db6')).phase === 'firing', `firing ${n}`);
    await post(payload([alert('db6', 'resolved', at, { fingerprint, endsAt: at + 1000 })]));
    await waitFor(async () => (await incident('db6')).phase === 'cleared', `cleared ${n}`, 20_000);
  };
  for (let n = 1; n <= 5; n++) await cycle(n);
  const state = await incident('db6');
  expect(state.flapping).toBe(true);
  const messages = await incidentMessages('db6');
  // Round 1, then a new message for each of the two returns the count allows; the third return marks it flapping and edits instead.
  expect(messages).toHaveLength(3);
  expect(messages[2].text).toContain('〰 Flapping');
  const upAgain = (await desk.messages('ops')).filter((m) => m.text.startsWith('✅ db6 is up again'));
  expect(upAgain).toHaveLength(3);
}, 120_000);

test('the reconciler opens an incident for a firing alert whose webhook was lost, and clears one whose alert is gone for two rounds', async () => {
  // In Alertmanager, as Prometheus would post it: its webhook to dutydesk is refused (wrong token), so only the reconciler can tell.
  const res = await fetch(`${monitoring.alertmanagerUrl}/api/v2/alerts`, {
    method: 'POST',
    headers: { 'content-type': 'application/json' },
    body: JSON.stringify([{ labels: { alertname: 'NodeDown', host: 'db7', severity: 'critical' }, annotations: { summary: 'db7 is down' }, startsAt: iso(Date.now() - 1000), endsAt: iso(Date.now() + 3_600_000) }]),
  });
  expect(res.status).toBe(200);
  // The lost resolve: db5's firing came by webhook, and Alertmanager does not hold it.
  expect((await incident('db5')).phase).toBe('firing');
  const round = () => desk.env.client.workflow.execute('incidentReconcilerWorkflow', { taskQueue: TASK_QUEUES.desk, workflowId: `reconcile-test-${Date.now()}`, args: [] });
  const first = (await round()) as { alerts: number; started: number };
  expect(first.alerts).toBe(1);
  expect(first.started).toBe(1);
  await desk.botMessage('ops', (m) => m.text.startsWith('🔴 db7: NodeDown (critical): db7 is down'), 'the incident the reconciler opened');
  expect((await incident('db5')).phase).toBe('firing');
  await round();
  await desk.botMessage('ops', (m) => m.text.startsWith('✅ db5 is up again'), 'db5 cleared after two rounds without its alert');
  // db7's alert is still held: its incident stays open.
  expect((await incident('db7')).phase).toBe('firing');
}, 60_000);

test('a resolve the reconciler assumed is undone when the same episode fires again; a silenced alert opens no incident', async () => {
  // db5 was resolved by the reconciler (gone from Alertmanager two rounds): its own episode firing again brings it back.
  const state = await incident('db5');
  const [series] = Object.values(state.series);
  expect(series.assumedResolved).toBe(true);
  await post(payload([alert('db5', 'firing', series.last.startsAt, { fingerprint: series.last.fingerprint })]));
  await waitFor(async () => (await incident('db5')).phase === 'firing', 'db5 firing again');
  // db8 silenced in Alertmanager before it fires: Alertmanager holds it suppressed and sends nothing; nor does the reconciler.
  const now = Date.now();
  const silenced = await fetch(`${monitoring.alertmanagerUrl}/api/v2/silences`, {
    method: 'POST',
    headers: { 'content-type': 'application/json' },
    body: JSON.stringify({ matchers: [{ name: 'host', value: 'db8', isRegex: false, isEqual: true }], startsAt: iso(now), endsAt: iso(now + 3_600_000), createdBy: 'ops', comment: 'maintenance' }),
  });
  expect(silenced.status).toBe(200);
  await fetch(`${monitoring.alertmanagerUrl}/api/v2/alerts`, { method: 'POST', headers: { 'content-type': 'application/json' }, body: JSON.stringify([{ labels: { alertname: 'NodeDown', host: 'db8' }, startsAt: iso(now - 1000), endsAt: iso(now + 3_600_000) }]) });
  await waitFor(async () => (await monitoring.am<{ status: { state: string } }[]>('api/v2/alerts?filter=host%3D%22db8%22'))[0]?.status.state === 'suppressed', 'db8 suppressed in Alertmanager');
  const round = (await desk.env.client.workflow.execute('incidentReconcilerWorkflow', { taskQueue: TASK_QUEUES.desk, workflowId: `reconcile-test-${Date.now()}`, args: [] })) as { started: number };
  expect(round.started).toBe(0);
  await expect(incident('db8')).rejects.toThrow();
  // db7 is still held (active): still firing, not resolved by the rounds.
  expect((await incident('db7')).phase).toBe('firing');
}, 60_000);

test('a host down again after its incident ended gets a new message and a new up-again note, not the old ones edited', async () => {
  const first = T0 + 7_200_000;
  await post(payload([alert('db9', 'firing', first, { fingerprint: 'ab12cd34ef560009' })]));
  await post(payload([alert('db9', 'resolved', first, { fingerprint: 'ab12cd34ef560009', endsAt: first + 1000 })]));
  // Even when both reach the incident in one go, the outage happened: it opens, and recovers.
  await desk.botMessage('ops', (m) => m.text.startsWith('✅ db9 is up again'), 'the first up-again note');
  // The reopen window (4 s here) passes and the incident's run ends.
  await waitFor(async () => (await desk.env.client.workflow.getHandle(hostIncidentId('db9')).describe()).status.name === 'COMPLETED', 'the first incident over', 20_000);
  await post(payload([alert('db9', 'firing', first + 3_600_000, { fingerprint: 'ab12cd34ef560009' })]));
  await post(payload([alert('db9', 'resolved', first + 3_600_000, { fingerprint: 'ab12cd34ef560009', endsAt: first + 3_601_000 })]));
  await waitFor(async () => (await desk.messages('ops')).filter((m) => m.text.startsWith('✅ db9 is up again')).length === 2, 'a second up-again note');
  expect(await incidentMessages('db9')).toHaveLength(2);
}, 60_000);

test('while Temporal does not answer, the receiver says 503 so that Alertmanager retries', async () => {
  const dead = await freePort();
  const client = new Client({ connection: Connection.lazy({ address: `127.0.0.1:${dead}` }) });
  const gateway = createGateway({ config: desk.config, client, botToken: 'x'.repeat(32), log: () => undefined });
  const server = await new Promise<Server>((resolve) => {
    const s = createServer(gateway.app).listen(0, '127.0.0.1', () => resolve(s));
  });
  try {
    const answer = await post(payload([alert('db1', 'firing', T0 + 1)]), TOKEN, 'ops', `http://127.0.0.1:${(server.address() as AddressInfo).port}`);
    expect(answer.status).toBe(503);
    expect(answer.body.error).toContain('Alertmanager should retry');
  } finally {
    server.closeAllConnections();
    server.close();
  }
}, 60_000);

test('a storm of 40 hosts down at once gives 40 incidents, 5 messages of their own a window and the rest in digests, linking each', async () => {
  const at = Date.now() - 5000;
  const alerts = STORM.map((h) => alert(h, 'firing', at, { alertname: 'NodeDown' }));
  // As Alertmanager groups them (group_by host): one payload each, all at once.
  const answers = await Promise.all(alerts.map((a) => post(payload([a]))));
  expect(answers.every((a) => a.status === 200)).toBe(true);
  for (const h of STORM) await waitFor(async () => (await incident(h)).phase === 'firing', `${h} firing`);
  /** Each host once, in a message of its own or in a digest's list; and how many messages that took. */
  const accounted = async (own: RegExp, digestHead: RegExp) => {
    const bot = (await desk.messages('storm')).filter((m) => m.from === 'bot');
    const mine = bot.filter((m) => own.test(m.text));
    const digests = bot.filter((m) => digestHead.test(m.text));
    const listed = digests.flatMap((d) => d.text.split('\n').filter((l) => l.startsWith('• node')));
    const named = [...mine.map((m) => /(node\d+)/.exec(m.text)?.[1]), ...listed.map((l) => /^• (node\d+):/.exec(l)?.[1])];
    return { named, messages: mine.length + digests.length, listed, mine };
  };
  const down = await waitFor(async () => {
    const a = await accounted(/^🔴 node\d+:/, /^🔴 \d+ more incidents/);
    return a.named.length === STORM.length ? a : undefined;
  }, 'all 40 told, alone or in a digest', 60_000);
  expect(new Set(down.named)).toEqual(new Set(STORM));
  expect(down.mine.length).toBeGreaterThanOrEqual(5);
  // 40 messages without digests; with them, a handful.
  expect(down.messages).toBeLessThanOrEqual(12);
  expect(down.listed.every((l) => l.includes('NodeDown (warning)') && l.includes('/workflows/incident-host-node'))).toBe(true);
  // They all come back: again a few notes of their own, the rest digested.
  await Promise.all(alerts.map((a) => post(payload([{ ...a, status: 'resolved', endsAt: iso(Date.now()) }]))));
  const up = await waitFor(async () => {
    const a = await accounted(/^✅ node\d+ is up again/, /^✅ \d+ up again/m);
    return a.named.length === STORM.length ? a : undefined;
  }, 'all 40 back, alone or in a digest', 60_000);
  expect(new Set(up.named)).toEqual(new Set(STORM));
  expect(up.messages).toBeLessThanOrEqual(12);
}, 150_000);
