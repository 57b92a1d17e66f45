/**
 * The bot locked out of Request Tracker (its auth token rotated or revoked,
 * RT's sessions gone): intake keeps polling with backoff, the admins are told
 * once why and once when it works again, tickets filed meanwhile are still
 * announced, and followed tickets are not let go as "gone": a give-back after
 * the outage still reaches the engineer who had the ticket.
 */
import { baseConfig, startDesk, type Desk } from './helpers/desk';
import { startRt, type TestRt } from './helpers/rt';
import { waitFor } from './helpers/wait';
import type { ConsoleMessage } from '../chat-gateway/web-console/store';
import { pollerStatusQuery, ticketPollerWorkflowId, ticketStateQuery, ticketWorkflowId } from '../workflows/ticket/definitions';

let rt: TestRt;
let desk: Desk;

beforeAll(async () => {
  rt = await startRt();
  process.env.TEST_RT_TOKEN = rt.token;
  desk = await startDesk(
    baseConfig(
      { web1: { address: '127.0.0.1', transport: 'local', services: { shop: { steps: [{ name: 'noop', run: 'true' }] } } } },
      {
        roles: { engineer: { can: ['status', 'tickets'] } },
        users: [
          { id: 'alice', name: 'Alice', roles: ['engineer'], tickets: { rt: 'alice' } },
          { id: 'bob', name: 'Bob', roles: ['engineer'], tickets: { rt: 'bob' } },
        ],
        chats: { ops: { title: 'Service desk', web: 'ops' }, admins: { title: 'Admins', web: 'admins' } },
        notify: { admins: 'admins' },
        tickets: {
          systems: { rt: { type: 'rt', url: rt.url, user: rt.user, token: { env: 'TEST_RT_TOKEN' }, pollInterval: '1s', lookback: '10m', checkUp: '2s' } },
          groups: { desk: { system: 'rt', queue: 'Service Desk', chat: 'ops' } },
        },
      },
    ),
  );
}, 180_000);

afterAll(async () => {
  await desk?.stop();
  await rt?.remove();
});

const announced = (id: string, extra: (m: ConsoleMessage) => boolean = () => true) =>
  desk.botMessage('ops', (m) => m.text.includes(`ticket #${id} `) && extra(m), `the group message for ticket ${id}`);
const button = (m: ConsoleMessage, label: string) => m.buttons.flat().find((b) => b.label === label)?.action as string;

async function newTicket(subject: string): Promise<string> {
  const created = (await rt.rest('POST', 'ticket', { Queue: 'Service Desk', Subject: subject, Content: subject })) as { id: string };
  return String(created.id);
}

test('a rotated token: intake keeps trying, admins are told once and when it works again, and nothing followed is let go', async () => {
  const followed = await newTicket('Followed through the outage');
  const message = await announced(followed);
  await desk.press('alice', 'ops', message.id, button(message, 'Take for me'));
  await announced(followed, (m) => m.id === message.id && m.text.includes('Taken by Alice'));
  const waiting = await newTicket('Waiting for someone');
  const waitingMessage = await announced(waiting);

  // An admin revokes the bot's token in RT; its REST session ends too (RT's session clean-up, or the bot's own renewal every few minutes).
  rt.rotateToken(false);
  rt.forgetSessions();
  const poller = desk.env.client.workflow.getHandle(ticketPollerWorkflowId('rt'));
  const told = await desk.botMessage('admins', (m) => m.text.startsWith('⚠ Ticket intake from rt is failing'), 'the admins told of the failing intake');
  expect(told.text).toContain('401');
  expect(told.text).toContain('tickets.systems.rt.token');
  expect(told.text).not.toContain(rt.token.split('-')[2]);
  // A person pressing Description is told at once, and nothing hangs.
  await desk.press('bob', 'ops', waitingMessage.id, button(waitingMessage, 'Description'));
  const refusedDescription = await desk.botMessage('ops', (m) => m.text.startsWith(`⚠ Could not show #${waiting}`), 'the Description refusal');
  expect(refusedDescription.text).toContain('401');
  // Still polling, now and then, and still telling only once; the followed ticket's check-up waits instead of letting go.
  await waitFor(async () => ((await poller.query(pollerStatusQuery)).failing?.attempts ?? 0) >= 2, 'a second failing poll');
  expect((await poller.describe()).status.name).toBe('RUNNING');
  const duringOutage = await newTicket('Filed while the bot was locked out');
  await waitFor(async () => (await desk.env.client.workflow.getHandle(ticketWorkflowId('rt', followed)).describe()).raw.pendingActivities?.some((a) => (a.attempt ?? 0) > 1), "the followed ticket's read retrying");
  expect((await desk.messages('admins')).filter((m) => m.text.startsWith('⚠ Ticket intake'))).toHaveLength(1);

  // Fixed: a new token is made and configured.
  process.env.TEST_RT_TOKEN = rt.rotateToken() as string;
  await poller.signal('pollNow');
  await desk.botMessage('admins', (m) => m.text.startsWith('✅ Ticket intake from rt works again after'), 'the admins told it works again');
  await announced(duringOutage);
  expect((await poller.query(pollerStatusQuery)).failing).toBeUndefined();

  // The followed ticket was never given up: a give-back is still told to Alice.
  const state = await desk.env.client.workflow.getHandle(ticketWorkflowId('rt', followed)).query(ticketStateQuery);
  expect(state.ticket?.owner).toBe('alice');
  await rt.rest('POST', `ticket/${followed}/comment`, { Content: 'Back to you all after the outage.', ContentType: 'text/plain' }, 'alice');
  await rt.rest('PUT', `ticket/${followed}`, { Owner: 'Nobody' }, 'alice');
  const note = await desk.botMessage('dm-alice', (m) => m.text.includes(`Ticket #${followed} "Followed through the outage" that you had came back`), 'the give-back told to Alice');
  expect(note.text).toContain('Back to you all after the outage.');
  expect((await desk.messages('ops')).some((m) => m.id === message.id && m.text.includes('No longer visible'))).toBe(false);
});
