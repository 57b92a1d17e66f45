/**
 * The ticket lifecycle against a real Request Tracker 5: new tickets reach the
 * group's chat, are taken with one press (RT read back), come back to the
 * group with the engineer told, and close. REST 2.0 with the bot's auth token
 * for the Service Desk queue, the legacy REST 1.0 with its password for the
 * Network queue, both on the same RT.
 */
import { baseConfig, startDesk, type Desk } from './helpers/desk';
import { startRt, type TestRt } from './helpers/rt';
import { freePort, waitFor } from './helpers/wait';
import { signBody } from '../chat-gateway/tickets/webhook';
import { RtRest1 } from '../activities/tickets/rt-rest1';
import { RtRest2 } from '../activities/tickets/rt-rest2';
import type { ConsoleMessage } from '../chat-gateway/web-console/store';
import { pollerStatusQuery, ticketPollerWorkflowId, ticketStateQuery, ticketWorkflowId } from '../workflows/ticket/definitions';

let rt: TestRt;
let desk: Desk;
const WEBHOOK_SECRET = 'webhook-test-secret';

beforeAll(async () => {
  const port = await freePort();
  // RT's own scrip posts each change of the REST 2.0 system to the gateway's webhook.
  rt = await startRt({ webhook: { url: `http://127.0.0.1:${port}/tickets/rt/webhook`, secret: WEBHOOK_SECRET } });
  process.env.TEST_RT_PASSWORD = rt.password;
  process.env.TEST_RT_TOKEN = rt.token;
  process.env.TEST_RT_WEBHOOK = WEBHOOK_SECRET;
  const system = { type: 'rt', url: rt.url, user: rt.user, pollInterval: '1s', lookback: '10m', webhookSecret: { env: 'TEST_RT_WEBHOOK' } };
  desk = await startDesk(
    baseConfig(
      { web1: { address: '127.0.0.1', transport: 'local', services: { shop: { steps: [{ name: 'noop', run: 'true' }] } } } },
      {
        roles: {
          engineer: { can: ['status', 'tickets'] },
          viewer: { can: ['status'] },
          lead: { can: ['status', 'tickets', 'approve'] },
        },
        users: [
          { id: 'alice', name: 'Alice', roles: ['engineer'], tickets: { rt: 'alice', rt1: 'alice' } },
          { id: 'bob', name: 'Bob', roles: ['lead'], tickets: { rt: 'bob', rt1: 'bob' } },
          { id: 'carol', name: 'Carol', roles: ['viewer'] },
          { id: 'dan', name: 'Dan', roles: ['engineer'], tickets: { rt: 'dan', rt1: 'dan' } },
          { id: 'erin', name: 'Erin', roles: ['engineer'] },
        ],
        chats: { ops: { title: 'Service desk', web: 'ops' }, net: { title: 'Network team', web: 'net' } },
        tickets: {
          systems: {
            rt: { ...system, api: 'rest2', token: { env: 'TEST_RT_TOKEN' } },
            rt1: { ...system, api: 'rest1', password: { env: 'TEST_RT_PASSWORD' }, webhookSecret: undefined, checkUp: '5s' },
          },
          groups: { desk: { system: 'rt', queue: 'Service Desk', chat: 'ops' }, network: { system: 'rt1', queue: 'Network', chat: 'net' } },
          defaultGroup: 'desk',
        },
      },
    ),
    { port },
  );
}, 180_000);

afterAll(async () => {
  await desk?.stop();
  await rt?.remove();
});

async function newTicket(queue: string, subject: string, extra: Record<string, unknown> = {}): Promise<string> {
  const created = (await rt.rest('POST', 'ticket', { Queue: queue, Subject: subject, Content: `${subject}: details for the engineer.`, Requestor: 'client@example.com', ...extra })) as { id: string };
  return String(created.id);
}

const button = (m: ConsoleMessage, label: string) => m.buttons.flat().find((b) => b.label === label)?.action as string;

function announced(chat: string, id: string, extra: (m: ConsoleMessage) => boolean = () => true) {
  return desk.botMessage(chat, (m) => m.text.toLowerCase().includes(`ticket #${id} `) && extra(m), `the group message for ticket ${id}`);
}

