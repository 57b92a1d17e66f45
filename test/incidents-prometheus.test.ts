/**
 * Monitoring end to end, with real parts: Prometheus scrapes a service and
 * evaluates ShopDown, Alertmanager posts to the gateway's receiver with its
 * bearer token, the incident posts to the group and opens a ticket in a real
 * RT; silences made from chat are read back from Alertmanager's API; the
 * service coming back closes the ticket (the requestor gets RT's reply) and
 * says so to the group and the client.
 */
import { baseConfig, startDesk, type Desk } from './helpers/desk';
import { startRt, type TestRt } from './helpers/rt';
import { scrapedService, SHOP_DOWN, startMonitoring, type ScrapedService, type TestMonitoring } from './helpers/monitoring';
import { freePort, waitFor } from './helpers/wait';
import type { ConsoleMessage } from '../chat-gateway/web-console/store';
import { hostIncidentId, incidentStateQuery } from '../workflows/incident/definitions';

const TOKEN = 'alerts-test-token';
let rt: TestRt;
let desk: Desk;
let monitoring: TestMonitoring;
let shop: ScrapedService;

const button = (m: ConsoleMessage, label: string) => m.buttons.flat().find((b) => b.label === label)?.action;

interface RtTicket {
  Status: string;
  Queue: { id: string };
  Owner: { id: string };
  Requestor: { id: string }[];
  Subject: string;
}

beforeAll(async () => {
  rt = await startRt();
  shop = await scrapedService();
  await shop.start();
  const port = await freePort();
  monitoring = await startMonitoring({
    targets: [{ job: 'shop', target: `127.0.0.1:${shop.port}`, labels: { host: 'web1' } }],
    // A rule that cannot be evaluated (the subtraction drops the metric names, leaving two series alike): it never fires.
    rules: [SHOP_DOWN, { alert: 'BrokenRule', expr: '({__name__=~"up|scrape_samples_scraped",job="shop"} - 0) > 1e9' }],
    receiver: { url: `http://127.0.0.1:${port}/alerts/ops`, token: TOKEN },
  });
  process.env.TEST_RT_TOKEN = rt.token;
  process.env.TEST_ALERTS_TOKEN = TOKEN;
  desk = await startDesk(
    baseConfig(
      { web1: { address: '127.0.0.1', transport: 'local', groups: ['test'], services: { shop: { steps: [{ name: 'noop', run: 'true' }] } } } },
      {
        roles: {
          engineer: { can: ['status', 'restart', 'tickets', 'silence'], hostGroups: ['test'] },
          viewer: { can: ['status'] },
          lead: { can: ['status', 'restart', 'approve', 'tickets', 'silence'] },
        },
        users: [
          { id: 'alice', name: 'Alice', roles: ['engineer'], tickets: { rt: 'alice' } },
          { id: 'bob', name: 'Bob', roles: ['lead'], tickets: { rt: 'bob' } },
          { id: 'carol', name: 'Carol', roles: ['viewer'] },
        ],
        chats: { ops: { title: 'Ops', web: 'ops' }, client: { title: 'The shop’s owners', web: 'client' } },
        tickets: {
          systems: { rt: { type: 'rt', url: rt.url, user: rt.user, token: { env: 'TEST_RT_TOKEN' }, pollInterval: 'off' } },
          groups: { desk: { system: 'rt', queue: 'Service Desk', chat: 'ops' } },
        },
        monitoring: {
          prometheus: { url: monitoring.prometheusUrl },
          alertmanager: { url: monitoring.alertmanagerUrl },
          receivers: { ops: { token: { env: 'TEST_ALERTS_TOKEN' } } },
          holdDown: '3s',
          reconcile: 'off',
          routes: [{ chat: 'ops', ticket: { system: 'rt', queue: 'Incidents' }, confirm: 'up{host="{host}"} == 1' }],
          clients: { test: { chat: 'client', requestors: ['owner@shop.example'] } },
        },
      },
    ),
    { port },
  );
}, 180_000);

afterAll(async () => {
  await desk?.stop();
  await monitoring?.remove();
  await shop?.stop();
  await rt?.remove();
});

