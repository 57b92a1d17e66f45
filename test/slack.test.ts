/**
 * dutydesk on Slack: signed requests to the gateway's Bolt receiver, and a
 * local server answering the Web API. The same restart as on the web console
 * and Telegram, buttons, the App Home tab, forged requests refused, and
 * chat.update kept to its tier.
 */
import { baseConfig, startDesk, type Desk } from './helpers/desk';
import { waitFor } from './helpers/wait';
import { SlackWebApi } from './peers/slack-web-api';
import { slackRender } from './helpers/slack-render';
import { enqueueChatMessage } from '../activities/chat/outbox-client';

const OPS = 'C0OPS';
/** chat.update's pace for this app: fast enough for a short test, slow enough to see. */
const UPDATES_PER_MINUTE = 120;
let api: SlackWebApi;
let desk: Desk;

beforeAll(async () => {
  api = await new SlackWebApi().start();
  process.env.DD_TEST_SLACK_TOKEN = api.botToken;
  process.env.DD_TEST_SLACK_SECRET = api.signingSecret;
  const config = baseConfig(
    {
      local1: { address: '127.0.0.1', transport: 'local', groups: ['test'], services: { app: { steps: [{ name: 'stop', run: 'echo stopped' }, { name: 'start', run: 'sleep 1; echo started' }] } } },
      slow1: { address: '127.0.0.1', transport: 'local', groups: ['test'], services: { app: { steps: [{ name: 'stop', run: 'sleep 6' }, { name: 'start', run: 'echo started' }] } } },
    },
    {
      slack: { botToken: { env: 'DD_TEST_SLACK_TOKEN' }, signingSecret: { env: 'DD_TEST_SLACK_SECRET' }, apiUrl: api.apiUrl, updatesPerMinute: UPDATES_PER_MINUTE },
      actions: { 'sd.hello': { title: 'Say hello', says: 'say hello', steps: [{ command: { host: 'local1', hostGroups: ['test'], run: '/bin/echo', args: ['hello from local1'] } }] } },
    },
  );
  config.users = config.users.map((u) => ({ ...u, slack: { alice: 'UALICE', bob: 'UBOB', carol: 'UCAROL', dan: 'UDAN' }[u.id] })) as typeof config.users;
  (config.chats as Record<string, unknown>).ops = { title: 'Ops', web: 'ops', slack: OPS };
  // Forecasts, for a request's XML shared in a direct message (its database is never reached here).
  (config.roles as Record<string, { can: string[] }>).engineer.can.push('forecast');
  Object.assign(config, { forecast: { requests: '/nonexistent/{request}.xml', database: { type: 'postgres', connectString: 'postgres://nobody@127.0.0.1:1/tasks' } } });
  desk = await startDesk(config);
}, 120_000);

afterAll(async () => {
  await desk?.stop();
  await api?.stop();
});

async function postToApp(body: string, contentType: string, headers = api.sign(body)) {
  return fetch(`${desk.url}/slack/events`, { method: 'POST', headers: { 'content-type': contentType, ...headers }, body });
}

const slashCommand = (user: string, channel: string, text: string) =>
  new URLSearchParams({ command: '/dutydesk', text, user_id: user, user_name: user.toLowerCase(), channel_id: channel, team_id: 'T1', trigger_id: `trig-${Math.random()}`, response_url: 'http://127.0.0.1:9/unused' }).toString();

const lastIn = (channel: string, match: (m: { text: string }) => boolean, what: string) =>
  waitFor(() => [...api.inChannel(channel)].reverse().find(match), what, 30_000);

test('a restart from the slash command: one message updated through the steps, with a Cancel button', async () => {
  const res = await postToApp(slashCommand('UALICE', OPS, 'restart local1'), 'application/x-www-form-urlencoded');
  expect(res.status).toBe(200);
  // Edits waiting behind Slack's per-channel pace are merged, so the message may skip straight to a later state.
  const running = await lastIn(OPS, (m) => m.text.includes('Restart app on local1') && m.text.includes('▶ Running'), 'the running restart');
  const cancel = running.blocks.find((b) => b.type === 'actions')?.elements?.find((e) => e.text.text === 'Cancel');
  expect(cancel?.value).toBe('restart.cancel:restart-local1');
  const done = await lastIn(OPS, (m) => m.text.includes('Restart app on local1') && m.text.includes('✅ Done in'), 'the finished restart');
  expect(done.edited).toBe(true);
  expect(api.inChannel(OPS).filter((m) => m.text.includes('Restart app on local1'))).toHaveLength(1);
  await lastIn('DALICE', (m) => m.text.startsWith('✅ local1 is up again'), 'the up-again direct message');
});

