/**
 * The gateway process outlives its peers: started while Temporal and the
 * Telegram Bot API are both down, it serves the console and answers health
 * checks; a stranger writing meanwhile (whose refusal and the admins' notice
 * both need Temporal) does not bring it down; and when the two come back on
 * their addresses, the gateway uses them without a restart.
 */
import { spawn, type ChildProcess } from 'node:child_process';
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { TestWorkflowEnvironment } from '@temporalio/testing';
import { stringify } from 'yaml';
import { SEARCH_ATTRIBUTES } from '../../lib/search-attributes';
import { temporalCliPath } from '../helpers/desk';
import { freePort, waitFor } from '../helpers/wait';
import { TelegramBotApi } from '../peers/telegram-bot-api';

const ROOT = path.resolve(__dirname, '../..');
let dir: string;
let gateway: ChildProcess;
let output = '';
let url: string;
let temporalPort: number;
let telegramPort: number;
let env: TestWorkflowEnvironment | undefined;
let api: TelegramBotApi | undefined;

beforeAll(async () => {
  dir = mkdtempSync(path.join(os.tmpdir(), 'dutydesk-outages-'));
  [temporalPort, telegramPort] = [await freePort(), await freePort()];
  const port = await freePort();
  url = `http://127.0.0.1:${port}`;
  const token = '123456:outage-test-token';
  const config = {
    temporal: { address: `127.0.0.1:${temporalPort}` },
    gateway: { listen: `127.0.0.1:${port}`, consoleToken: { env: 'DUTYDESK_CONSOLE_TOKEN' }, console: { signIn: 'demo' } },
    telegram: { token: { env: 'DD_OUTAGE_TELEGRAM' }, apiRoot: `http://127.0.0.1:${telegramPort}` },
    hosts: { web1: { address: '127.0.0.1', transport: 'local', services: { app: { steps: [{ name: 'noop', run: 'true' }] } } } },
    roles: { engineer: { can: ['status', 'restart'] } },
    users: [{ id: 'alice', name: 'Alice', roles: ['engineer'], telegram: 4001 }],
    chats: { ops: { title: 'Ops', web: 'ops' } },
    notify: { admins: 'ops' },
  };
  const file = path.join(dir, 'dutydesk.yaml');
  writeFileSync(file, stringify(config));
  gateway = spawn(process.execPath, ['--import', 'tsx', path.join(ROOT, 'chat-gateway/main.ts'), '--config', file], {
    cwd: ROOT,
    env: { ...process.env, DUTYDESK_CONSOLE_TOKEN: 'outage-console-token', DD_OUTAGE_TELEGRAM: token, DUTYDESK_DATA_DIR: path.join(dir, 'data') },
    stdio: ['ignore', 'pipe', 'pipe'],
  });
  gateway.stdout?.on('data', (c) => (output += c));
  gateway.stderr?.on('data', (c) => (output += c));
}, 60_000);

afterAll(async () => {
  gateway?.kill('SIGKILL');
  await api?.stop();
  await env?.teardown();
  rmSync(dir, { recursive: true, force: true });
});

const alive = () => gateway.exitCode === null && gateway.signalCode === null;

test('with Temporal and Telegram down, the gateway starts, serves the console and says what it waits for', async () => {
  await waitFor(async () => {
    if (!alive()) throw new Error(`the gateway exited: ${output}`);
    return (await fetch(`${url}/healthz`).catch(() => undefined))?.status === 200;
  }, 'the gateway to answer', 60_000);
  expect((await fetch(`${url}/`)).status).toBe(200);
  await waitFor(() => output.includes('Telegram does not answer') && output.includes('trying again in'), 'the gateway saying it tries Telegram again');
  expect(alive()).toBe(true);
});

test('a stranger writing while Temporal is down is logged, and the gateway stays up', async () => {
  const res = await fetch(`${url}/console/api/messages`, { method: 'POST', headers: { 'content-type': 'application/json' }, body: JSON.stringify({ user: 'mallory', chat: 'dm-mallory', text: 'restart web1' }) });
  expect(res.status).toBe(202);
  await waitFor(() => output.includes('a message from mallory on web could not be handled'), 'the failure in the log');
  const pressed = await fetch(`${url}/console/api/messages`, { method: 'POST', headers: { 'content-type': 'application/json' }, body: JSON.stringify({ user: 'alice', chat: 'dm-alice', text: 'restart web1' }) });
  expect(pressed.status).toBe(202);
  await waitFor(() => output.includes('a message from alice on web could not be handled') || output.includes('"restart web1" by alice failed'), "alice's command failing in the log");
  expect(alive()).toBe(true);
  expect((await fetch(`${url}/healthz`)).status).toBe(200);
});

test('Temporal and Telegram back on their addresses: the gateway uses them without a restart', async () => {
  api = await new TelegramBotApi(undefined, '123456:outage-test-token').start(telegramPort);
  env = await TestWorkflowEnvironment.createLocal({
    server: { executable: { type: 'existing-path', path: temporalCliPath() }, ip: '127.0.0.1', port: temporalPort, searchAttributes: SEARCH_ATTRIBUTES, log: { format: 'pretty', level: 'error' } },
  });
  // Telegram: the bot starts polling once the API answers (backoff of up to a minute; the test waits for it).
  await waitFor(() => output.includes('Telegram bot polling for updates'), 'the bot polling Telegram', 90_000);
  // Temporal: a command reaches it once the client has reconnected (the run waits there for a worker).
  await waitFor(async () => {
    await fetch(`${url}/console/api/messages`, { method: 'POST', headers: { 'content-type': 'application/json' }, body: JSON.stringify({ user: 'alice', chat: 'dm-alice', text: 'restart web1' }) });
    return env!.client.workflow.getHandle('restart-web1').describe().then(() => true, () => false);
  }, "alice's restart in Temporal", 60_000, 2_000);
  expect(alive()).toBe(true);
}, 300_000);
