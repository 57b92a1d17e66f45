/**
 * Ticket webhooks cannot be replayed: the signed body carries its time, a
 * stale or timeless one is refused, and one already accepted is refused the
 * second time. The webhook router runs on its own express app on a loopback
 * port, handing over to a desk whose worker follows a local Jira peer, so an
 * accepted webhook really reaches the ticket's workflow.
 */
import type { Server } from 'node:http';
import express from 'express';
import { baseConfig, startDesk, type Desk } from './helpers/desk';
import { freePort } from './helpers/wait';
import { JiraApi } from './peers/jira-api';
import { ReplayGuard } from '../chat-gateway/tickets/replay-guard';
import { TicketClient } from '../chat-gateway/tickets/ticket-client';
import { signBody, ticketWebhookRouter } from '../chat-gateway/tickets/webhook';
import { ticketWorkflowId } from '../workflows/ticket/definitions';

const SECRET = 'replay-test-secret';
let jira: JiraApi;
let desk: Desk;
let server: Server;
let url: string;
const guard = new ReplayGuard();

beforeAll(async () => {
  jira = await new JiraApi().start();
  process.env.DD_REPLAY_JIRA_TOKEN = jira.token;
  process.env.DD_REPLAY_JIRA_WEBHOOK = SECRET;
  desk = await startDesk(
    baseConfig(
      { web1: { address: '127.0.0.1', transport: 'local', services: { shop: { steps: [{ name: 'noop', run: 'true' }] } } } },
      {
        tickets: {
          // Webhooks only: whatever reaches a ticket's workflow came through the router.
          systems: { jira: { type: 'jira', url: jira.url, user: jira.email, token: { env: 'DD_REPLAY_JIRA_TOKEN' }, pollInterval: 'off', webhookSecret: { env: 'DD_REPLAY_JIRA_WEBHOOK' } } },
          groups: { ops: { system: 'jira', queue: 'OPS', chat: 'ops' } },
        },
      },
    ),
  );
  const app = express();
  app.use(ticketWebhookRouter(desk.config, new TicketClient(desk.env.client), () => undefined, guard));
  const port = await freePort();
  server = await new Promise((resolve) => {
    const s = app.listen(port, '127.0.0.1', () => resolve(s));
  });
  url = `http://127.0.0.1:${port}/tickets/jira/webhook`;
}, 120_000);

afterAll(async () => {
  server?.closeAllConnections();
  await new Promise((r) => server?.close(r));
  await desk?.stop();
  await jira?.stop();
});

/** Jira's webhook body for an issue, with the fields given (timestamp among them, or not). */
const jiraBody = (key: string, extra: Record<string, unknown>) => JSON.stringify({ ...extra, webhookEvent: 'jira:issue_updated', issue: { key, fields: { project: { key: 'OPS' } } } });

async function post(body: string, signature = signBody(SECRET, body)) {
  const res = await fetch(url, { method: 'POST', headers: { 'content-type': 'application/json', 'x-hub-signature': signature }, body });
  return { status: res.status, body: (await res.json()) as { error?: string; accepted?: unknown } };
}

/** The signals a ticket's workflow got from webhooks (none when no workflow follows it). */
async function webhookSignals(key: string): Promise<number> {
  const history = await desk.env.client.workflow
    .getHandle(ticketWorkflowId('jira', key))
    .fetchHistory()
    .catch(() => undefined);
  return (history?.events ?? []).filter((e) => e.workflowExecutionSignaledEventAttributes).length;
}

test('a fresh signed body is taken and reaches the ticket; the very same request again is refused', async () => {
  const issue = jira.create('OPS', 'Disk full on db1');
  const body = jiraBody(issue.key, { timestamp: Date.now() });
  expect((await post(body)).status).toBe(202);
  await desk.botMessage('ops', (m) => m.text.includes(`ticket #${issue.key} `), 'the announcement of the ticket');

  const again = await post(body);
  expect(again.status).toBe(401);
  expect(again.body.error).toContain('a repeat');
  expect(await webhookSignals(issue.key)).toBe(1);
});

test('a signed body 10 minutes old, one from the future and one without a timestamp are refused, and start nothing', async () => {
  const issue = jira.create('OPS', 'Never by replay');
  const old = await post(jiraBody(issue.key, { timestamp: Date.now() - 10 * 60_000 }));
  expect(old.status).toBe(401);
  expect(old.body.error).toMatch(/"timestamp" is 60\d s old/);
  const future = await post(jiraBody(issue.key, { timestamp: Date.now() + 10 * 60_000 }));
  expect(future.status).toBe(401);
  expect(future.body.error).toContain('in the future');
  const timeless = await post(jiraBody(issue.key, {}));
  expect(timeless.status).toBe(401);
  expect(timeless.body.error).toContain('no numeric "timestamp"');
  expect(timeless.body.error).toContain('scripts/rt/webhook-scrip.pl');
  // Hostile forms of a timestamp are no timestamp.
  for (const timestamp of [String(Date.now()), null, -1, 1e300, [Date.now()], { ms: Date.now() }]) {
    expect((await post(jiraBody(issue.key, { timestamp }))).status).toBe(401);
  }
  expect(await webhookSignals(issue.key)).toBe(0);
});

test('a timestamp in seconds is taken as such', async () => {
  const issue = jira.create('OPS', 'Seconds, not ms');
  expect((await post(jiraBody(issue.key, { timestamp: Math.floor(Date.now() / 1000) }))).status).toBe(202);
  await desk.botMessage('ops', (m) => m.text.includes(`ticket #${issue.key} `), 'the announcement of the ticket');
});

test('a bad signature is still 401 and leaves nothing in the memory, so the genuine request is then taken', async () => {
  const issue = jira.create('OPS', 'Forged first');
  const body = jiraBody(issue.key, { timestamp: Date.now() });
  const remembered = guard.size;
  const forged = signBody('wrong-secret', body);
  for (let i = 0; i < 3; i++) {
    const res = await post(body, forged);
    expect(res.status).toBe(401);
    expect(res.body.error).toContain('X-Hub-Signature');
  }
  expect((await post(body, '')).status).toBe(401);
  expect(guard.size).toBe(remembered);
  expect((await post(body)).status).toBe(202);
  expect(guard.size).toBe(remembered + 1);
});

test('the memory forgets what the timestamp check refuses anyway, and holds at most its bound', () => {
  let now = 1_700_000_000_000;
  const small = new ReplayGuard(5 * 60_000, 3, () => now);
  expect(small.firstTime('a', now)).toBe(true);
  expect(small.firstTime('a', now)).toBe(false);
  now += 5 * 60_000 + 1;
  expect(small.firstTime('b', now)).toBe(true);
  expect(small.size).toBe(1);
  for (const key of ['c', 'd', 'e']) small.firstTime(key, now);
  expect(small.size).toBe(3);
  // The oldest ("b") made room; its repeat would be taken again (it only makes a workflow read its ticket).
  expect(small.firstTime('e', now)).toBe(false);
  expect(small.firstTime('b', now)).toBe(true);
});