test('the shop going down posts to the group with the alert, its links and buttons, and opens a ticket in RT with the requestor', async () => {
  await shop.stop();
  const message = await desk.botMessage('ops', (m) => m.text.startsWith('🔴 web1') && m.text.includes('Ticket #'), 'the incident message', 90_000);
  expect(message.text).toContain('ShopDown (critical): The shop on web1 does not answer');
  expect(message.text).toContain('Severity: critical');
  expect(message.text).toContain('Runbook: https://runbooks.example/shop-down');
  expect(message.text).toContain(`Prometheus: ${monitoring.prometheusUrl}/graph?g0.expr=`);
  expect(message.text).toContain(`/workflows/${hostIncidentId('web1')}/history`);
  expect(message.buttons.flat().map((b) => b.label)).toEqual(['Acknowledge', 'Restart', 'Runbook', 'Silence 1 h', 'Silence 4 h']);
  const id = /Ticket #(\d+)/.exec(message.text)?.[1] as string;
  const ticket = (await rt.rest('GET', `ticket/${id}`)) as RtTicket;
  expect(ticket.Status).toBe('new');
  expect(ticket.Subject).toMatch(/^\[incident\] web1: ShopDown \(critical\) since \d{4}-\d\d-\d\d \d\d:\d\d UTC$/);
  expect(ticket.Requestor.map((r) => r.id)).toEqual(['owner@shop.example']);
  const queue = (await rt.rest('GET', `queue/${ticket.Queue.id}`)) as { Name: string };
  expect(queue.Name).toBe('Incidents');
}, 120_000);

