/**
 * Incidents ticketed in Jira (against a local server that answers as Jira's
 * REST API v3 does): the issue is created with the alert's facts, taken on
 * Acknowledge, moved to Done when the alert resolves and back to work when it
 * returns within the reopen window. At start the worker refuses a project
 * whose workflow has no Done status, naming it.
 */
import { baseConfig, startDesk, type Desk } from './helpers/desk';
import { waitFor } from './helpers/wait';
import { JiraApi } from './peers/jira-api';
import { createTicketSystems } from '../activities/tickets/systems';
import { checkClosableQueues } from '../workers/ticket-close-check';
import { hostIncidentId, incidentStateQuery } from '../workflows/incident/definitions';
import type { ConsoleMessage } from '../chat-gateway/web-console/store';

const TOKEN = 'jira-alerts-token';
let jira: JiraApi;
let desk: Desk;
const T0 = Date.now() - 60_000;

const iso = (ms: number) => new Date(ms).toISOString();
const alert = (status: 'firing' | 'resolved', startsAt: number) => ({
  status,
  labels: { alertname: 'ShopDown', host: 'web1', severity: 'critical' },
  annotations: { summary: 'The shop does not answer', runbook_url: 'https://runbooks.example/shop' },
  startsAt: iso(startsAt),
  endsAt: status === 'resolved' ? iso(startsAt + 30_000) : '0001-01-01T00:00:00Z',
  generatorURL: 'http://prometheus.example/graph',
  fingerprint: 'aa00bb11cc22dd33',
});
async function post(status: 'firing' | 'resolved', startsAt: number) {
  const res = await fetch(`${desk.url}/alerts/ops`, { method: 'POST', headers: { authorization: `Bearer ${TOKEN}`, 'content-type': 'application/json' }, body: JSON.stringify({ version: '4', status, receiver: 'ops', alerts: [alert(status, startsAt)] }) });
  expect(res.status).toBe(200);
}
const button = (m: ConsoleMessage, label: string) => m.buttons.flat().find((b) => b.label === label)?.action as string;
const phase = async () => (await desk.env.client.workflow.getHandle(hostIncidentId('web1')).query(incidentStateQuery)).phase;

beforeAll(async () => {
  jira = await new JiraApi().start();
  process.env.TEST_JIRA_TOKEN = jira.token;
  process.env.TEST_ALERTS_TOKEN = TOKEN;
  desk = await startDesk(
    baseConfig(
      {
        web1: { address: '127.0.0.1', transport: 'local', groups: ['test'], services: { shop: { steps: [{ name: 'noop', run: 'true' }] } } },
        web2: { address: '127.0.0.1', transport: 'local', groups: ['test'], services: { shop: { steps: [{ name: 'noop', run: 'true' }] } } },
      },
      {
        roles: { engineer: { can: ['status', 'tickets'] }, viewer: { can: ['status'] }, lead: { can: ['status', 'tickets'] } },
        users: [
          { id: 'alice', name: 'Alice', roles: ['engineer'], tickets: { jira: 'acc-alice' } },
          { id: 'bob', name: 'Bob', roles: ['lead'], tickets: { jira: 'acc-bob' } },
        ],
        tickets: {
          systems: { jira: { type: 'jira', url: jira.url, user: jira.email, token: { env: 'TEST_JIRA_TOKEN' }, pollInterval: 'off' } },
          groups: { ops: { system: 'jira', queue: 'OPS', chat: 'ops' } },
        },
        monitoring: {
          receivers: { ops: { token: { env: 'TEST_ALERTS_TOKEN' } } },
          holdDown: '1s',
          reconcile: 'off',
          routes: [{ chat: 'ops', ticket: { system: 'jira', queue: 'INC' } }],
        },
      },
    ),
  );
}, 180_000);

afterAll(async () => {
  await desk?.stop();
  await jira?.stop();
});

test('at start, a Jira project whose workflow has no Done status is refused by name; one with Done passes', async () => {
  expect(await checkClosableQueues(desk.config, createTicketSystems(desk.config))).toEqual([]);
  jira.withoutDone.add('INC');
  try {
    const problems = await checkClosableQueues(desk.config, createTicketSystems(desk.config));
    expect(problems).toHaveLength(1);
    expect(problems[0]).toContain('tickets.systems.jira: Jira project INC has no status in the Done category');
  } finally {
    jira.withoutDone.delete('INC');
  }
});

