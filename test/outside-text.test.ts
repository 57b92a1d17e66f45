/**
 * Outside text (a ticket title from an email, a person's name, an echoed
 * command) reaches every platform inert: Slack gets it escaped as mrkdwn
 * (no mention, no @channel, no link with a label of the attacker's), Telegram
 * as plain text with no parse_mode, the console as plain text. Read at the
 * local Slack and Telegram peers, as they received it.
 */
import { enqueueChatMessage } from '../activities/chat/outbox-client';
import { renderTicketAnnouncement } from '../lib/messages/tickets';
import { baseConfig, startDesk, type Desk } from './helpers/desk';
import { mrkdwnOf, slackRender } from './helpers/slack-render';
import { postToSlackApp, slashCommandBody } from './helpers/slack-requests';
import { waitFor } from './helpers/wait';
import { SlackWebApi, type SlackMessage } from './peers/slack-web-api';
import { TelegramBotApi } from './peers/telegram-bot-api';

const OPS = 'C0OPS';
const ATTACK = '<!channel> <https://evil.example|Approve> &';
let slack: SlackWebApi;
let telegram: TelegramBotApi;
let desk: Desk;

beforeAll(async () => {
  slack = await new SlackWebApi().start();
  telegram = await new TelegramBotApi().start();
  Object.assign(process.env, { DD_TEST_TELEGRAM_TOKEN: telegram.token, DD_TEST_SLACK_TOKEN: slack.botToken, DD_TEST_SLACK_SECRET: slack.signingSecret });
  const config = baseConfig(
    { local1: { address: '127.0.0.1', transport: 'local', services: { app: { steps: [{ name: 'x', run: 'true' }] } } } },
    {
      telegram: { token: { env: 'DD_TEST_TELEGRAM_TOKEN' }, apiRoot: telegram.apiRoot },
      slack: { botToken: { env: 'DD_TEST_SLACK_TOKEN' }, signingSecret: { env: 'DD_TEST_SLACK_SECRET' }, apiUrl: slack.apiUrl },
      chats: { ops: { title: 'Ops', web: 'ops', slack: OPS } },
      notify: { approvals: 'ops', admins: 'ops' },
    },
  );
  config.users = config.users.map((u) => ({ ...u, slack: { alice: 'UALICE', bob: 'UBOB' }[u.id] })) as typeof config.users;
  desk = await startDesk(config);
}, 120_000);

afterAll(async () => {
  await desk?.stop();
  await telegram?.stop();
  await slack?.stop();
});

/** As Slack shows the message: no mention or broadcast anywhere, every link shows its own address. */
function expectInertOnSlack(m: SlackMessage) {
  for (const section of m.blocks.filter((b) => b.type === 'section')) expect(section.text).toMatchObject({ type: 'mrkdwn', verbatim: true });
  const seen = mrkdwnOf(m).map(slackRender);
  for (const s of seen) {
    expect(s.mentions).toEqual([]);
    for (const link of s.links) {
      expect(link.url).toMatch(/^https?:\/\//);
      expect(link.label).toBe(link.url);
    }
  }
  return seen.map((s) => s.text);
}

const announcement = (chat: { platform: 'slack' | 'telegram' | 'web'; chatId: string }) =>
  renderTicketAnnouncement({ round: 1, chat, language: 'en', title: ATTACK, urgency: '<!here> *URGENT*', url: 'https://rt.example/Ticket/Display.html?id=42', previous: '<@U0BOSS>' }, 'rt', { id: '42', queue: 'General' });

test('a ticket whose title carries mentions and a labelled link reaches Slack escaped, Telegram and the console as plain text', async () => {
  await enqueueChatMessage(desk.env.client, { platform: 'slack', chatId: OPS }, { key: 'ticket-42', mode: 'new', message: announcement({ platform: 'slack', chatId: OPS }) });
  await enqueueChatMessage(desk.env.client, { platform: 'telegram', chatId: '5001' }, { key: 'ticket-42', mode: 'new', message: announcement({ platform: 'telegram', chatId: '5001' }) });
  await enqueueChatMessage(desk.env.client, { platform: 'web', chatId: 'ops' }, { key: 'ticket-42', mode: 'new', message: announcement({ platform: 'web', chatId: 'ops' }) });

  const posted = await waitFor(() => slack.inChannel(OPS).find((m) => m.text.includes('New ticket #42')), 'the ticket on Slack');
  const raw = slack.calls.find((c) => c.method === 'chat.postMessage' && String(c.body.text).includes('New ticket #42'))!;
  expect(String(raw.body.text)).toContain('&lt;!channel&gt; &lt;<https://evil.example/>|Approve&gt; &amp;');
  const [text, ...sections] = expectInertOnSlack(posted);
  for (const shown of [text, sections.join('\n')]) {
    expect(shown).toContain('🎫 New ticket #42 in General: <!channel> <https://evil.example/|Approve> &');
    expect(shown).toContain('Urgency: <!here> *URGENT*');
    expect(shown).toContain('Worked on before by: <@U0BOSS>');
  }
  // Our own link stays a link.
  expect(slackRender(posted.text).links).toContainEqual({ url: 'https://rt.example/Ticket/Display.html?id=42', label: 'https://rt.example/Ticket/Display.html?id=42' });

  const sent = await waitFor(() => telegram.calls.find((c) => c.method === 'sendMessage' && Number(c.params.chat_id) === 5001), 'the ticket on Telegram');
  expect(sent.params).not.toHaveProperty('parse_mode');
  expect(sent.params).not.toHaveProperty('entities');
  expect(String(sent.params.text)).toContain(`New ticket #42 in General: ${ATTACK}`);

  const shownInConsole = await desk.botMessage('ops', (m) => m.text.includes('New ticket #42'), 'the ticket in the console');
  expect(shownInConsole.text).toContain(ATTACK);
});

test('an echoed command cannot mention @channel or label a link', async () => {
  // What Slack sends when Alice types "/dutydesk @channel", and when she types the angle brackets herself.
  for (const typed of ['<!channel>', '&lt;https://evil.example|Approve&gt;']) {
    expect((await postToSlackApp(desk.url, slack, slashCommandBody('UALICE', OPS, typed), 'application/x-www-form-urlencoded')).status).toBe(200);
  }
  const echoes = await waitFor(() => {
    const found = slack.inChannel(OPS).filter((m) => m.text.startsWith('I do not know'));
    return found.length === 2 && found;
  }, 'both answers');
  const shown = echoes.map((m) => expectInertOnSlack(m)[0]);
  expect(shown[0]).toContain('I do not know "@channel"');
  expect(shown[1]).toContain('I do not know "<https://evil.example/|Approve>"');
});

test('a stranger’s display name reaches the admins inert', async () => {
  const body = slashCommandBody('UZED', 'DZED', 'help', ATTACK);
  expect((await postToSlackApp(desk.url, slack, body, 'application/x-www-form-urlencoded')).status).toBe(200);
  const notice = await waitFor(() => slack.inChannel(OPS).find((m) => m.text.includes('Someone unknown')), 'the notice to the admins');
  expect(expectInertOnSlack(notice)[0]).toContain('<!channel> <https://evil.example/|Approve> & (slack id slack:UZED)');
});
