/**
 * Failures reported, not swallowed: a failed restart is posted to the ops
 * chat with the error and the person affected, and ticketed in a real RT
 * naming them; repeats of the same failure are counted (occurrences, distinct
 * people) and told at the 10th; a repeat soon after the ticket was resolved
 * reopens it, a later one opens a new ticket; secrets never reach chat or RT.
 */
import { baseConfig, startDesk, type Desk } from './helpers/desk';
import { startRt, type TestRt } from './helpers/rt';
import { freePort, waitFor } from './helpers/wait';
import { TASK_QUEUES } from '../workers/task-queues';
import { failureOf, reportFailure } from '../activities/failures/report';
import { failureStateQuery, FAILURE_PREFIX } from '../workflows/failure/definitions';

let rt: TestRt;
let desk: Desk;

const failureTickets = async () => (await rt.rest('GET', `tickets?query=${encodeURIComponent("Queue = 'Failures'")}&fields=Subject,Status,Requestor`)) as { total: number; items: { id: string; Subject: string; Status: string }[] };

beforeAll(async () => {
  rt = await startRt();
  process.env.TEST_RT_TOKEN = rt.token;
  process.env.TEST_ALERTS_TOKEN = 'failures-alerts-token';
  // "Alertmanager" is the desk's own gateway, which has no /api/v2/alerts: a URL set to the wrong service.
  const port = await freePort();
  desk = await startDesk(
    baseConfig(
      { web1: { address: '127.0.0.1', transport: 'local', groups: ['test'], services: { shop: { steps: [{ name: 'migrate', title: 'Migrate the schema', run: 'echo "connecting with password=hunter2"; exit 3' }] } } } },
      {
        notify: { approvals: 'ops', admins: 'ops' },
        tickets: {
          systems: { rt: { type: 'rt', url: rt.url, user: rt.user, token: { env: 'TEST_RT_TOKEN' }, pollInterval: 'off' } },
          groups: { desk: { system: 'rt', queue: 'Service Desk', chat: 'ops' } },
        },
        failures: { chat: 'ops', ticket: { system: 'rt', queue: 'Failures' }, reopenWithin: '4s', repeatEvery: '1h' },
        monitoring: { alertmanager: { url: `http://127.0.0.1:${port}` }, receivers: { ops: { token: { env: 'TEST_ALERTS_TOKEN' } } }, reconcile: 'off', routes: [{ chat: 'ops' }] },
      },
    ),
    { port },
  );
}, 180_000);

afterAll(async () => {
  await desk?.stop();
  await rt?.remove();
});

