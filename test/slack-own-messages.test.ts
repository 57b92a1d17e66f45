/**
 * The Slack app never answers its own messages (nor other bots'): a notice
 * it posts in someone's DM comes back as a message event there, and
 * answering it ("I do not know you yet") would answer itself for ever.
 * Events shaped as Slack sends them, signed as Slack signs them.
 */
import { baseConfig, startDesk, type Desk } from './helpers/desk';
import { eventCallbackBody, postToSlackApp } from './helpers/slack-requests';
import { waitFor } from './helpers/wait';
import { SlackWebApi } from './peers/slack-web-api';

const DM = 'D0ALICE';
let api: SlackWebApi;
let desk: Desk;

beforeAll(async () => {
  api = await new SlackWebApi().start();
  Object.assign(process.env, { DD_TEST_SLACK_TOKEN: api.botToken, DD_TEST_SLACK_SECRET: api.signingSecret });
  const config = baseConfig(
    { local1: { address: '127.0.0.1', transport: 'local', services: { app: { steps: [{ name: 'x', run: 'true' }] } } } },
    { slack: { botToken: { env: 'DD_TEST_SLACK_TOKEN' }, signingSecret: { env: 'DD_TEST_SLACK_SECRET' }, apiUrl: api.apiUrl } },
  );
  config.users = config.users.map((u) => ({ ...u, slack: { alice: 'UALICE' }[u.id] })) as typeof config.users;
  desk = await startDesk(config);
}, 120_000);

afterAll(async () => {
  await desk?.stop();
  await api?.stop();
});

/** The peer's auth.test answers user UBOT, bot BBOT: the app's own ids. */
const botProfile = { id: 'BBOT', app_id: 'A0DUTY', name: 'dutydesk', deleted: false, updated: 1700000000, team_id: 'T1', icons: { image_36: 'https://a.slack-edge.com/x.png' } };
let ts = 1700000100;
const nextTs = () => `${++ts}.000100`;

/** A message the app posted with chat.postMessage, as it comes back in the DM: no subtype, bot_id, bot_profile, user = the bot user. */
const ownMessage = (text: string) => ({
  type: 'message',
  text,
  user: 'UBOT',
  bot_id: 'BBOT',
  app_id: 'A0DUTY',
  bot_profile: botProfile,
  team: 'T1',
  blocks: [{ type: 'section', block_id: 'b1', text: { type: 'mrkdwn', text, verbatim: true } }],
  channel: DM,
  channel_type: 'im',
  ts: nextTs(),
  event_ts: `${ts}.000100`,
});

test('the app’s own DM messages, and other bots’, get no answer; a person’s next message does', async () => {
  const events = [
    ownMessage('Sorry, I do not know you yet. Ask an admin to add you to dutydesk.'),
    // The same without bot_profile (older payloads): the bot user id from auth.test tells.
    { ...ownMessage('✅ local1 is up again'), bot_profile: undefined, bot_id: undefined },
    // A legacy bot message: subtype bot_message, no user.
    { type: 'message', subtype: 'bot_message', bot_id: 'BOTHER', username: 'other-bot', text: 'hosts', channel: DM, channel_type: 'im', ts: nextTs(), event_ts: `${ts}.000100` },
    // Another app's bot user writing to us.
    { ...ownMessage('help'), user: 'UOTHERBOT', bot_id: 'BOTHER', bot_profile: { ...botProfile, id: 'BOTHER', name: 'other' } },
  ];
  for (const event of events) expect((await postToSlackApp(desk.url, api, eventCallbackBody(event), 'application/json')).status).toBe(200);
  // Then Alice writes: her answer comes, and it is the only message in the DM.
  const hers = { type: 'message', text: 'help', user: 'UALICE', channel: DM, channel_type: 'im', team: 'T1', ts: nextTs(), event_ts: `${ts}.000100` };
  expect((await postToSlackApp(desk.url, api, eventCallbackBody(hers), 'application/json')).status).toBe(200);
  await waitFor(() => api.inChannel(DM).some((m) => m.text.startsWith('dutydesk: what you can do')), 'the answer to Alice');
  // Outbox deliveries keep the order they were asked in: an answer to the earlier events would have come first.
  const inDm = api.inChannel(DM);
  expect(inDm).toHaveLength(1);
  expect(inDm[0].text).toMatch(/^dutydesk: what you can do/);
  expect(api.calls.filter((c) => c.method === 'auth.test').length).toBeLessThanOrEqual(1);
});