test('a button press (block_actions) cancels between steps; a viewer is told what they may do', async () => {
  await postToApp(slashCommand('UALICE', OPS, 'restart slow1'), 'application/x-www-form-urlencoded');
  const running = await lastIn(OPS, (m) => m.text.includes('Restart app on slow1') && m.text.includes('▶ Running'), 'the running restart');
  const payload = (user: string) =>
    JSON.stringify({
      type: 'block_actions',
      user: { id: user },
      channel: { id: OPS },
      team: { id: 'T1' },
      trigger_id: `trig-${Math.random()}`,
      message: { ts: running.ts },
      actions: [{ type: 'button', action_id: 'dutydesk-0', value: 'restart.cancel:restart-slow1', block_id: 'b', action_ts: '1' }],
    });
  const byCarol = await postToApp(new URLSearchParams({ payload: payload('UCAROL') }).toString(), 'application/x-www-form-urlencoded');
  expect(byCarol.status).toBe(200);
  await lastIn(OPS, (m) => m.text.includes('You may not use') || m.text.includes('Only Alice'), 'the refusal for a viewer');
  await postToApp(new URLSearchParams({ payload: payload('UALICE') }).toString(), 'application/x-www-form-urlencoded');
  const cancelled = await lastIn(OPS, (m) => m.text.includes('⏹ Cancelled by Alice'), 'the cancelled restart');
  expect(cancelled.text).toContain('– start');
});

test('forged, stale or unsigned requests are refused and start nothing', async () => {
  const body = slashCommand('UALICE', OPS, 'restart local1');
  const before = (await desk.env.client.workflow.count(`DutydeskHost = 'local1'`)).count;
  expect((await postToApp(body, 'application/x-www-form-urlencoded', api.sign(body, undefined, 'wrong-secret'))).status).toBe(401);
  expect((await postToApp(body, 'application/x-www-form-urlencoded', api.sign(body, Math.floor(Date.now() / 1000) - 600))).status).toBe(401);
  expect((await postToApp(body, 'application/x-www-form-urlencoded', {})).status).toBe(401);
  expect((await desk.env.client.workflow.count(`DutydeskHost = 'local1'`)).count).toBe(before);
});

test('the App Home tab shows running operations and what the user may do', async () => {
  const event = JSON.stringify({ type: 'event_callback', team_id: 'T1', event_id: 'Ev1', event_time: 1, event: { type: 'app_home_opened', user: 'UCAROL', channel: 'DCAROL', tab: 'home', event_ts: '1.1' } });
  expect((await postToApp(event, 'application/json')).status).toBe(200);
  const view = await waitFor(() => api.views.find((v) => v.user_id === 'UCAROL'), 'the published home view');
  const text = JSON.stringify(view.view.blocks);
  expect(text).toContain('dutydesk for Carol');
  expect(text).toContain('status <host>');
  expect(text).not.toContain('restart <host>');
});

test('an action button on the App Home tab runs it in the person\'s direct messages with the app', async () => {
  const event = JSON.stringify({ type: 'event_callback', team_id: 'T1', event_id: 'EvHome2', event_time: 1, event: { type: 'app_home_opened', user: 'UCAROL', channel: 'DCAROL', tab: 'home', event_ts: '1.2' } });
  const before = api.views.length;
  expect((await postToApp(event, 'application/json')).status).toBe(200);
  const view = await waitFor(() => api.views.slice(before).find((v) => v.user_id === 'UCAROL'), 'the published home view');
  const blocks = view.view.blocks as { type: string; elements?: { action_id: string; value: string; text: { text: string } }[] }[];
  const button = blocks.find((b) => b.type === 'actions')?.elements?.find((e) => e.text.text === '▶ Say hello');
  expect(button?.value).toBe('action.run:sd.hello');
  // Slack sends a view's button with the view and no channel.
  const payload = JSON.stringify({ type: 'block_actions', user: { id: 'UCAROL' }, team: { id: 'T1' }, trigger_id: 'trig-home', view: { id: 'V1', type: 'home' }, actions: [{ type: 'button', action_id: button!.action_id, value: button!.value, block_id: 'b', action_ts: '1' }] });
  expect((await postToApp(new URLSearchParams({ payload }).toString(), 'application/x-www-form-urlencoded')).status).toBe(200);
  await lastIn('DCAROL', (m) => m.text.includes('Say hello') && m.text.includes('✅ Done in'), 'the action run in her direct messages');
  await lastIn('DCAROL', (m) => m.text.includes('hello from local1'), 'its output');
});

