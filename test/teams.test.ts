/**
 * Several teams in one deployment: a matrix over people (roles and teams) ×
 * actions (each team's) × chats (their own direct chat, each team's room, a
 * room of no team) on the web console, and the same questions on Telegram
 * and Slack through their local peers, counting every answer that shows or
 * runs another team's action: 0. The worker refuses what the gateway would
 * not start, a team's steps reach its own hosts alone, and runs carry the
 * DutydeskTeam search attribute.
 */
import { parseConfig } from '../config/load';
import { REQUESTED_BY_ATTR, TEAM_ATTR } from '../lib/search-attributes';
import { TASK_QUEUES } from '../workers/task-queues';
import type { ActionProgress } from '../workflows/action/definitions';
import { baseConfig, startDesk, type Desk } from './helpers/desk';
import { waitFor } from './helpers/wait';
import { SlackWebApi } from './peers/slack-web-api';
import { TelegramBotApi } from './peers/telegram-bot-api';

const TEAMS = { sd: ['alice', 'dan'], net: ['bob', 'dan'] } as const;
const ROLES: Record<string, string> = { alice: 'engineer', bob: 'lead', carol: 'viewer', dan: 'lead' };
const ACTIONS = {
  'sd.status': { text: 'sd status', roles: undefined, title: 'Service desk status' },
  'sd.echo': { text: 'sd echo sd-app', roles: ['lead'], title: 'Echo on a service desk host' },
  'net.status': { text: 'net status', roles: undefined, title: 'Network status' },
  'net.echo': { text: 'net echo net-sw', roles: ['engineer', 'lead'], title: 'Echo on a network host' },
} as const;
type ActionId = keyof typeof ACTIONS;
const ROOMS = { 'sd-room': 'sd', 'net-room': 'net', lobby: undefined } as Record<string, string | undefined>;
const TG = { alice: 1001, bob: 1002, carol: 1003, dan: 1004 } as Record<string, number>;
const TG_ROOMS: Record<string, number> = { 'sd-room': -100111, 'net-room': -100222, lobby: -100333 };
const SLACK = { alice: 'UALICE', bob: 'UBOB', carol: 'UCAROL', dan: 'UDAN' } as Record<string, string>;
const SLACK_ROOMS: Record<string, string> = { 'sd-room': 'C0SD', 'net-room': 'C0NET', lobby: 'C0LOBBY' };

let desk: Desk;
let telegram: TelegramBotApi;
let slack: SlackWebApi;

function rawConfig() {
  const echo = (host: string, word: string) => ({ command: { host, hostGroups: ['*'], run: '/bin/echo', args: [word, host] } });
  const config = baseConfig(
    {
      'sd-app': { address: '127.0.0.1', transport: 'local', groups: ['sd'], services: { app: { steps: [{ name: 'noop', run: 'true' }] } } },
      'net-sw': { address: '127.0.0.1', transport: 'local', groups: ['net'], services: { app: { steps: [{ name: 'noop', run: 'true' }] } } },
    },
    {
      telegram: { token: { env: 'DD_TEST_TELEGRAM_TOKEN' }, apiRoot: telegram.apiRoot },
      slack: { botToken: { env: 'DD_TEST_SLACK_TOKEN' }, signingSecret: { env: 'DD_TEST_SLACK_SECRET' }, apiUrl: slack.apiUrl },
      chats: Object.fromEntries(Object.keys(ROOMS).map((room) => [room, { title: room, web: room, telegram: TG_ROOMS[room], slack: SLACK_ROOMS[room] }])),
      notify: { approvals: 'lobby' },
      teams: {
        sd: { title: 'Service Desk', members: [...TEAMS.sd], chats: ['sd-room'], hostGroups: ['sd'] },
        net: { title: 'Network', members: [...TEAMS.net], chats: ['net-room'], hostGroups: ['net'] },
      },
      actions: {
        'sd.status': { title: ACTIONS['sd.status'].title, says: 'sd status', steps: [echo('sd-app', 'sd-ok')] },
        'sd.echo': { title: ACTIONS['sd.echo'].title, says: 'sd echo {host:host}', roles: ['lead'], steps: [echo('{host}', 'sd-echo')] },
        'sd.hosts': { title: 'Service desk hosts', says: 'sd hosts', steps: [{ inventory: { of: 'hosts' } }] },
        'sd.whereis': { title: 'Where is it (service desk)', says: 'sd where is {ip:ip}', steps: [{ ipLookup: '{ip}' }] },
        'net.status': { title: ACTIONS['net.status'].title, says: 'net status', steps: [echo('net-sw', 'net-ok')] },
        'net.echo': { title: ACTIONS['net.echo'].title, says: 'net echo {host:host}', roles: ['engineer', 'lead'], steps: [echo('{host}', 'net-echo')] },
        'net.wait': { title: 'Network wait', says: 'net wait', steps: [{ command: { host: 'net-sw', hostGroups: ['net'], run: '/bin/sleep', args: ['4'] } }] },
      },
    },
  );
  config.users = config.users.map((u) => ({ ...u, telegram: TG[u.id], slack: SLACK[u.id] })) as typeof config.users;
  return config;
}

