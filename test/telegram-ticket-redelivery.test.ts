/**
 * A Telegram update delivered twice files one ticket. Telegram hands an update
 * out again when the bot never confirmed it (the gateway died after handling
 * it, before its next getUpdates): the same update_id and message_id. The
 * ticket's workflow id comes from that message, so the second start is
 * refused. Against the local Bot API peer and the local Jira peer.
 */
import { baseConfig, startDesk, type Desk } from './helpers/desk';
import { waitFor } from './helpers/wait';
import { JiraApi } from './peers/jira-api';
import { TelegramBotApi, type TgMessage } from './peers/telegram-bot-api';

const ALICE = { id: 2001, first_name: 'Alice' };
const OPS = -100700;

let api: TelegramBotApi;
let jira: JiraApi;
let desk: Desk;

beforeAll(async () => {
  api = await new TelegramBotApi().start();
  jira = await new JiraApi().start();
  process.env.DD_REDELIVERY_TELEGRAM_TOKEN = api.token;
  process.env.DD_REDELIVERY_JIRA_TOKEN = jira.token;
  desk = await startDesk(
    baseConfig(
      { web1: { address: '127.0.0.1', transport: 'local', services: { shop: { steps: [{ name: 'noop', run: 'true' }] } } } },
      {
        telegram: { token: { env: 'DD_REDELIVERY_TELEGRAM_TOKEN' }, apiRoot: api.apiRoot },
        roles: { engineer: { can: ['status', 'tickets'] } },
        users: [{ id: 'alice', name: 'Alice', roles: ['engineer'], telegram: String(ALICE.id), tickets: { jira: 'acc-alice' } }],
        chats: { ops: { title: 'Ops', web: 'ops', telegram: OPS } },
        tickets: {
          // No polling: nothing but the filing itself touches Jira.
          systems: { jira: { type: 'jira', url: jira.url, user: jira.email, token: { env: 'DD_REDELIVERY_JIRA_TOKEN' }, pollInterval: 'off' } },
          groups: { ops: { system: 'jira', queue: 'OPS', chat: 'ops' } },
          defaultGroup: 'ops',
        },
      },
    ),
  );
}, 120_000);

afterAll(async () => {
  await desk?.stop();
  await api?.stop();
  await jira?.stop();
});

const botTexts = (chatId: number, part: string) => api.botMessages(chatId).filter((m) => m.text?.includes(part));
const issuesTitled = (title: string) => [...jira.issues.values()].filter((i) => i.summary === title);

/** Telegram hands the message's update out again; resolves once the gateway is done with it (asked for updates past it). */
async function redeliver(message: TgMessage): Promise<void> {
  const updateId = api.redeliver(message);
  await waitFor(() => {
    const d = api.delivery(updateId);
    return d !== undefined && d.handedOut === 2 && d.confirmed;
  }, `update ${updateId} handled a second time`);
}

/** Every reply the gateway enqueued for this chat has gone out. */
async function outboxDrained(chatId: number): Promise<void> {
  const outbox = desk.env.client.workflow.getHandle(`outbox-telegram-${chatId}`);
  await waitFor(async () => (await outbox.query<{ queue: unknown[] }>('outbox')).queue.length === 0, 'the chat outbox to drain');
}

test('the title and text in one message, delivered again after the ticket was filed: one ticket, told once', async () => {
  const sent = api.userSends(ALICE, ALICE.id, '/ticket Printer on fire\nThe printer on floor 2 smokes.');
  await waitFor(() => botTexts(ALICE.id, 'created: Printer on fire')[0], 'the answer with the new ticket');
  expect(issuesTitled('Printer on fire')).toHaveLength(1);

  // The first filing has finished: the id stays refused after its workflow closed.
  await redeliver(sent);
  await outboxDrained(ALICE.id);
  expect(issuesTitled('Printer on fire')).toHaveLength(1);
  expect(botTexts(ALICE.id, 'created: Printer on fire')).toHaveLength(1);
  expect(botTexts(ALICE.id, 'Opening the ticket "Printer on fire"')).toHaveLength(1);
});

test('the text asked for and answered, both delivered again: the answer files one ticket, told once', async () => {
  const title = api.userSends(ALICE, ALICE.id, '/ticket VPN drops');
  await waitFor(() => botTexts(ALICE.id, 'the ticket "VPN drops"')[0], 'the question for the text');
  const answer = api.userSends(ALICE, ALICE.id, 'Every hour, since Monday.');
  await waitFor(() => botTexts(ALICE.id, 'created: VPN drops')[0], 'the answer with the new ticket');

  // In Telegram's order: the title (asks again, under the same update key), then the answer.
  await redeliver(title);
  await redeliver(answer);
  await outboxDrained(ALICE.id);
  const issues = issuesTitled('VPN drops');
  expect(issues).toHaveLength(1);
  expect(issues[0].description).toContain('Every hour, since Monday.');
  expect(botTexts(ALICE.id, 'created: VPN drops')).toHaveLength(1);
  expect(botTexts(ALICE.id, 'Send the text of the ticket "VPN drops"')).toHaveLength(1);
  expect(botTexts(ALICE.id, 'Opening the ticket "VPN drops"')).toHaveLength(1);
});

test('in a group, a /command after "send me the text" runs as the command, and no ticket is filed with it as text', async () => {
  api.userSends(ALICE, OPS, '/ticket Coffee machine leaks');
  await waitFor(() => botTexts(OPS, 'Send the text of the ticket "Coffee machine leaks"')[0], 'the question for the text');
  api.userSends(ALICE, OPS, '/help');
  await waitFor(() => botTexts(OPS, 'No ticket "Coffee machine leaks": your next message was a command')[0], 'the note that no ticket was filed');
  await waitFor(() => botTexts(OPS, 'dutydesk: what you can do, Alice')[0], 'the help the command asked for');
  await outboxDrained(OPS);
  expect(issuesTitled('Coffee machine leaks')).toEqual([]);
  // A reply to the bot's question (what a bot sees in a group besides commands) is still the answer.
  api.userSends(ALICE, OPS, '/ticket Coffee machine leaks');
  const asked = await waitFor(() => botTexts(OPS, 'Send the text of the ticket "Coffee machine leaks"')[1], 'the question again');
  api.userSends(ALICE, OPS, 'help, the floor is wet', asked);
  await waitFor(() => issuesTitled('Coffee machine leaks').length === 1, 'the ticket filed with the text');
  expect(issuesTitled('Coffee machine leaks')[0].description).toContain('help, the floor is wet');
});
