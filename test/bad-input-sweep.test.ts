/**
 * One pass of hostile input at a running dutydesk (gateway in this process,
 * the worker as a process of its own, Telegram through a local Bot API
 * server): unknown hosts; host and service names with shell metacharacters or
 * named like inherited properties; a 10 MB command; forged and copied button
 * data; ticket webhooks unsigned, forged and replayed; an XML bomb and
 * 100-deep XML; a config with typos. Each gets a clear answer, nothing runs on
 * the host, and at the end every process is still up and a real restart
 * still works.
 */
import { spawnSync, type ChildProcess } from 'node:child_process';
import { existsSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { signBody } from '../chat-gateway/tickets/webhook';
import type { ConsoleMessage } from '../chat-gateway/web-console/store';
import { baseConfig, startDesk, type Desk } from './helpers/desk';
import { waitFor } from './helpers/wait';
import { TelegramBotApi } from './peers/telegram-bot-api';

const ROOT = path.resolve(__dirname, '..');
const ALICE = { id: 3001, first_name: 'Alice' };
const DAN = { id: 3004, first_name: 'Dan' };
const OPS = -100300;
const WEBHOOK_SECRET = 'sweep-webhook-secret';
let api: TelegramBotApi;
let desk: Desk;
let worker: ChildProcess;
let dir: string;
let ran: string;
let pwned: string;

beforeAll(async () => {
  dir = mkdtempSync(path.join(os.tmpdir(), 'dutydesk-sweep-'));
  ran = path.join(dir, 'ran.log');
  pwned = path.join(dir, 'pwned');
  api = await new TelegramBotApi().start();
  Object.assign(process.env, { DD_SWEEP_TELEGRAM: api.token, DD_SWEEP_WEBHOOK: WEBHOOK_SECRET, DD_SWEEP_RT: 'sweep-rt-token' });
  const step = (name: string) => ({ name, title: name, run: `echo ${name} >> ${ran}` });
  const config = baseConfig(
    {
      web1: { address: '127.0.0.1', transport: 'local', groups: ['test'], services: { app: { steps: [step('stop'), step('start')] } } },
      prod1: { address: '127.0.0.1', transport: 'local', groups: ['test'], production: true, services: { app: { steps: [step('prod-restart')] } } },
    },
    {
      telegram: { token: { env: 'DD_SWEEP_TELEGRAM' }, apiRoot: api.apiRoot },
      // A ticket system that is never reached: only its webhook is tried here.
      tickets: {
        systems: { rt: { type: 'rt', url: 'http://127.0.0.1:9/', user: 'dutydesk', token: { env: 'DD_SWEEP_RT' }, pollInterval: 'off', webhookSecret: { env: 'DD_SWEEP_WEBHOOK' } } },
        groups: { ops: { system: 'rt', queue: 'General', chat: 'ops' } },
      },
      // Forecasts of XML sent along; their database is never reached (the XML is refused first).
      forecast: { requests: path.join(dir, '{request}.xml'), database: { type: 'postgres', connectString: 'postgres://nobody@127.0.0.1:1/tasks' } },
    },
  );
  (config.roles as Record<string, { can: string[] }>).engineer.can.push('forecast', 'dump');
  config.users = config.users.map((u) => ({ ...u, telegram: { alice: ALICE.id, dan: DAN.id }[u.id] })) as typeof config.users;
  (config.chats as Record<string, unknown>).ops = { title: 'Ops', web: 'ops', telegram: OPS };
  desk = await startDesk(config, { inProcessWorker: false });
  worker = await desk.startWorkerProcess();
}, 120_000);

afterAll(async () => {
  await desk?.stop();
  await api?.stop();
  rmSync(dir, { recursive: true, force: true });
});

const ranOnHost = () => (existsSync(ran) ? readFileSync(ran, 'utf8').split('\n').filter(Boolean) : []);

/** Alice says it in her console chat; the bot's answer to it. */
async function answer(text: string): Promise<string> {
  const asked = await desk.say('alice', 'dm-alice', text);
  return (await desk.botMessage('dm-alice', (m) => Number(m.id) > Number(asked.id), `the answer to ${JSON.stringify(text.slice(0, 60))}`)).text;
}

test('unknown hosts and services, shell metacharacters and inherited names: a clear answer, no run, nothing on the host', async () => {
  const cases: [string, RegExp][] = [
    ['restart web2', /^Unknown host "web2"\. Hosts: .*web1/],
    [`restart web1;touch ${pwned}`, /^Unknown host "web1;touch"/],
    [`restart web1&&touch${'${IFS}'}${pwned}`, /^Unknown host "web1&&touch/],
    [`restart web1|sh`, /^Unknown host "web1\|sh"/],
    [`restart $(touch ${pwned})`, /^Unknown host "\$\(touch/],
    [`restart web1 app;touch${'${IFS}'}${pwned}`, /^web1 has no service "app;touch\$\{IFS\}/],
    ['restart web1 `id`', /^web1 has no service "`id`"/],
    ['restart constructor', /^Unknown host "constructor"/],
    ['restart __proto__', /^Unknown host "__proto__"/],
    ['restart web1 toString', /^web1 has no service "toString"/],
    ['restart web1 hasOwnProperty', /^web1 has no service "hasOwnProperty"/],
    ['status constructor', /^Unknown host "constructor"/],
    ['dump heap web1 __proto__', /^web1 has no service "__proto__"/],
    ['constructor', /^I do not know "constructor"/],
    ['__proto__ web1', /^I do not know "__proto__"/],
  ];
  for (const [text, expected] of cases) expect([text, await answer(text)]).toEqual([text, expect.stringMatching(expected)]);
  expect(existsSync(pwned)).toBe(false);
  expect(ranOnHost()).toEqual([]);
  const runs = [];
  for await (const wf of desk.env.client.workflow.list({ query: "WorkflowType = 'restartWorkflow'" })) runs.push(wf.workflowId);
  expect(runs).toEqual([]);
});

test('a 10 MB command is refused before it is read, as JSON that says the limit; one under the limit is answered in short', async () => {
  const huge = 'restart web1 '.padEnd(10_000_000, 'x');
  const consoleSays = await fetch(`${desk.url}/console/api/messages`, { method: 'POST', headers: { 'content-type': 'application/json' }, body: JSON.stringify({ user: 'alice', chat: 'dm-alice', text: huge }) });
  expect(consoleSays.status).toBe(413);
  expect(consoleSays.headers.get('content-type')).toContain('application/json');
  expect(((await consoleSays.json()) as { error: string }).error).toBe('the request body is over 32 KiB, the most /console/api/messages takes: send less');
  // The same from the bot API, with its token: JSON saying the limit, not an HTML error page.
  const botSays = await fetch(`${desk.url}/console/bot/send`, { method: 'POST', headers: { 'content-type': 'application/json', authorization: `Bearer ${process.env.DUTYDESK_CONSOLE_TOKEN}` }, body: JSON.stringify({ chatId: 'ops', text: huge }) });
  expect([botSays.status, ((await botSays.json()) as { error: string }).error]).toEqual([413, 'the request body is over 256 KiB, the most /console/bot/send takes: send less']);
  const notJson = await fetch(`${desk.url}/console/api/messages`, { method: 'POST', headers: { 'content-type': 'application/json' }, body: '{"user": "alice", ' });
  expect([notJson.status, await notJson.json()]).toEqual([400, { error: 'the body is not valid JSON' }]);
  // One just under the console's limit is read, and answered as the unknown service it is, echoed in short.
  expect(await answer(`restart web1 ${'x'.repeat(20_000)}`)).toBe(`web1 has no service "${'x'.repeat(79)}…". Services: app.`);
  expect(await answer('y'.repeat(20_000))).toBe(`I do not know "${'y'.repeat(79)}…". Type help for what you can do.`);
  expect(ranOnHost()).toEqual([]);
});

test('forged and copied button data are refused, in the console and in Telegram, and approve nothing', async () => {
  api.userSends(ALICE, ALICE.id, '/restart prod1');
  const request = await waitFor(() => api.botMessages(OPS).find((m) => m.text?.includes('asks to restart app on production host prod1')), 'the approval request in Telegram');
  const approve = request.reply_markup!.inline_keyboard[0][0].callback_data;
  const answered = async (id: string) => (await waitFor(() => api.answers.find((a) => a.callback_query_id === id), 'the answer to the press')).text;
  // Forged: data never signed by this bot, including a signature-sized string of another action.
  for (const data of ['AAAAAAAAAAAra:prod1', 'restart.approve:restart-prod1', `${approve.slice(0, -1)}x`, '\u0000'.repeat(64), '']) {
    expect(await answered(api.userPresses(DAN, OPS, request.message_id, data))).toContain('This button is not valid here');
  }
  // Copied: the real button pressed in another chat.
  expect(await answered(api.userPresses(DAN, DAN.id, request.message_id, approve))).toContain('This button is not valid here');
  expect((await desk.env.client.workflow.getHandle('restart-prod1').describe()).status.name).toBe('RUNNING');
  // Denied by the real button, so the run ends without touching the host.
  api.userPresses(DAN, OPS, request.message_id, request.reply_markup!.inline_keyboard[0][1].callback_data);
  expect((await desk.env.client.workflow.getHandle('restart-prod1').result()).phase).toBe('denied');

  // In the console: an action the message does not carry, a real one pressed on another message, in another chat, on no message.
  const asked = await desk.say('alice', 'dm-alice', 'restart prod1');
  const consoleRequest = await desk.botMessage('ops', (m) => Number(m.id) > Number(asked.id) && m.text.includes('asks to restart app on production host prod1') && m.buttons.length > 0, 'the approval request in the console');
  const button = (label: string) => consoleRequest.buttons.flat().find((b) => b.label === label)!.action;
  expect(await desk.press('dan', 'ops', consoleRequest.id, 'restart.approve:restart-web1')).toBe(409);
  expect(await desk.press('dan', 'ops', consoleRequest.id, `${button('Approve')}x`)).toBe(409);
  const other = await desk.say('dan', 'ops', 'help');
  expect(await desk.press('dan', 'ops', other.id, button('Approve'))).toBe(409);
  expect(await desk.press('dan', 'dm-dan', consoleRequest.id, button('Approve'))).toBe(409);
  expect(await desk.press('dan', 'ops', '999999', button('Approve'))).toBe(409);
  expect(await desk.press('dan', 'ops', 'constructor', button('Approve'))).toBe(409);
  expect((await desk.env.client.workflow.getHandle('restart-prod1').describe()).status.name).toBe('RUNNING');
  expect(await desk.press('dan', 'ops', consoleRequest.id, button('Deny'))).toBe(202);
  expect((await desk.env.client.workflow.getHandle('restart-prod1').result()).phase).toBe('denied');
  expect(ranOnHost()).toEqual([]);
});

test('ticket webhooks unsigned, forged or replayed are refused with the reason, and start nothing', async () => {
  const url = `${desk.url}/tickets/rt/webhook`;
  const post = async (body: string, headers: Record<string, string>) => {
    const res = await fetch(url, { method: 'POST', headers: { 'content-type': 'application/json', ...headers }, body });
    if (!res.headers.get('content-type')?.includes('json')) throw new Error(`${res.status}: ${await res.text()}`);
    return { status: res.status, error: ((await res.json()) as { error?: string }).error };
  };
  // About a queue no group watches: a taken one is answered "ignored", so nothing would reach RT.
  const body = JSON.stringify({ ticket: 77, queue: 'Elsewhere', timestamp: Date.now() });
  expect(await post(body, {})).toEqual({ status: 401, error: expect.stringContaining('missing or wrong X-Hub-Signature') });
  expect(await post(body, { 'x-hub-signature-256': signBody('guessed', body) })).toEqual({ status: 401, error: expect.stringContaining('missing or wrong') });
  expect((await post(body, { 'x-hub-signature-256': signBody(WEBHOOK_SECRET, body) })).status).toBe(202);
  expect(await post(body, { 'x-hub-signature-256': signBody(WEBHOOK_SECRET, body) })).toEqual({ status: 401, error: expect.stringContaining('a repeat') });
  const stale = JSON.stringify({ ticket: 77, queue: 'Elsewhere', timestamp: Date.now() - 3_600_000 });
  expect(await post(stale, { 'x-hub-signature-256': signBody(WEBHOOK_SECRET, stale) })).toEqual({ status: 401, error: expect.stringContaining('old') });
  const deep = '['.repeat(100_000) + ']'.repeat(100_000);
  expect((await post(deep, { 'x-hub-signature-256': signBody(WEBHOOK_SECRET, deep) })).status).toBeGreaterThanOrEqual(400);
  // Unsigned, or for no such system: refused before a byte of the body is read, whatever its size.
  expect((await post('x'.repeat(2_000_000), {})).status).toBe(401);
  expect((await post('x'.repeat(2_000_000), { 'x-hub-signature-256': signBody(WEBHOOK_SECRET, 'other') })).status).toBe(413);
  for (const system of ['constructor', '__proto__', 'nosuch']) {
    const res = await fetch(`${desk.url}/tickets/${system}/webhook`, { method: 'POST', body: 'x'.repeat(1_000_000) });
    expect([system, res.status, res.headers.get('connection')]).toEqual([system, 404, 'close']);
  }
  const followed = [];
  for await (const wf of desk.env.client.workflow.list({ query: "WorkflowId STARTS_WITH 'ticket-'" })) followed.push(wf.workflowId);
  expect(followed).toEqual([]);
});

test('an XML bomb and 100-deep XML sent with a forecast are refused at once, with what is wrong', async () => {
  const send = async (name: string, xml: string) => {
    const asked = await desk.sayWithFile('alice', 'dm-alice', 'forecast', { name, content: xml });
    return (await desk.botMessage('dm-alice', (m: ConsoleMessage) => Number(m.id) > Number(asked.id), `the answer to ${name}`)).text;
  };
  const bomb = `<?xml version="1.0"?>\n<!DOCTYPE lolz [<!ENTITY lol "lol">${Array.from({ length: 9 }, (_, i) => `<!ENTITY lol${i + 1} "${`&lol${i || ''};`.repeat(10)}">`).join('')}]>\n<request id="BOMB">&lol9;</request>\n`;
  expect(await send('bomb.xml', bomb)).toMatch(/^❌ No forecast for bomb\.xml: its subtask file is not valid\. .*DOCTYPE/);
  const deep = `<request id="DEEP">${'<sequence name="s">'.repeat(100)}<task id="a" type="t"/>${'</sequence>'.repeat(100)}</request>`;
  expect(await send('deep.xml', deep)).toMatch(/^❌ No forecast for deep\.xml: its subtask file is not valid\. .*nested 51 deep here, more than the limit of 50/);
  const external = '<?xml version="1.0"?>\n<!DOCTYPE r [<!ENTITY x SYSTEM "file:///etc/passwd">]>\n<request id="XXE">&x;</request>';
  const xxe = await send('xxe.xml', external);
  expect(xxe).toMatch(/^❌ No forecast for xxe\.xml: its subtask file is not valid\. .*DOCTYPE/);
  expect(xxe).not.toContain('root:');
});

test('a config with typos stops the worker and the gateway at start, naming each key and what was meant', () => {
  const file = path.join(dir, 'typo.yaml');
  writeFileSync(
    file,
    [
      'hots:',
      '  web1: { address: 127.0.0.1, transport: local, services: { app: { steps: [{ name: noop, run: "true" }] } } }',
      'roles: { engineer: { can: [status] } }',
      'users: [{ id: alice, name: Alice, roles: [engineer] }]',
      'restart: { aprovalTimeout: 5m }',
      'gateway: { listen: 127.0.0.1:1, console: { signin: demo } }',
    ].join('\n'),
  );
  for (const main of ['workers/main.ts', 'chat-gateway/main.ts']) {
    const run = spawnSync(process.execPath, ['--import', 'tsx', main, '--config', file], { cwd: ROOT, encoding: 'utf8', timeout: 60_000, env: { ...process.env, DUTYDESK_CONSOLE_TOKEN: 'x' } });
    expect([main, run.status]).toEqual([main, 1]);
    expect(run.stderr).toContain(`Invalid configuration in ${file}:`);
    expect(run.stderr).toContain('(top level): unknown key(s) "hots" (did you mean "hosts"?)');
    expect(run.stderr).toContain('restart: unknown key(s) "aprovalTimeout" (did you mean "approvalTimeout"?)');
    expect(run.stderr).toContain('gateway.console: unknown key(s) "signin" (did you mean "signIn"?)');
    // A message for people, not a stack trace.
    expect(run.stderr).not.toMatch(/\n\s+at /);
  }
});

test('after all that, every process is up and a real restart runs', async () => {
  expect(worker.exitCode).toBeNull();
  expect((await fetch(`${desk.url}/healthz`)).status).toBe(200);
  const asked = await desk.say('alice', 'dm-alice', 'restart web1');
  // Its progress message (the "up again" one may come right after it).
  await desk.botMessage('dm-alice', (m) => Number(m.id) > Number(asked.id) && m.text.includes('Restart app on web1'), 'the progress of the real restart');
  await waitFor(() => ranOnHost().length === 2, 'both steps on the host');
  expect(ranOnHost()).toEqual(['stop', 'start']);
  expect(worker.exitCode).toBeNull();
});