test('a new ticket reaches its group chat with number, title, urgency and three buttons', async () => {
  const id = await newTicket('Service Desk', 'Printer on fire', { Priority: 100, Due: '2030-01-02 12:00:00' });
  const message = await announced('ops', id);
  expect(message.text).toContain(`🎫 New ticket #${id} in Service Desk: Printer on fire`);
  expect(message.text).toContain('Urgency: High');
  expect(message.text).toContain('Due: 2030-01-02 12:00 UTC');
  expect(message.text).toContain(`Ticket/Display.html?id=${id}`);
  expect(message.buttons.flat().map((b) => b.label)).toEqual(['Description', 'Take for group', 'Take for me']);
  // Only the Service Desk group hears of it.
  expect((await desk.messages('net')).some((m) => m.text.includes(`#${id} `))).toBe(false);

  await desk.press('alice', 'ops', message.id, button(message, 'Description'));
  const description = await desk.botMessage('ops', (m) => m.text.startsWith(`📄 #${id} Printer on fire`), 'the description');
  expect(description.text).toContain('Printer on fire: details for the engineer.');
});

test('take for me assigns the ticket in RT, marks the response time and edits the group message', async () => {
  const id = await newTicket('Service Desk', 'VPN is down');
  const message = await announced('ops', id);
  await desk.press('alice', 'ops', message.id, button(message, 'Take for me'));
  const edited = await announced('ops', id, (m) => m.id === message.id && m.text.includes('✋ Taken by Alice at'));
  expect(edited.buttons).toEqual([]);
  const ticket = (await rt.rest('GET', `ticket/${id}`)) as { Owner: { id: string }; Status: string; Started: string };
  expect(ticket.Owner.id).toBe('alice');
  expect(ticket.Status).toBe('open');
  expect(ticket.Started).not.toBe('1970-01-01T00:00:00Z');
  expect(Math.abs(Date.parse(ticket.Started) - Date.now())).toBeLessThan(120_000);
});

test('take for group opens the ticket in RT without an owner', async () => {
  const id = await newTicket('Service Desk', 'Mail queue stuck');
  const message = await announced('ops', id);
  await desk.press('bob', 'ops', message.id, button(message, 'Take for group'));
  await announced('ops', id, (m) => m.text.includes('✋ Taken for the group by Bob at') && m.buttons.length === 0);
  const ticket = (await rt.rest('GET', `ticket/${id}`)) as { Owner: { id: string }; Status: string };
  expect(ticket.Owner.id).toBe('Nobody');
  expect(ticket.Status).toBe('open');
});

test('two people pressing at once: exactly one wins, the other is told who did', async () => {
  const id = await newTicket('Service Desk', 'Disk full on db2');
  const message = await announced('ops', id);
  await Promise.all([desk.press('alice', 'ops', message.id, button(message, 'Take for me')), desk.press('dan', 'ops', message.id, button(message, 'Take for me'))]);
  const edited = await announced('ops', id, (m) => m.id === message.id && m.text.includes('✋ Taken by'));
  const winner = edited.text.includes('Taken by Alice') ? 'alice' : 'dan';
  const loser = winner === 'alice' ? 'Dan' : 'Alice';
  const winnerName = winner === 'alice' ? 'Alice' : 'Dan';
  await desk.botMessage('ops', (m) => m.text.startsWith(`${winnerName} already took #${id} for themself at`), `the answer to ${loser}`);
  const ticket = (await rt.rest('GET', `ticket/${id}`)) as { Owner: { id: string } };
  expect(ticket.Owner.id).toBe(winner);
});

test('someone with no RT login, or without the role, gets a clear answer and nothing changes', async () => {
  const id = await newTicket('Service Desk', 'Badge reader broken');
  const message = await announced('ops', id);
  await desk.press('erin', 'ops', message.id, button(message, 'Take for me'));
  await desk.botMessage('ops', (m) => m.text.startsWith('You have no rt login'), 'the no-login answer');
  await desk.press('carol', 'ops', message.id, button(message, 'Take for group'));
  await desk.botMessage('ops', (m) => m.text.includes('may not use this button'), 'the role refusal');
  const ticket = (await rt.rest('GET', `ticket/${id}`)) as { Owner: { id: string }; Status: string };
  expect(ticket.Status).toBe('new');
  expect((await announced('ops', id)).buttons.length).toBeGreaterThan(0);
});