beforeAll(async () => {
  telegram = await new TelegramBotApi().start();
  slack = await new SlackWebApi().start();
  process.env.DD_TEST_TELEGRAM_TOKEN = telegram.token;
  process.env.DD_TEST_SLACK_TOKEN = slack.botToken;
  process.env.DD_TEST_SLACK_SECRET = slack.signingSecret;
  desk = await startDesk(rawConfig());
}, 120_000);

afterAll(async () => {
  await desk?.stop();
  await telegram?.stop();
  await slack?.stop();
});

type Outcome = 'ran' | 'no-role' | 'unknown' | 'not-offered';

function expected(user: string, actionId: ActionId, room: string | 'dm'): Outcome {
  const team = actionId.split('.')[0] as keyof typeof TEAMS;
  const member = (TEAMS[team] as readonly string[]).includes(user);
  const here = room === 'dm' || ROOMS[room] === team;
  if (!member || !here) return 'unknown';
  const roles = ACTIONS[actionId].roles as readonly string[] | undefined;
  return !roles || roles.includes(ROLES[user]) ? 'ran' : 'no-role';
}

function classify(text: string, actionId: ActionId): Outcome | string {
  if (text.startsWith(`⚙ ${ACTIONS[actionId].title}`)) return 'ran';
  if (text.startsWith(`You may not run "${ACTIONS[actionId].title}"`)) return 'no-role';
  if (text.startsWith('I do not know')) return 'unknown';
  return `other: ${text.slice(0, 120)}`;
}

test('web console: people × actions × chats, 0 leaks; another team\'s action is not there at all', async () => {
  const leaks: string[] = [];
  let cases = 0;
  for (const user of Object.keys(ROLES)) {
    for (const room of ['dm', ...Object.keys(ROOMS)]) {
      const chat = room === 'dm' ? `dm-${user}` : room;
      for (const actionId of Object.keys(ACTIONS) as ActionId[]) {
        cases++;
        // The console offers a team's room to its members alone: anyone else can neither read nor write there.
        const want = room !== 'dm' && ROOMS[room] && !(TEAMS[ROOMS[room] as keyof typeof TEAMS] as readonly string[]).includes(user) ? 'not-offered' : expected(user, actionId, room);
        const said = await desk.say(user, chat, ACTIONS[actionId].text).catch((err: Error) => err);
        if (said instanceof Error) {
          if (!said.message.startsWith('console refused the message: 403') || want !== 'not-offered') leaks.push(`${user} in ${chat}: ${said.message}, expected ${want}`);
          continue;
        }
        const reply = await desk.botMessage(chat, (m) => Number(m.id) > Number(said.id), `the answer to ${user} in ${chat}: ${ACTIONS[actionId].text}`);
        const got = classify(reply.text, actionId);
        if (got !== want) leaks.push(`${user} in ${chat}: "${ACTIONS[actionId].text}" → ${got}, expected ${want}`);
        if (got === 'ran') {
          // The run ends, and its output is that team's host's alone, before the next question.
          const done = await desk.botMessage(chat, (m) => Number(m.id) > Number(said.id) && m.text.startsWith(`⚙ ${ACTIONS[actionId].title}`) && /✅ Done in|❌ Failed/.test(m.text), 'the run to end');
          if (!done.text.includes('✅ Done in')) leaks.push(`${user} in ${chat}: "${ACTIONS[actionId].text}" did not finish: ${done.text.slice(0, 200)}`);
          const team = actionId.split('.')[0];
          const output = await desk.botMessage(chat, (m) => Number(m.id) > Number(said.id) && m.text.startsWith(`${ACTIONS[actionId].title} · 1.`), 'the output');
          if (!output.text.includes(team === 'sd' ? 'sd-' : 'net-') || output.text.includes(team === 'sd' ? 'net-' : 'sd-')) leaks.push(`output of ${actionId}: ${output.text}`);
        }
      }
    }
  }
  expect(cases).toBe(64);
  expect(leaks).toEqual([]);
  // A team's room is not listed for others (the demo picker reads any chat; signed-in readers are held to this list).
  const chats = async (user: string) => ((await (await fetch(`${desk.url}/console/api/chats?user=${user}`)).json()) as { chatId: string }[]).map((c) => c.chatId).sort();
  expect(await chats('alice')).toEqual(['dm-alice', 'lobby', 'sd-room']);
  expect(await chats('carol')).toEqual(['dm-carol', 'lobby']);
  expect(await chats('dan')).toEqual(['dm-dan', 'lobby', 'net-room', 'sd-room']);
}, 240_000);

