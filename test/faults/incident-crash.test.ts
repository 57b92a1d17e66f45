/**
 * An incident survives its worker and its gateway: the worker process is
 * killed as the incident opens and again as it recovers, and the gateway that
 * Alertmanager posts to is down when the alert fires. Nothing is lost, and
 * nothing comes twice: one ticket, one group message, one "up again" each for
 * the group and the client, one reply to the requestor.
 */
import type { ChildProcess } from 'node:child_process';
import type { Server } from 'node:http';
import { createGateway } from '../../chat-gateway/app';
import { baseConfig, startDesk, type Desk } from '../helpers/desk';
import { startRt, type TestRt } from '../helpers/rt';
import { scrapedService, SHOP_DOWN, startMonitoring, type ScrapedService, type TestMonitoring } from '../helpers/monitoring';
import { freePort, waitFor } from '../helpers/wait';
import { hostIncidentId, incidentStateQuery } from '../../workflows/incident/definitions';

const TOKEN = 'crash-test-token';
let rt: TestRt;
let desk: Desk;
let monitoring: TestMonitoring;
let shop: ScrapedService;
let worker: ChildProcess;
let intakePort: number;
let intake: Server | undefined;

/** The gateway Alertmanager posts to, apart from the desk's own, so the test can take it down and bring it back. */
async function startIntake() {
  const gateway = createGateway({ config: desk.config, client: desk.env.client, botToken: 'x'.repeat(32), log: () => undefined });
  intake = await new Promise<Server>((resolve) => {
    const s = gateway.app.listen(intakePort, '127.0.0.1', () => resolve(s));
  });
}
async function stopIntake() {
  const s = intake;
  intake = undefined;
  s?.closeAllConnections();
  await new Promise((r) => s?.close(r));
}

async function killWorker() {
  const exited = new Promise((r) => worker.once('exit', r));
  worker.kill('SIGKILL');
  await exited;
}

const state = () => desk.env.client.workflow.getHandle(hostIncidentId('web1')).query(incidentStateQuery);
const incidentTickets = async () => ((await rt.rest('GET', `tickets?query=${encodeURIComponent("Queue = 'Incidents'")}`)) as { total: number; items: { id: string }[] });

beforeAll(async () => {
  rt = await startRt();
  shop = await scrapedService();
  await shop.start();
  intakePort = await freePort();
  monitoring = await startMonitoring({
    targets: [{ job: 'shop', target: `127.0.0.1:${shop.port}`, labels: { host: 'web1' } }],
    rules: [SHOP_DOWN],
    receiver: { url: `http://127.0.0.1:${intakePort}/alerts/ops`, token: TOKEN },
  });
  process.env.TEST_RT_TOKEN = rt.token;
  process.env.TEST_ALERTS_TOKEN = TOKEN;
  desk = await startDesk(
    baseConfig(
      { web1: { address: '127.0.0.1', transport: 'local', groups: ['test'], services: { shop: { steps: [{ name: 'noop', run: 'true' }] } } } },
      {
        chats: { ops: { title: 'Ops', web: 'ops' }, client: { title: 'Client', web: 'client' } },
        tickets: {
          systems: { rt: { type: 'rt', url: rt.url, user: rt.user, token: { env: 'TEST_RT_TOKEN' }, pollInterval: 'off' } },
          groups: { desk: { system: 'rt', queue: 'Service Desk', chat: 'ops' } },
        },
        monitoring: {
          prometheus: { url: monitoring.prometheusUrl },
          alertmanager: { url: monitoring.alertmanagerUrl },
          receivers: { ops: { token: { env: 'TEST_ALERTS_TOKEN' } } },
          holdDown: '5s',
          reconcile: 'off',
          routes: [{ chat: 'ops', ticket: { system: 'rt', queue: 'Incidents' }, confirm: 'up{host="{host}"} == 1' }],
          clients: { test: { chat: 'client', requestors: ['owner@shop.example'] } },
        },
      },
    ),
    { inProcessWorker: false },
  );
  worker = await desk.startWorkerProcess();
}, 180_000);

afterAll(async () => {
  await stopIntake();
  await desk?.stop();
  await monitoring?.remove();
  await shop?.stop();
  await rt?.remove();
});

test('the gateway down when the alert fires and the worker killed as the incident opens: one ticket, one message', async () => {
  // Alertmanager finds nobody at the receiver and tries again until it is back.
  await shop.stop();
  await waitFor(async () => (await monitoring.am<unknown[]>('api/v2/alerts?filter=host%3D%22web1%22')).length > 0, 'the alert in Alertmanager', 60_000);
  await startIntake();
  // Killed as soon as the incident runs, while it opens its ticket and posts.
  await waitFor(() => state().then(() => true), 'the incident to start', 60_000);
  await killWorker();
  worker = await desk.startWorkerProcess();
  const message = await desk.botMessage('ops', (m) => m.text.startsWith('🔴 web1') && m.text.includes('Ticket #'), 'the incident message', 120_000);
  const tickets = await incidentTickets();
  expect(tickets.total).toBe(1);
  expect(message.text).toContain(`Ticket #${tickets.items[0].id}:`);
  expect((await desk.messages('ops')).filter((m) => m.from === 'bot' && /^(🔴|🟡|✅) web1: /u.test(m.text))).toHaveLength(1);
}, 240_000);

test('the worker killed while the incident recovers: the ticket is resolved once, the group and the client told once, the requestor replied to once', async () => {
  const message = await desk.botMessage('ops', (m) => m.text.startsWith('🔴 web1'), 'the incident message');
  const id = /Ticket #(\d+)/.exec(message.text)?.[1] as string;
  await shop.start();
  await waitFor(async () => (await state()).phase === 'recovering', 'the incident recovering', 60_000);
  await killWorker();
  worker = await desk.startWorkerProcess();
  await desk.botMessage('ops', (m) => m.text.startsWith('✅ web1 is up again'), 'the up-again message', 120_000);
  await desk.botMessage('client', (m) => m.text.startsWith('✅ web1 is up again;'), 'the client’s message');
  await waitFor(async () => ((await rt.rest('GET', `ticket/${id}`)) as { Status: string }).Status === 'resolved', 'the ticket resolved');
  expect((await desk.messages('ops')).filter((m) => m.text.startsWith('✅ web1 is up again'))).toHaveLength(1);
  expect((await desk.messages('client')).filter((m) => m.from === 'bot')).toHaveLength(1);
  const history = (await rt.rest('GET', `ticket/${id}/history?fields=Type&per_page=100`)) as { items: { Type: string }[] };
  expect(history.items.filter((h) => h.Type === 'Correspond')).toHaveLength(1);
  expect((await incidentTickets()).total).toBe(1);
}, 240_000);