test('a ticket given back to the group: the engineer who had it is told, with the comment', async () => {
  const id = await newTicket('Service Desk', 'Laptop will not boot');
  const message = await announced('ops', id);
  await desk.press('alice', 'ops', message.id, button(message, 'Take for me'));
  await announced('ops', id, (m) => m.id === message.id && m.text.includes('Taken by Alice'));
  // In RT: a comment, then the owner cleared, as an engineer giving it back would do.
  await rt.rest('POST', `ticket/${id}/comment`, { Content: 'Needs the serial number from the client first.', ContentType: 'text/plain' }, 'alice');
  await rt.rest('PUT', `ticket/${id}`, { Owner: 'Nobody' }, 'alice');
  const note = await desk.botMessage('dm-alice', (m) => m.text.includes(`Ticket #${id} "Laptop will not boot" that you had came back`), 'the note to Alice');
  expect(note.text).toContain('Needs the serial number from the client first.');
  const again = await announced('ops', id, (m) => m.id !== message.id && m.text.startsWith(`↩ Ticket #${id} is back in Service Desk`));
  expect(again.text).toContain('Worked on before by: Alice');
  expect(again.buttons.length).toBe(2);
  await announced('ops', id, (m) => m.id === message.id && m.text.includes('Came back to the group'));
});

test('resolved in RT: the message says so and the workflow ends', async () => {
  const id = await newTicket('Service Desk', 'Password reset');
  const message = await announced('ops', id);
  await rt.rest('PUT', `ticket/${id}`, { Status: 'resolved' });
  await announced('ops', id, (m) => m.id === message.id && m.text.includes('✅ Closed in the ticket system (resolved)') && m.buttons.length === 0);
  await desk.env.client.workflow.getHandle(ticketWorkflowId('rt', id)).result();
});

test("RT's scrip posts each change to the signed webhook", async () => {
  const id = await newTicket('Service Desk', 'Told by the scrip');
  await announced('ops', id);
  const sources = async () => {
    const history = await desk.env.client.workflow.getHandle(ticketWorkflowId('rt', id)).fetchHistory();
    return (history.events ?? [])
      .map((e) => e.workflowExecutionSignaledEventAttributes?.input?.payloads?.[0]?.data)
      .filter((data): data is Uint8Array => Boolean(data))
      .map((data) => (JSON.parse(Buffer.from(data).toString('utf8')) as { source: string }).source);
  };
  await waitFor(async () => (await sources()).includes('webhook'), 'a signal from the webhook in the ticket workflow history');
});