test('help and home list only the actions of the teams in reach', async () => {
  const help = async (user: string, chat: string) => {
    const said = await desk.say(user, chat, 'help');
    return (await desk.botMessage(chat, (m) => Number(m.id) > Number(said.id), 'help')).text;
  };
  const dan = await help('dan', 'dm-dan');
  for (const usage of ['sd status', 'sd echo <host>', 'net status', 'net echo <host>']) expect(dan).toContain(`• ${usage} — `);
  const danInSd = await help('dan', 'sd-room');
  expect(danInSd).toContain('• sd status — ');
  expect(danInSd).not.toContain('net ');
  const alice = await help('alice', 'dm-alice');
  expect(alice).toContain('• sd status — ');
  expect(alice).not.toContain('sd echo');
  expect(alice).not.toContain('net ');
  expect(await help('carol', 'dm-carol')).not.toMatch(/• (sd|net) /);
  const home = async (user: string) => (await (await fetch(`${desk.url}/console/api/home?user=${user}`)).json()) as { actions: { id: string }[] };
  expect((await home('alice')).actions.map((a) => a.id).sort()).toEqual(['sd.hosts', 'sd.status', 'sd.whereis']);
  expect((await home('bob')).actions.map((a) => a.id).sort()).toEqual(['net.echo', 'net.status', 'net.wait']);
  expect((await home('carol')).actions).toEqual([]);
  // In a team's room, the home shows that team's runs alone, whoever asks.
  const waiting = await desk.say('dan', 'dm-dan', 'net wait');
  await desk.botMessage('dm-dan', (m) => Number(m.id) > Number(waiting.id) && m.text.startsWith('⚙ Network wait') && m.text.includes('▶'), 'the wait running');
  const inRoom = await desk.say('dan', 'sd-room', 'home');
  expect((await desk.botMessage('sd-room', (m) => Number(m.id) > Number(inRoom.id), 'the home in sd-room')).text).not.toContain('Network wait');
  const inDm = await desk.say('dan', 'dm-dan', 'home');
  expect((await desk.botMessage('dm-dan', (m) => Number(m.id) > Number(inDm.id) && m.text.includes('Dan'), 'the home in dm-dan')).text).toContain('• Network wait (');
  await desk.botMessage('dm-dan', (m) => m.text.startsWith('⚙ Network wait') && m.text.includes('✅ Done'), 'the wait to end', 30_000);
}, 60_000);

test('a team\'s steps reach its own hosts alone: a host, the inventory, where is', async () => {
  const ask = async (user: string, chat: string, text: string, match: (t: string) => boolean) => {
    const said = await desk.say(user, chat, text);
    return (await desk.botMessage(chat, (m) => Number(m.id) > Number(said.id) && match(m.text), text)).text;
  };
  const outside = await ask('dan', 'dm-dan', 'sd echo net-sw', (t) => t.startsWith('⚙') && /❌|refused|not in/.test(t));
  expect(outside).toContain('net-sw is not in sd, where this action runs');
  const hosts = await ask('alice', 'dm-alice', 'sd hosts', (t) => t.startsWith('⚙ Service desk hosts') && t.includes('✅ Done'));
  expect(hosts).toContain('1 host');
  const where = await ask('alice', 'dm-alice', 'sd where is 127.0.0.1', (t) => t.startsWith('Where is it (service desk) · 1.'));
  expect(where).toContain('sd-app');
  expect(where).not.toContain('net-sw');
}, 60_000);