test('health shows the open incident, the rule in error, the targets down and Alertmanager; status shows the host’s alerts and up', async () => {
  await desk.say('bob', 'ops', 'health');
  const health = await desk.botMessage('ops', (m) => m.text.startsWith('🩺 Monitoring'), 'the health answer');
  expect(health.text).toContain('Open incidents: 1');
  expect(health.text).toMatch(/• web1: firing since \d\d:\d\d UTC · #\d+/);
  expect(health.text).toMatch(/⚠ Rule BrokenRule is in error and never fires: .*same labelset/);
  expect(health.text).toMatch(/Prometheus alerts: 1 firing/);
  expect(health.text).toContain(`targets down: shop 127.0.0.1:${shop.port}`);
  expect(health.text).toMatch(/Alertmanager: 1 alerts \(0 silenced\)/);
  await desk.say('carol', 'ops', 'status web1');
  const status = await desk.botMessage('ops', (m) => m.text.includes('Alerts now:'), 'the status answer');
  expect(status.text).toContain('Alerts now: ShopDown (critical)');
  expect(status.text).toContain(`Prometheus up: shop 127.0.0.1:${shop.port} ❌`);
}, 60_000);

test('Silence 1 h makes an Alertmanager silence by the person for the host, linking the ticket; Unsilence expires it', async () => {
  const message = await desk.botMessage('ops', (m) => m.text.startsWith('🔴 web1'), 'the incident message');
  const ticketUrl = /Ticket #\d+: (\S+)/.exec(message.text)?.[1] as string;
  expect(await desk.press('alice', 'ops', message.id, button(message, 'Silence 1 h') as string)).toBe(202);
  const reply = await desk.botMessage('ops', (m) => m.text.startsWith('🔕 Silenced in Alertmanager'), 'the silence reply');
  const silenceId = /\(silence ([0-9a-f-]+)\)/.exec(reply.text)?.[1] as string;
  const silence = await monitoring.am<{ createdBy: string; comment: string; matchers: { name: string; value: string; isEqual: boolean; isRegex: boolean }[]; status: { state: string }; endsAt: string; startsAt: string }>(`api/v2/silence/${silenceId}`);
  expect(silence.createdBy).toBe('Alice');
  expect(silence.comment).toBe(`dutydesk: ${ticketUrl}`);
  expect(silence.matchers).toEqual([{ name: 'host', value: 'web1', isEqual: true, isRegex: false }]);
  expect(silence.status.state).toBe('active');
  expect(Date.parse(silence.endsAt) - Date.parse(silence.startsAt)).toBeGreaterThan(3_590_000);
  // Alertmanager itself now reports the alert as silenced by it.
  await waitFor(async () => (await monitoring.am<{ status: { silencedBy: string[] } }[]>('api/v2/alerts?filter=host%3D%22web1%22')).some((a) => a.status.silencedBy.includes(silenceId)), 'the alert silenced in Alertmanager');
  const edited = await desk.botMessage('ops', (m) => m.text.startsWith('🔴 web1') && m.text.includes('🔕 Silenced until'), 'the message showing the silence');
  expect(edited.text).toContain('by Alice');
  expect(edited.buttons.flat().map((b) => b.label)).toContain('Unsilence');

  // A viewer may not lift it.
  await desk.press('carol', 'ops', edited.id, button(edited, 'Unsilence') as string);
  await desk.botMessage('ops', (m) => /not allowed|may not/i.test(m.text), 'the refusal for a viewer');
  expect((await monitoring.am<{ status: { state: string } }>(`api/v2/silence/${silenceId}`)).status.state).toBe('active');

  await desk.press('alice', 'ops', edited.id, button(edited, 'Unsilence') as string);
  await desk.botMessage('ops', (m) => m.text === '🔔 The silence is lifted.', 'the unsilence reply');
  expect((await monitoring.am<{ status: { state: string } }>(`api/v2/silence/${silenceId}`)).status.state).toBe('expired');
}, 120_000);

test('Acknowledge takes the ticket in RT for the presser; of two pressing at once, the other is told who was first', async () => {
  const message = await desk.botMessage('ops', (m) => m.text.startsWith('🔴 web1'), 'the incident message');
  const id = /Ticket #(\d+)/.exec(message.text)?.[1] as string;
  const ack = button(message, 'Acknowledge') as string;
  await Promise.all([desk.press('alice', 'ops', message.id, ack), desk.press('bob', 'ops', message.id, ack)]);
  const edited = await desk.botMessage('ops', (m) => m.text.startsWith('🔴 web1') && m.text.includes('✋ Acknowledged by'), 'the acknowledged message');
  expect(edited.buttons.flat().map((b) => b.label)).not.toContain('Acknowledge');
  const winner = /✋ Acknowledged by (\w+)/.exec(edited.text)?.[1] as string;
  const loser = winner === 'Alice' ? 'Bob' : 'Alice';
  await desk.botMessage('ops', (m) => m.text.startsWith(`${winner} already acknowledged it at`), `the answer to ${loser}`);
  const ticket = (await rt.rest('GET', `ticket/${id}`)) as RtTicket;
  expect(ticket.Owner.id).toBe(winner.toLowerCase());
  expect(ticket.Status).toBe('open');
}, 90_000);

test('the shop coming back resolves the ticket with a reply to the requestor, edits the group message and tells the group and the client', async () => {
  const before = await desk.botMessage('ops', (m) => m.text.startsWith('🔴 web1'), 'the incident message');
  const id = /Ticket #(\d+)/.exec(before.text)?.[1] as string;
  await shop.start();
  const up = await desk.botMessage('ops', (m) => m.text.startsWith('✅ web1 is up again after'), 'the up-again message', 90_000);
  expect(up.text).toContain(`Ticket #${id} is resolved.`);
  const edited = (await desk.messages('ops')).find((m) => m.id === before.id) as ConsoleMessage;
  expect(edited.text).toMatch(/✅ Up again at \d\d:\d\d UTC, after/);
  expect(edited.buttons).toEqual([]);
  const client = await desk.botMessage('client', (m) => m.text.startsWith('✅ web1 is up again; it was down for'), 'the client’s message');
  expect(client.text).toContain('Sorry for the trouble.');
  const ticket = (await rt.rest('GET', `ticket/${id}`)) as RtTicket;
  expect(ticket.Status).toBe('resolved');
  // RT mails correspondence to the requestors: the reply is a Correspond transaction on the ticket.
  const history = (await rt.rest('GET', `ticket/${id}/history?fields=Type,Data&per_page=100`)) as { items: { Type: string }[] };
  expect(history.items.filter((h) => h.Type === 'Correspond')).toHaveLength(1);
  // One outage, one ticket: the Incidents queue holds this one alone.
  const incidents = (await rt.rest('GET', `tickets?query=${encodeURIComponent("Queue = 'Incidents'")}`)) as { total: number };
  expect(incidents.total).toBe(1);
  const state = await desk.env.client.workflow.getHandle(hostIncidentId('web1')).query(incidentStateQuery);
  expect(state.phase).toBe('cleared');
  expect(state.confirmation).toBe('up');
}, 120_000);

test('down again within the reopen window reopens the same ticket and posts a new group message', async () => {
  const first = await desk.botMessage('ops', (m) => m.text.startsWith('✅ web1 is up again after'), 'the up-again message');
  const id = /Ticket #(\d+)/.exec(first.text)?.[1] as string;
  await shop.stop();
  const again = await desk.botMessage('ops', (m) => m.text.startsWith('🔴 web1') && m.createdAt > first.createdAt, 'a new incident message', 90_000);
  expect(again.text).toContain(`Ticket #${id}:`);
  await waitFor(async () => ((await rt.rest('GET', `ticket/${id}`)) as RtTicket).Status === 'open', 'the ticket reopened in RT');
  const incidents = (await rt.rest('GET', `tickets?query=${encodeURIComponent("Queue = 'Incidents'")}`)) as { total: number };
  expect(incidents.total).toBe(1);
  await shop.start();
  await desk.botMessage('ops', (m) => m.text.startsWith('✅ web1 is up again after') && m.createdAt > again.createdAt, 'the second up-again message', 90_000);
}, 200_000);
