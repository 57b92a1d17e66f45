/**
 * The worker process is killed while tickets are followed; what happened in
 * Jira while it was down reaches the chat once a new worker runs: new tickets
 * announced once each, a closed one marked closed, nothing announced twice.
 */
import { baseConfig, startDesk, type Desk } from './helpers/desk';
import { waitFor } from './helpers/wait';
import { JiraApi } from './peers/jira-api';

let jira: JiraApi;
let desk: Desk;

beforeAll(async () => {
  jira = await new JiraApi().start();
  process.env.TEST_JIRA_TOKEN = jira.token;
  desk = await startDesk(
    baseConfig(
      { web1: { address: '127.0.0.1', transport: 'local', services: { shop: { steps: [{ name: 'noop', run: 'true' }] } } } },
      {
        roles: { engineer: { can: ['status', 'tickets'] }, viewer: { can: ['status'] }, lead: { can: ['status', 'tickets', 'approve'] } },
        chats: { ops: { title: 'Ops', web: 'ops' } },
        tickets: {
          systems: { jira: { type: 'jira', api: 'v3', url: jira.url, user: jira.email, token: { env: 'TEST_JIRA_TOKEN' }, pollInterval: '1s', lookback: '10m' } },
          groups: { ops: { system: 'jira', queue: 'OPS', chat: 'ops' } },
        },
      },
    ),
    { inProcessWorker: false },
  );
}, 120_000);

afterAll(async () => {
  await desk?.stop();
  await jira?.stop();
});

test('a worker killed while tickets are followed: what happened meanwhile is told once a new worker runs, once each', async () => {
  const first = await desk.startWorkerProcess();
  const before = jira.create('OPS', 'Disk full on db2');
  const message = await desk.botMessage('ops', (m) => m.text.includes(`#${before.key} `), 'the first announcement');

  first.kill('SIGKILL');
  await new Promise((resolve) => first.once('exit', resolve));
  // While no worker runs: two new tickets, and the first one is resolved.
  const during = [jira.create('OPS', 'VPN drops every hour'), jira.create('OPS', 'Printer jam on 3rd floor')];
  jira.setStatus(before.key, 'Done');

  await desk.startWorkerProcess();
  for (const issue of during) await desk.botMessage('ops', (m) => m.text.includes(`#${issue.key} `), `the announcement of ${issue.key}`);
  await desk.botMessage('ops', (m) => m.id === message.id && m.text.includes('✅ Closed in the ticket system'), 'the first ticket marked closed');
  // Settle: the chat's outbox has nothing left, then each ticket has exactly one group message.
  const outbox = desk.env.client.workflow.getHandle('outbox-web-ops');
  await waitFor(async () => (await outbox.query<{ queue: unknown[] }>('outbox')).queue.length === 0, 'the chat outbox to drain');
  const messages = await desk.messages('ops');
  for (const issue of [before, ...during]) expect(messages.filter((m) => m.from === 'bot' && m.text.includes(`#${issue.key} `))).toHaveLength(1);
}, 180_000);