test('the worker refuses a run the gateway would not start, and runs carry DutydeskTeam', async () => {
  const run = async (actionId: string, user: string, chatId: string) => {
    const handle = await desk.env.client.workflow.start('actionWorkflow', {
      taskQueue: TASK_QUEUES.desk,
      workflowId: `action-${actionId}-by-hand-${user}-${chatId}`,
      args: [{ actionId, params: {}, requestedBy: { id: user, name: 'whoever the caller says' }, chat: { platform: 'web', chatId }, language: 'en' }],
    });
    return (await handle.result()) as ActionProgress;
  };
  expect(await run('net.status', 'alice', 'dm-alice')).toMatchObject({ phase: 'failed', error: 'Alice is not in team net, whose action this is' });
  expect(await run('sd.status', 'dan', 'net-room')).toMatchObject({ phase: 'failed', error: "Service desk status runs only in team sd's chats or in direct chat" });
  expect(await run('sd.status', 'alice', 'lobby')).toMatchObject({ phase: 'failed' });
  const noChat = await desk.env.client.workflow.start('actionWorkflow', { taskQueue: TASK_QUEUES.desk, workflowId: 'action-sd.status-no-chat', args: [{ actionId: 'sd.status', params: {}, requestedBy: { id: 'alice', name: 'Alice' }, language: 'en' }] });
  expect(await noChat.result()).toMatchObject({ phase: 'failed', error: 'the run names no chat to answer in' });
  // A run started by hand under another team's attribute is listed under its own team once planned.
  const forged = await desk.env.client.workflow.start('actionWorkflow', {
    taskQueue: TASK_QUEUES.desk,
    workflowId: 'action-net.status-forged-team',
    args: [{ actionId: 'net.status', params: {}, requestedBy: { id: 'bob', name: 'Bob' }, chat: { platform: 'web', chatId: 'dm-bob' }, language: 'en' }],
    typedSearchAttributes: [
      { key: TEAM_ATTR, value: 'sd' },
      { key: REQUESTED_BY_ATTR, value: 'alice' },
    ],
  });
  await forged.result();
  const attributes = (await forged.describe()).typedSearchAttributes;
  expect([attributes.get(TEAM_ATTR), attributes.get(REQUESTED_BY_ATTR)]).toEqual(['net', 'bob']);
  expect(await run('sd.status', 'alice', 'sd-room')).toMatchObject({ phase: 'done' });
  // Runs started from chat, by the gateway.
  for (const [user, text] of [['alice', 'sd status'], ['bob', 'net status']]) {
    const said = await desk.say(user, `dm-${user}`, text);
    await desk.botMessage(`dm-${user}`, (m) => Number(m.id) > Number(said.id) && m.text.includes('✅ Done in'), 'the run to end');
  }
  const teams: Record<string, string[]> = {};
  await waitFor(async () => {
    for (const team of ['sd', 'net']) {
      teams[team] = [];
      for await (const wf of desk.env.client.workflow.list({ query: `WorkflowType = 'actionWorkflow' AND DutydeskTeam = '${team}'` })) teams[team].push(wf.workflowId);
    }
    return teams.sd.some((id) => !id.includes('by-hand')) && teams.net.length > 0;
  }, 'runs listed by team');
  await waitFor(async () => {
    const listed: string[] = [];
    for await (const wf of desk.env.client.workflow.list({ query: `DutydeskTeam = 'sd'` })) listed.push(wf.workflowId);
    return !listed.includes('action-net.status-forged-team');
  }, 'the forged run listed under its own team');
  expect(teams.sd.every((id) => id.startsWith('action-sd.') || id === 'action-net.status-forged-team')).toBe(true);
  expect(teams.net.every((id) => id.startsWith('action-net.'))).toBe(true);
  const one = desk.env.client.workflow.getHandle(teams.sd[0]);
  expect((await one.describe()).typedSearchAttributes.get(TEAM_ATTR)).toBe('sd');
}, 90_000);