test('an incident opens a Jira issue with the alert’s facts, Acknowledge assigns it, the resolve moves it to Done', async () => {
  await post('firing', T0);
  const message = await desk.botMessage('ops', (m) => m.text.startsWith('🔴 web1') && m.text.includes('Ticket #INC-'), 'the incident message');
  const key = /Ticket #(INC-\d+)/.exec(message.text)?.[1] as string;
  const issue = jira.issues.get(key)!;
  expect(issue.summary).toMatch(/^\[incident\] web1: ShopDown \(critical\) since /);
  expect(issue.description).toContain('Runbook: https://runbooks.example/shop');
  expect(issue.description).toContain('Labels: alertname="ShopDown", host="web1", severity="critical"');
  await desk.press('alice', 'ops', message.id, button(message, 'Acknowledge'));
  await waitFor(() => jira.issues.get(key)?.assignee === 'alice', 'the issue assigned to Alice');
  expect(jira.issues.get(key)?.status).toBe('In Progress');
  await post('resolved', T0);
  await desk.botMessage('ops', (m) => m.text.startsWith('✅ web1 is up again'), 'the up-again message');
  expect(jira.issues.get(key)?.status).toBe('Done');
  expect(jira.issues.get(key)?.comments.some((c) => c.body.startsWith('Resolved by dutydesk'))).toBe(true);
});

test('back within the reopen window, the same issue goes back to work', async () => {
  const key = [...jira.issues.values()].find((i) => i.project === 'INC')!.key;
  await post('firing', T0 + 120_000);
  await waitFor(() => jira.issues.get(key)?.status === 'In Progress', 'the issue back in progress');
  await waitFor(async () => (await phase()) === 'firing', 'the incident firing');
  expect([...jira.issues.values()].filter((i) => i.project === 'INC')).toHaveLength(1);
  expect(jira.issues.get(key)?.comments.some((c) => c.body.startsWith('Reopened by dutydesk'))).toBe(true);
});

test('with Jira away, the incident is in the chat at once and its ticket follows; a close Jira refuses is said, and the incident goes on', async () => {
  const at = T0 + 7_200_000;
  const fingerprint = 'aa00bb11cc22dd44';
  const body = (status: 'firing' | 'resolved') => JSON.stringify({ version: '4', status, receiver: 'ops', alerts: [{ ...alert(status, at), labels: { alertname: 'DiskFull', host: 'web2' }, fingerprint }] });
  const send = (status: 'firing' | 'resolved') => fetch(`${desk.url}/alerts/ops`, { method: 'POST', headers: { authorization: `Bearer ${TOKEN}`, 'content-type': 'application/json' }, body: body(status) });
  jira.unavailableCalls = 1_000_000;
  try {
    expect((await send('firing')).status).toBe(200);
    const first = await desk.botMessage('ops', (m) => m.text.startsWith('🔴 web2'), 'the incident message without its ticket', 15_000);
    expect(first.text).not.toContain('Ticket #');
  } finally {
    jira.unavailableCalls = 0;
  }
  const withTicket = await desk.botMessage('ops', (m) => m.text.startsWith('🔴 web2') && m.text.includes('Ticket #INC-'), 'the message with its ticket', 60_000);
  const key = /Ticket #(INC-\d+)/.exec(withTicket.text)?.[1] as string;
  // The project loses its Done status: the close is refused, said in the chat, and the incident still clears.
  jira.withoutDone.add('INC');
  try {
    expect((await send('resolved')).status).toBe(200);
    await desk.botMessage('ops', (m) => m.text.startsWith(`⚠ ticket #${key} could not be closed`), 'the refusal told');
    await desk.botMessage('ops', (m) => m.text.startsWith('✅ web2 is up again'), 'the up-again note');
    const state = await desk.env.client.workflow.getHandle(hostIncidentId('web2')).query(incidentStateQuery);
    expect(state.phase).toBe('cleared');
  } finally {
    jira.withoutDone.delete('INC');
  }
}, 120_000);