test('a webhook and a poll of the same change notify once; bad signatures are refused', async () => {
  const id = await newTicket('Service Desk', 'Webhook and poll');
  const body = JSON.stringify({ ticket: id, timestamp: Date.now() });
  const post = (headers: Record<string, string>, payload = body) =>
    fetch(`${desk.url}/tickets/rt/webhook`, { method: 'POST', headers: { 'content-type': 'application/json', ...headers }, body: payload });
  expect((await post({ 'x-hub-signature': signBody(WEBHOOK_SECRET, body) })).status).toBe(202);
  // The very same request again is a replay.
  expect((await post({ 'x-hub-signature': signBody(WEBHOOK_SECRET, body) })).status).toBe(401);
  await announced('ops', id);
  // Let the poller pass the same change at least twice more.
  const poller = desk.env.client.workflow.getHandle(ticketPollerWorkflowId('rt'));
  const polls = (await poller.query(pollerStatusQuery)).polls;
  await waitFor(async () => (await poller.query(pollerStatusQuery)).polls >= polls + 2, 'two more polls');
  const state = await desk.env.client.workflow.getHandle(ticketWorkflowId('rt', id)).query(ticketStateQuery);
  expect(state.announcement?.round).toBe(1);
  expect((await desk.messages('ops')).filter((m) => m.from === 'bot' && m.text.includes(`ticket #${id} `))).toHaveLength(1);

  const other = await newTicket('Network', 'never by webhook');
  const forged = JSON.stringify({ ticket: other, timestamp: Date.now() });
  expect((await post({}, forged)).status).toBe(401);
  expect((await post({ 'x-hub-signature': signBody('wrong-secret', forged) }, forged)).status).toBe(401);
  expect((await post({ 'x-hub-signature': signBody(WEBHOOK_SECRET, 'not json') }, 'not json')).status).toBe(400);
  const nameless = JSON.stringify({ nothing: 1, timestamp: Date.now() });
  expect((await post({ 'x-hub-signature': signBody(WEBHOOK_SECRET, nameless) }, nameless)).status).toBe(400);
  const noWebhook = await fetch(`${desk.url}/tickets/rt1/webhook`, { method: 'POST', body: forged });
  expect(noWebhook.status).toBe(404);
  await expect(desk.env.client.workflow.getHandle(ticketWorkflowId('rt', other)).describe()).rejects.toThrow();
});

test('the legacy REST 1.0 API: announce, take for me, give back', async () => {
  const id = await newTicket('Network', 'Switch port flapping');
  const message = await announced('net', id);
  expect(message.text).toContain(`🎫 New ticket #${id} in Network: Switch port flapping`);
  await desk.press('dan', 'net', message.id, button(message, 'Take for me'));
  await announced('net', id, (m) => m.id === message.id && m.text.includes('✋ Taken by Dan at'));
  expect(((await rt.rest('GET', `ticket/${id}`)) as { Owner: { id: string } }).Owner.id).toBe('dan');
  await rt.rest('POST', `ticket/${id}/comment`, { Content: 'Wrong team: this is the wifi.', ContentType: 'text/plain' }, 'dan');
  await rt.rest('PUT', `ticket/${id}`, { Owner: 'Nobody' }, 'dan');
  const note = await desk.botMessage('dm-dan', (m) => m.text.includes(`Ticket #${id} "Switch port flapping"`), 'the note to Dan');
  expect(note.text).toContain('Wrong team: this is the wifi.');
});

test('moved to a queue no group follows: the message says so and the workflow ends, by webhook or, polling only, by check-up', async () => {
  // REST 2.0 system: RT's scrip tells the webhook of the move.
  const told = await newTicket('Service Desk', 'Printer on floor 3');
  const toldMessage = await announced('ops', told);
  await rt.rest('PUT', `ticket/${told}`, { Queue: 'General' });
  await announced('ops', told, (m) => m.id === toldMessage.id && m.text.includes('➡ Moved to General, which no group here follows') && m.buttons.length === 0);
  await desk.env.client.workflow.getHandle(ticketWorkflowId('rt', told)).result();
  // REST 1.0 system, polled only: polls of Network never see it again; the 5 s check-up does.
  const polled = await newTicket('Network', 'VPN for the new office');
  const polledMessage = await announced('net', polled);
  await rt.rest('PUT', `ticket/${polled}`, { Queue: 'General' });
  await announced('net', polled, (m) => m.id === polledMessage.id && m.text.includes('➡ Moved to General') && m.buttons.length === 0);
  await desk.env.client.workflow.getHandle(ticketWorkflowId('rt1', polled)).result();
});

test('ticket <title> opens a ticket in RT with the user as requester and answers with its number and link', async () => {
  await desk.say('alice', 'dm-alice', 'ticket Monitor flickering\nThe left monitor on desk 12 flickers since Monday.');
  const answer = await desk.botMessage('dm-alice', (m) => m.text.startsWith('🎫 Ticket #') && m.text.includes('Monitor flickering'), 'the new ticket answer');
  const id = /#(\d+) created/.exec(answer.text)?.[1] as string;
  expect(answer.text).toContain(`Ticket/Display.html?id=${id}`);
  const ticket = await rt.api.get(id);
  expect(ticket.queue).toBe('Service Desk');
  expect(ticket.requester).toBe('alice');
  expect(ticket.description).toContain('The left monitor on desk 12 flickers since Monday.');

  // Title first, text in the next message.
  await desk.say('bob', 'dm-bob', 'ticket Projector in room 4');
  await desk.botMessage('dm-bob', (m) => m.text.includes('Send the text of the ticket "Projector in room 4"'), 'the question for the text');
  await desk.say('bob', 'dm-bob', 'No picture since this morning.');
  await desk.botMessage('dm-bob', (m) => m.text.startsWith('🎫 Ticket #') && m.text.includes('Projector in room 4'), 'the second ticket answer');
});