test('Telegram and Slack: the same questions, the same answers, 0 leaks', async () => {
  const leaks: string[] = [];
  const tgCases: [string, string | 'dm', ActionId][] = [
    ['alice', 'dm', 'net.status'],
    ['alice', 'dm', 'sd.status'],
    ['dan', 'sd-room', 'net.status'],
    ['dan', 'sd-room', 'sd.status'],
    ['bob', 'lobby', 'net.status'],
    ['carol', 'dm', 'sd.status'],
  ];
  for (const [user, room, actionId] of tgCases) {
    const chatId = room === 'dm' ? TG[user] : TG_ROOMS[room];
    const before = telegram.botMessages(chatId).length;
    // In a group, a bot in privacy mode is sent commands ("/…") only.
    telegram.userSends({ id: TG[user], first_name: user }, chatId, `/${ACTIONS[actionId].text}`);
    const reply = await waitFor(() => telegram.botMessages(chatId)[before], `Telegram's answer to ${user}`, 30_000);
    const got = classify(reply.text ?? '', actionId);
    if (got !== expected(user, actionId, room)) leaks.push(`telegram ${user} in ${room}: ${got}`);
  }
  const slackCases: [string, string | 'dm', ActionId][] = [
    ['bob', 'sd-room', 'net.status'],
    ['bob', 'dm', 'net.status'],
    ['alice', 'net-room', 'sd.status'],
    ['alice', 'sd-room', 'sd.echo'],
    ['dan', 'net-room', 'net.echo'],
  ];
  for (const [user, room, actionId] of slackCases) {
    const channel = room === 'dm' ? `D0${user.toUpperCase()}` : SLACK_ROOMS[room];
    const before = slack.inChannel(channel).length;
    const body = new URLSearchParams({ command: '/dutydesk', text: ACTIONS[actionId].text, user_id: SLACK[user], user_name: user, channel_id: channel, team_id: 'T1', trigger_id: `trig-${Math.random()}`, response_url: 'http://127.0.0.1:9/unused' }).toString();
    const res = await fetch(`${desk.url}/slack/events`, { method: 'POST', headers: { 'content-type': 'application/x-www-form-urlencoded', ...slack.sign(body) }, body });
    expect(res.status).toBe(200);
    const reply = await waitFor(() => slack.inChannel(channel)[before], `Slack's answer to ${user}`, 30_000);
    const got = classify(reply.text, actionId);
    if (got !== expected(user, actionId, room)) leaks.push(`slack ${user} in ${room}: ${got}`);
  }
  expect(leaks).toEqual([]);
}, 180_000);

test('teams are checked at load: members, chats, hosts, and every action in a team', () => {
  const load = (change: (c: ReturnType<typeof rawConfig>) => void) => () => {
    const c = rawConfig() as ReturnType<typeof rawConfig> & Record<string, any>;
    change(c);
    return parseConfig(c, desk.configFile);
  };
  expect(load((c: any) => (c.actions['ops.x'] = { title: 'X', says: 'ops x', steps: [{ ipLookup: '{ip}' }] }))).toThrow('"ops" is no team');
  expect(load((c: any) => c.teams.net.chats.push('sd-room'))).toThrow('chat "sd-room" is team sd\'s already');
  expect(load((c: any) => c.teams.net.members.push('mallory'))).toThrow('unknown user "mallory"');
  expect(load((c: any) => (c.actions['sd.status'].steps[0].command.hostGroups = ['net']))).toThrow("net is outside team sd's hosts (sd)");
  expect(load((c: any) => (c.actions['sd.status'].schedule = { every: '1h', chat: 'net-room' }))).toThrow("team sd's scheduled runs post to one of its chats");
  expect(load((c: any) => (c.chats.lobby.web = 'dm-alice'))).toThrow("dm-… is how the console names a person's direct chat");
  // Two names for one room would let the room escape its team's rules under the other name.
  expect(load((c: any) => (c.chats.lobby.web = 'net-room'))).toThrow('web chat "net-room" is chat net-room already: name each room once');
  expect(load((c: any) => (c.chats.lobby.slack = 'C0SD'))).toThrow('slack chat "C0SD" is chat sd-room already');
  // notify.approvals (lobby) is no team's: an approval without a chat of its own would leave the team.
  expect(load((c: any) => (c.actions['net.echo'].approval = { role: 'lead' }))).toThrow("approvals of team net's action go to one of its chats (net-room)");
  expect(() => load((c: any) => (c.actions['net.echo'].approval = { role: 'lead', chat: 'net-room' }))()).not.toThrow();
});