test('a file shared in a direct message is downloaded with the bot token and used: a broken request XML is answered with its line', async () => {
  const file = api.shareFile('req-8.xml', Buffer.from('<request id="REQ-8">\n  <task id="a" type="t">\n</request>\n'));
  const message = { type: 'message', subtype: 'file_share', channel: 'DALICE', channel_type: 'im', user: 'UALICE', text: 'forecast', ts: '1700000000.000100', event_ts: '1700000000.000100', files: [file] };
  const body = JSON.stringify({ type: 'event_callback', team_id: 'T1', event_id: 'EvFile1', event_time: 1, event: message });
  expect((await postToApp(body, 'application/json')).status).toBe(200);
  const answer = await lastIn('DALICE', (m) => m.text.startsWith('❌ No forecast for'), 'the answer to the shared file');
  // As Slack shows it: the mrkdwn escapes of "<task>" read back.
  expect(slackRender(answer.text).text).toMatch(/^❌ No forecast for req-8\.xml: its subtask file is not valid\. Line 2, column 3: <task> is never closed\./);
  // Without the bot token the same URL gives a sign-in page, not the file.
  expect((await fetch(file.url_private_download, { redirect: 'manual' })).status).toBe(302);
});

test('a storm of progress edits in four channels: chat.update kept to its pace, pending edits merged, the latest state shown', async () => {
  const channels = ['C0STORM1', 'C0STORM2', 'C0STORM3', 'C0STORM4'];
  const since = api.calls.length;
  // Ten states of one live message per channel, a new one every 100 ms.
  for (let step = 1; step <= 10; step++) {
    await Promise.all(channels.map((chatId) => enqueueChatMessage(desk.env.client, { platform: 'slack', chatId }, { key: 'storm', mode: 'upsert', message: { text: `${chatId} step ${step} of 10` } })));
    await new Promise((resolve) => setTimeout(resolve, 100));
  }
  for (const channel of channels) await lastIn(channel, (m) => m.text === `${channel} step 10 of 10`, `the last state in ${channel}`);
  const updates = api.calls.slice(since).filter((c) => c.method === 'chat.update');
  // Fewer edits than states: the ones waiting for their turn were merged.
  expect(updates.length).toBeLessThan(channels.length * 9);
  // Never two edits closer than the pace allows (a few ms for the clock).
  const gaps = updates.slice(1).map((u, i) => u.at - updates[i].at);
  expect(Math.min(...gaps)).toBeGreaterThanOrEqual(60_000 / UPDATES_PER_MINUTE - 25);
  for (const channel of channels) expect(api.inChannel(channel)).toHaveLength(1);
});

test('a message Slack refuses with an error retrying cannot fix (no_permission) is set aside, and the chat goes on', async () => {
  const channel = 'C0DENIED';
  api.refuseNextPost(channel, 'no_permission');
  await enqueueChatMessage(desk.env.client, { platform: 'slack', chatId: channel }, { key: 'denied-1', mode: 'new', message: { text: 'first, refused' } });
  await enqueueChatMessage(desk.env.client, { platform: 'slack', chatId: channel }, { key: 'denied-2', mode: 'new', message: { text: 'second, delivered' } });
  await lastIn(channel, (m) => m.text === 'second, delivered', 'the next message in the chat');
  expect(api.inChannel(channel).map((m) => m.text)).toEqual(['second, delivered']);
  const outbox = await desk.env.client.workflow.getHandle(`outbox-slack-${channel}`).query<{ failed: { key: string; error: string }[] }>('outbox');
  expect(outbox.failed).toEqual([expect.objectContaining({ key: 'denied-1', error: expect.stringContaining('no_permission') })]);
});