const credentials = {
  token: () => ({ token: () => rt.token }),
  password: () => ({ password: () => rt.password }),
};

test.each([
  ['REST 2.0', RtRest2, 'token'],
  ['REST 2.0', RtRest2, 'password'],
  ['REST 1.0', RtRest1, 'token'],
  ['REST 1.0', RtRest1, 'password'],
] as const)('%s with the %s: every write works on this RT (create, take for me and for the group, comment, resolve)', async (_api, Api, how) => {
  const api = new Api({ url: rt.url, user: rt.user, ...credentials[how]() });
  const { id } = await api.create({ queue: 'Service Desk', title: `Written with the ${how}`, text: 'Filed by the bot.', requester: 'alice' });
  await api.take(id, 'dan', 'Taken by Dan via dutydesk.');
  expect(((await rt.rest('GET', `ticket/${id}`)) as { Owner: { id: string }; Status: string }).Owner.id).toBe('dan');
  await api.take(id, undefined, 'Taken for the group via dutydesk.');
  const forGroup = (await rt.rest('GET', `ticket/${id}`)) as { Owner: { id: string }; Status: string };
  expect([forGroup.Owner.id, forGroup.Status]).toEqual(['Nobody', 'open']);
  await api.comment(id, 'A note from the bot.');
  await api.close(id, 'Closed via dutydesk.');
  const closed = await rt.api.get(id);
  expect(closed.state).toBe('done');
  const history = (await rt.rest('GET', `ticket/${id}/history?fields=Type&per_page=100`)) as { items: { Type: string }[] };
  expect(history.items.filter((t) => t.Type === 'Comment').length).toBe(4);
});

test.each([
  ['REST 2.0', RtRest2],
  ['REST 1.0', RtRest1],
])('%s: the bot keeps one RT session (no bcrypt check per read) and signs in again when RT forgets it', async (_api, Api) => {
  const api = new Api({ url: rt.url, user: rt.user, token: () => rt.token });
  const id = await newTicket('Service Desk', 'Session check');
  expect((await api.get(id)).title).toBe('Session check');
  rt.forgetSessions();
  expect((await api.get(id)).title).toBe('Session check');
  const wrong = new Api({ url: rt.url, user: rt.user, token: () => `1-${rt.token.split('-')[1]}-00000000000000000000000000000000` });
  await expect(wrong.get(id)).rejects.toMatchObject({ status: 401 });
  const wrongPassword = new Api({ url: rt.url, user: rt.user, password: () => 'not-the-password' });
  await expect(wrongPassword.get(id)).rejects.toMatchObject({ status: 401 });
});

test('RT down, then up: a take waits and succeeds, polling resumes and loses nothing', async () => {
  const id = await newTicket('Service Desk', 'Printer offline');
  const message = await announced('ops', id);
  await rt.stop();
  const press = desk.press('dan', 'ops', message.id, button(message, 'Take for me'));
  const poller = desk.env.client.workflow.getHandle(ticketPollerWorkflowId('rt'));
  // The poll activity is failing and being retried while RT is down.
  await waitFor(async () => (await poller.describe()).raw.pendingActivities?.some((a) => (a.attempt ?? 0) > 1), 'a poll retrying against the stopped RT');
  await rt.start();
  await press;
  await announced('ops', id, (m) => m.id === message.id && m.text.includes('✋ Taken by Dan'));
  const after = await newTicket('Service Desk', 'After the outage');
  await announced('ops', after);
});
