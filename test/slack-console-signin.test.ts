/**
 * Signing in to the console from Slack (gateway.console.signIn chat): the App
 * Home tab has a button that sends a one-time link to the person's direct
 * messages with the app, straight to Slack (not through the outbox), and the
 * link signs in as that person. A stranger pressing it gets nothing.
 */
import { baseConfig, startDesk, type Desk } from './helpers/desk';
import { eventCallbackBody, postToSlackApp } from './helpers/slack-requests';
import { waitFor } from './helpers/wait';
import { SlackWebApi } from './peers/slack-web-api';

let api: SlackWebApi;
let desk: Desk;

beforeAll(async () => {
  api = await new SlackWebApi().start();
  process.env.DD_SIGNIN_SLACK_TOKEN = api.botToken;
  process.env.DD_SIGNIN_SLACK_SECRET = api.signingSecret;
  const config = baseConfig(
    { local1: { address: '127.0.0.1', transport: 'local', groups: ['test'], services: { app: { steps: [{ name: 'noop', run: 'true' }] } } } },
    { slack: { botToken: { env: 'DD_SIGNIN_SLACK_TOKEN' }, signingSecret: { env: 'DD_SIGNIN_SLACK_SECRET' }, apiUrl: api.apiUrl }, gateway: { console: { signIn: 'chat' } } },
  );
  config.users = config.users.map((u) => ({ ...u, slack: { alice: 'UALICE' }[u.id] })) as typeof config.users;
  desk = await startDesk(config);
}, 120_000);

afterAll(async () => {
  await desk?.stop();
  await api?.stop();
});

const post = (payload: unknown) => postToSlackApp(desk.url, api, new URLSearchParams({ payload: JSON.stringify(payload) }).toString(), 'application/x-www-form-urlencoded');
const homeOpened = (user: string) => postToSlackApp(desk.url, api, eventCallbackBody({ type: 'app_home_opened', user, channel: `D${user.slice(1)}`, tab: 'home', event_ts: '1.1' }), 'application/json');

/** What Slack posts when a button in the App Home tab is pressed: a view, no channel. */
const homePress = (user: string, actionId: string) => ({
  type: 'block_actions',
  team: { id: 'T1' },
  user: { id: user, team_id: 'T1' },
  api_app_id: 'A1',
  trigger_id: `trig-${Math.random()}`,
  container: { type: 'view', view_id: 'V1' },
  view: { id: 'V1', type: 'home' },
  actions: [{ type: 'button', action_id: actionId, block_id: 'b1', text: { type: 'plain_text', text: 'x' }, action_ts: '1.1' }],
});

test('the App Home button sends a sign-in link to the direct messages, which signs in as that person', async () => {
  expect((await homeOpened('UALICE')).status).toBe(200);
  const view = await waitFor(() => api.views.find((v) => v.user_id === 'UALICE'), 'the home view');
  const button = (view.view.blocks as { type: string; elements?: { action_id: string; text: { text: string } }[] }[]).find((b) => b.type === 'actions')?.elements?.[0];
  expect(button).toEqual(expect.objectContaining({ action_id: 'console-signin', text: expect.objectContaining({ text: '🔑 Sign in to the web console' }) }));

  expect((await post(homePress('UALICE', 'console-signin'))).status).toBe(200);
  const sent = await waitFor(() => api.inChannel('DALICE').find((m) => m.text.includes('/console/signin?t=')), 'the link in her direct messages');
  const link = /(http:\/\/[^\s|>]+\/console\/signin\?t=[^\s|>]+)/.exec(sent.text)?.[1] as string;
  const signedIn = await fetch(`${desk.url}/console/signin`, { method: 'POST', redirect: 'manual', headers: { 'content-type': 'application/x-www-form-urlencoded' }, body: new URLSearchParams({ t: new URL(link).searchParams.get('t') as string }) });
  expect(signedIn.status).toBe(303);
  const me = await fetch(`${desk.url}/console/api/me`, { headers: { cookie: signedIn.headers.getSetCookie()[0].split(';')[0] } });
  expect(((await me.json()) as { user: { id: string } }).user.id).toBe('alice');
  // Straight to Slack: no outbox workflow for her direct messages.
  const outboxes = [];
  for await (const wf of desk.env.client.workflow.list({ query: "WorkflowId STARTS_WITH 'outbox-slack-UALICE'" })) outboxes.push(wf.workflowId);
  expect(outboxes).toEqual([]);
});

test('a stranger pressing it gets no link', async () => {
  const before = api.calls.length;
  expect((await post(homePress('USTRANGER', 'console-signin'))).status).toBe(200);
  // The press is acknowledged; the next request the app handles finds no message sent for it.
  await homeOpened('USTRANGER');
  await waitFor(() => api.views.find((v) => v.user_id === 'USTRANGER'), "the stranger's home view");
  expect(api.calls.slice(before).filter((c) => c.method === 'chat.postMessage')).toEqual([]);
  expect(api.inChannel('DSTRANGER')).toEqual([]);
});
