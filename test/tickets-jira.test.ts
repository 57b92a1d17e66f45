/**
 * The ticket lifecycle against a server that answers as Jira's REST API does:
 * Cloud v3 for project OPS, the legacy v2 for project LEG. Slack's App Home
 * (through a local Web API server) lists the tickets a person owns.
 */
import { baseConfig, startDesk, type Desk } from './helpers/desk';
import { waitFor } from './helpers/wait';
import { JiraApi } from './peers/jira-api';
import { SlackWebApi } from './peers/slack-web-api';
import { signBody } from '../chat-gateway/tickets/webhook';
import type { ConsoleMessage } from '../chat-gateway/web-console/store';
import { pollerStatusQuery, ticketPollerWorkflowId } from '../workflows/ticket/definitions';

let jira: JiraApi;
let slack: SlackWebApi;
let desk: Desk;
const WEBHOOK_SECRET = 'jira-webhook-secret';

beforeAll(async () => {
  jira = await new JiraApi().start();
  slack = await new SlackWebApi().start();
  process.env.TEST_SLACK_TOKEN = slack.botToken;
  process.env.TEST_SLACK_SECRET = slack.signingSecret;
  process.env.TEST_JIRA_TOKEN = jira.token;
  process.env.TEST_JIRA_WEBHOOK = WEBHOOK_SECRET;
  const system = { type: 'jira', url: jira.url, user: jira.email, token: { env: 'TEST_JIRA_TOKEN' }, pollInterval: '1s', lookback: '10m' };
  desk = await startDesk(
    baseConfig(
      { web1: { address: '127.0.0.1', transport: 'local', services: { shop: { steps: [{ name: 'noop', run: 'true' }] } } } },
      {
        roles: { engineer: { can: ['status', 'tickets'] }, viewer: { can: ['status'] }, lead: { can: ['status', 'tickets', 'approve'] } },
        users: [
          { id: 'alice', name: 'Alice', roles: ['engineer'], slack: 'UALICE', tickets: { jira: 'acc-alice', jira2: 'alice' } },
          { id: 'bob', name: 'Bob', roles: ['lead'], tickets: { jira: 'acc-bob', jira2: 'bob' } },
          { id: 'carol', name: 'Carol', roles: ['viewer'] },
          { id: 'dan', name: 'Dan', roles: ['engineer'], tickets: { jira: 'acc-dan', jira2: 'dan' } },
          // Mapped to an account Jira does not know: Jira answers 400 to the assignment.
          { id: 'erin', name: 'Erin', roles: ['engineer'], tickets: { jira: 'acc-erin-left-the-company' } },
        ],
        chats: { ops: { title: 'Ops', web: 'ops' }, legacy: { title: 'Legacy', web: 'legacy' } },
        slack: { botToken: { env: 'TEST_SLACK_TOKEN' }, signingSecret: { env: 'TEST_SLACK_SECRET' }, apiUrl: slack.apiUrl },
        tickets: {
          systems: {
            jira: { ...system, api: 'v3', webhookSecret: { env: 'TEST_JIRA_WEBHOOK' }, responseField: 'customfield_10050' },
            jira2: { ...system, api: 'v2' },
          },
          groups: { ops: { system: 'jira', queue: 'OPS', chat: 'ops' }, legacy: { system: 'jira2', queue: 'LEG', chat: 'legacy' } },
        },
      },
    ),
  );
}, 180_000);

afterAll(async () => {
  await desk?.stop();
  await jira?.stop();
  await slack?.stop();
});

/** Opens Alice's App Home tab in Slack and returns the text of the view published for it. */
async function aliceHome(): Promise<string> {
  const before = slack.views.length;
  const body = JSON.stringify({ type: 'event_callback', team_id: 'T1', event_id: `Ev${before}`, event_time: 1, event: { type: 'app_home_opened', user: 'UALICE', channel: 'DALICE', tab: 'home', event_ts: '1.1' } });
  const res = await fetch(`${desk.url}/slack/events`, { method: 'POST', headers: { 'content-type': 'application/json', ...slack.sign(body) }, body });
  expect(res.status).toBe(200);
  const view = await waitFor(() => slack.views.slice(before).find((v) => v.user_id === 'UALICE'), 'the published home view');
  return JSON.stringify(view.view.blocks);
}

const button = (m: ConsoleMessage, label: string) => m.buttons.flat().find((b) => b.label === label)?.action as string;
const announced = (chat: string, key: string, extra: (m: ConsoleMessage) => boolean = () => true) =>
  desk.botMessage(chat, (m) => m.text.toLowerCase().includes(`ticket #${key.toLowerCase()} `) && extra(m), `the group message for ${key}`);