test('a failed restart is posted to the ops chat with the error and who was affected, and ticketed naming them', async () => {
  await desk.say('alice', 'ops', 'restart web1');
  const notice = await desk.botMessage('ops', (m) => m.text.startsWith('⚠ restart web1 shop (migrate) failed:'), 'the failure notice', 60_000);
  expect(notice.text).toContain('Affected: Alice');
  expect(notice.text).toMatch(/Ticket #\d+: http/);
  expect(notice.text).toContain('/workflows/restart-web1/');
  expect(notice.text).not.toContain('hunter2');
  const tickets = await failureTickets();
  expect(tickets.total).toBe(1);
  expect(tickets.items[0].Subject).toMatch(/^\[failure\] restart migrate: /);
  const detail = await rt.api.get(tickets.items[0].id);
  expect(detail.description).toContain('Affected: Alice (alice)');
  expect(detail.description).toContain('What failed: restart web1 shop (migrate)');
  expect(detail.description).not.toContain('hunter2');
}, 90_000);

test('repeats of one failure are counted with the people affected and told at the 10th; one ticket', async () => {
  const report = (person: string, n: number) =>
    reportFailure(desk.env.client, desk.config, { source: 'dump', workflowType: 'dumpWorkflow', step: 'fetch', error: Object.assign(new Error(`connection to 10.0.0.${n}:22 reset after ${n * 7} ms`), { name: 'SshDropped' }), subject: 'db1 app', person: { id: person, name: person } }, () => undefined);
  const people = ['alice', 'bob', 'carol'];
  for (let n = 1; n <= 12; n++) await report(people[n % 3], n);
  const { fingerprint } = failureOf({ source: 'dump', workflowType: 'dumpWorkflow', step: 'fetch', error: Object.assign(new Error('connection to 10.0.0.99:22 reset after 5 ms'), { name: 'SshDropped' }) });
  const handle = desk.env.client.workflow.getHandle(`${FAILURE_PREFIX}${fingerprint}`);
  await waitFor(async () => (await handle.query(failureStateQuery)).count === 12, 'twelve occurrences counted');
  const state = await handle.query(failureStateQuery);
  expect(state.people.sort()).toEqual(['alice', 'bob', 'carol']);
  // Told when the count reaches 10 (occurrences that arrive together are counted together: 10 to 12).
  const repeat = await desk.botMessage('ops', (m) => /^⚠ dump db1 app \(fetch\) failed again: 1[0-2] times since/.test(m.text), 'the notice at the 10th');
  expect(repeat.text).toContain('3 people affected');
  const notices = (await desk.messages('ops')).filter((m) => m.text.startsWith('⚠ dump db1 app (fetch) failed'));
  expect(notices).toHaveLength(2);
  expect((await failureTickets()).items.filter((t) => t.Subject.startsWith('[failure] dump fetch: SshDropped'))).toHaveLength(1);
}, 60_000);

test('a repeat soon after the ticket was resolved reopens it; one after the reopen window opens a new ticket', async () => {
  const error = () => Object.assign(new Error('ticket intake from rt: 502 Bad Gateway'), { name: 'TicketSystemUnavailable' });
  const report = () => reportFailure(desk.env.client, desk.config, { source: 'ticket intake', workflowType: 'ticketPollerWorkflow', error: error(), subject: 'rt' }, () => undefined);
  const mine = async () => (await failureTickets()).items.filter((t) => t.Subject.startsWith('[failure] ticket intake: TicketSystemUnavailable'));
  await report();
  const [first] = await waitFor(async () => ((await mine()).length === 1 ? mine() : undefined), 'the ticket');
  await rt.rest('PUT', `ticket/${first.id}`, { Status: 'resolved' });
  await report();
  await waitFor(async () => ((await rt.rest('GET', `ticket/${first.id}`)) as { Status: string }).Status === 'open', 'the ticket reopened');
  expect(await mine()).toHaveLength(1);
  await rt.rest('PUT', `ticket/${first.id}`, { Status: 'resolved' });
  // Past the reopen window (4 s here): the next one gets a ticket of its own.
  const resolvedAt = Date.now();
  await waitFor(() => Date.now() - resolvedAt > 5000, 'the reopen window to pass', 10_000, 250);
  await report();
  await waitFor(async () => (await mine()).length === 2, 'a new ticket');
  expect(((await rt.rest('GET', `ticket/${first.id}`)) as { Status: string }).Status).toBe('resolved');
}, 90_000);

test('a reconciler round that fails (a schedule nobody waits on) is told to ops and ticketed, and the run fails visibly', async () => {
  const round = desk.env.client.workflow.execute('incidentReconcilerWorkflow', { taskQueue: TASK_QUEUES.desk, workflowId: `reconcile-failing-${Date.now()}`, args: [] });
  await expect(round).rejects.toThrow();
  const notice = await desk.botMessage('ops', (m) => m.text.startsWith('⚠ incident reconciler failed:'), 'the failure notice');
  expect(notice.text).toContain('MonitoringRefused');
  expect(notice.text).toContain('404');
  await waitFor(async () => (await failureTickets()).items.some((t) => t.Subject.startsWith('[failure] incident reconciler: MonitoringRefused')), 'its ticket');
}, 60_000);