test('v3: announced, taken for me (assignee, In Progress, response time, comment), given back with a comment', async () => {
  const issue = jira.create('OPS', 'Checkout returns 500', 'Since 09:10 every checkout fails.', 'High');
  const message = await announced('ops', issue.key);
  expect(message.text).toContain(`🎫 New ticket #${issue.key} in OPS: Checkout returns 500`);
  expect(message.text).toContain('Urgency: High');
  expect(message.text).toContain(`/browse/${issue.key}`);

  await desk.press('alice', 'ops', message.id, button(message, 'Description'));
  await desk.botMessage('ops', (m) => m.text.startsWith(`📄 #${issue.key}`) && m.text.includes('Since 09:10 every checkout fails.'), 'the description');

  await desk.press('alice', 'ops', message.id, button(message, 'Take for me'));
  await announced('ops', issue.key, (m) => m.id === message.id && m.text.includes('✋ Taken by Alice'));
  expect(issue.assignee).toBe('alice');
  expect(issue.status).toBe('In Progress');
  expect(typeof issue.fields.customfield_10050).toBe('string');
  expect(issue.comments.map((c) => c.body)).toContain('Taken by Alice via dutydesk.');
  // Slack's App Home lists it among Alice's open tickets (read through Temporal's visibility, which lags a little).
  await waitFor(async () => (await aliceHome()).includes(`#${issue.key}> Checkout returns 500 (High)`), 'the ticket on Alice\'s App Home', 30_000, 500);

  jira.comment(issue.key, 'alice', 'Not ours: the payment provider is down.');
  jira.assign(issue.key, undefined);
  // Alice is on Slack, so the note reaches her there (the app's direct messages with her).
  const note = await waitFor(() => slack.inChannel('DALICE').find((m) => m.text.includes(`#${issue.key} "Checkout returns 500" that you had came back`)), 'the note to Alice on Slack');
  expect(note.text).toContain('Not ours: the payment provider is down.');
  const again = await announced('ops', issue.key, (m) => m.id !== message.id);
  expect(again.text).toContain('Worked on before by: Alice');
  await waitFor(async () => (await aliceHome()).includes('You own no open tickets.'), 'the App Home without the given-back ticket', 30_000, 500);
});

test('v2 (legacy): announced, taken for the group, closed', async () => {
  const issue = jira.create('LEG', 'Old CRM slow');
  const message = await announced('legacy', issue.key);
  await desk.press('bob', 'legacy', message.id, button(message, 'Take for group'));
  await announced('legacy', issue.key, (m) => m.id === message.id && m.text.includes('✋ Taken for the group by Bob'));
  expect(issue.status).toBe('In Progress');
  expect(issue.assignee).toBeUndefined();
  jira.setStatus(issue.key, 'Done');
  await announced('legacy', issue.key, (m) => m.id === message.id && m.text.includes('✅ Closed in the ticket system (Done)'));
});

test('a Jira webhook and a poll notify once; Jira answering 503 for a while loses nothing', async () => {
  const issue = jira.create('OPS', 'Webhook first');
  const body = JSON.stringify({ timestamp: Date.now(), webhookEvent: 'jira:issue_created', issue: { key: issue.key } });
  const res = await fetch(`${desk.url}/tickets/jira/webhook`, { method: 'POST', headers: { 'content-type': 'application/json', 'x-hub-signature': signBody(WEBHOOK_SECRET, body) }, body });
  expect(res.status).toBe(202);
  await announced('ops', issue.key);
  const poller = desk.env.client.workflow.getHandle(ticketPollerWorkflowId('jira'));
  const polls = (await poller.query(pollerStatusQuery)).polls;
  await waitFor(async () => (await poller.query(pollerStatusQuery)).polls >= polls + 2, 'two more polls');
  expect((await desk.messages('ops')).filter((m) => m.from === 'bot' && m.text.includes(`ticket #${issue.key} `))).toHaveLength(1);

  jira.unavailableCalls = 4;
  const during = jira.create('OPS', 'During the outage');
  await announced('ops', during.key);
  expect(jira.unavailableCalls).toBe(0);
});

test('an unsigned Jira webhook is refused', async () => {
  const body = JSON.stringify({ issue: { key: 'OPS-999' } });
  const res = await fetch(`${desk.url}/tickets/jira/webhook`, { method: 'POST', headers: { 'content-type': 'application/json' }, body });
  expect(res.status).toBe(401);
});

test('a take Jira refuses (4xx) ends with a message saying what Jira answered, and the ticket stays free', async () => {
  const issue = jira.create('OPS', 'VPN drops every hour', 'Since Monday.', 'Medium');
  const message = await announced('ops', issue.key);
  await desk.press('erin', 'ops', message.id, button(message, 'Take for me'));
  const refusal = await desk.botMessage('ops', (m) => m.text.startsWith(`⚠ Could not take #${issue.key}:`), 'the refusal');
  expect(refusal.text).toContain("User 'acc-erin-left-the-company' cannot be assigned issues.");
  expect(jira.issues.get(issue.key)?.assignee).toBeUndefined();
  // The buttons stay, so someone else can take it.
  const still = await announced('ops', issue.key);
  expect(still.buttons.flat().map((b) => b.label)).toContain('Take for me');
  await desk.press('dan', 'ops', message.id, button(message, 'Take for me'));
  await announced('ops', issue.key, (m) => m.text.includes('✋ Taken by Dan at'));
  expect(jira.issues.get(issue.key)?.assignee).toBe('dan');
});
