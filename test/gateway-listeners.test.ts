/**
 * Public intake and the console on listeners of their own
 * (gateway.intakeListen): what outside services must reach (Slack events, the
 * Telegram webhook, ticket webhooks, dump links) is served there and nowhere
 * else, the console and its APIs are not served there at all, and a config
 * that would put both on one port, or the demo console beyond loopback, is
 * refused with what to change. Intake checks its caller before it reads a
 * body: the Slack and Telegram webhooks refuse an unsigned request of any size
 * unread.
 */
import { createHmac } from 'node:crypto';
import http, { type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import { Client, Connection } from '@temporalio/client';
import type { Express } from 'express';
import { parseConfig } from '../config/load';
import { createGateway } from '../chat-gateway/app';
import { waitFor } from './helpers/wait';

const SIGNING = 'listeners-slack-signing-secret';
const TELEGRAM_SECRET = 'listeners-telegram-secret';
const servers: Server[] = [];
let consoleUrl: string;
let intakeUrl: string;

const minimal = (gateway: Record<string, unknown>, extra: Record<string, unknown> = {}) => ({
  gateway,
  hosts: { web1: { address: '127.0.0.1', transport: 'local', services: { app: { steps: [{ name: 'noop', run: 'true' }] } } } },
  roles: { engineer: { can: ['status'] } },
  chats: { ops: { title: 'Ops', web: 'ops' } },
  users: [{ id: 'alice', name: 'Alice', roles: ['engineer'] }],
  ...extra,
});

async function serve(app: Express): Promise<string> {
  const server = await new Promise<Server>((resolve) => {
    const s = app.listen(0, '127.0.0.1', () => resolve(s));
  });
  servers.push(server);
  return `http://127.0.0.1:${(server.address() as AddressInfo).port}`;
}

beforeAll(async () => {
  Object.assign(process.env, {
    DD_LISTEN_SLACK_BOT: 'xoxb-listeners',
    DD_LISTEN_SLACK_SIGNING: SIGNING,
    DD_LISTEN_TELEGRAM: '123:listeners',
    DD_LISTEN_TELEGRAM_SECRET: TELEGRAM_SECRET,
    DD_LISTEN_RT_WEBHOOK: 'listeners-rt-webhook',
    DD_LISTEN_DUMP_LINKS: 'listeners-dump-links',
  });
  const config = parseConfig(
    minimal(
      { listen: '127.0.0.1:0', intakeListen: '127.0.0.1:1', console: { signIn: 'chat' } },
      {
        slack: { botToken: { env: 'DD_LISTEN_SLACK_BOT' }, signingSecret: { env: 'DD_LISTEN_SLACK_SIGNING' } },
        telegram: { token: { env: 'DD_LISTEN_TELEGRAM' }, webhook: { publicUrl: 'https://bot.example.com', secretToken: { env: 'DD_LISTEN_TELEGRAM_SECRET' } } },
        tickets: {
          systems: { rt: { type: 'rt', url: 'http://127.0.0.1:9/', user: 'dutydesk', token: { env: 'DD_LISTEN_RT_WEBHOOK' }, pollInterval: 'off', webhookSecret: { env: 'DD_LISTEN_RT_WEBHOOK' } } },
          groups: { ops: { system: 'rt', queue: 'General', chat: 'ops' } },
        },
        dumps: { linkSecret: { env: 'DD_LISTEN_DUMP_LINKS' } },
      },
    ),
    '/tmp/listeners.yaml',
  );
  // Nothing here reaches Temporal: a lazy connection that is never used.
  const client = new Client({ connection: Connection.lazy({ address: '127.0.0.1:9' }) });
  const gateway = createGateway({ config, client, botToken: 'x'.repeat(32), log: () => undefined });
  expect(gateway.intakeApp).toBeDefined();
  consoleUrl = await serve(gateway.app);
  intakeUrl = await serve(gateway.intakeApp as Express);
});

afterAll(async () => {
  for (const server of servers) {
    server.closeAllConnections();
    await new Promise((r) => server.close(r));
  }
});

const INTAKE = [
  ['POST', '/slack/events'],
  ['POST', '/telegram/webhook'],
  ['POST', '/tickets/rt/webhook'],
  ['GET', '/dumps/heap.hprof?expires=1&sig=x'],
] as const;
const CONSOLE = [
  ['GET', '/'],
  ['GET', '/console/api/me'],
  ['POST', '/console/api/press'],
  ['POST', '/console/bot/send'],
  ['GET', '/console/signin?t=x'],
  ['GET', '/api/v1/ola?period=today'],
] as const;

test.each(INTAKE)('intake %s %s is served on intakeListen only', async (method, route) => {
  expect((await fetch(`${intakeUrl}${route}`, { method, body: method === 'POST' ? '{}' : undefined })).status).not.toBe(404);
  expect((await fetch(`${consoleUrl}${route}`, { method, body: method === 'POST' ? '{}' : undefined })).status).toBe(404);
});

test.each(CONSOLE)('console %s %s is served on listen, not on intakeListen', async (method, route) => {
  expect((await fetch(`${consoleUrl}${route}`, { method, body: method === 'POST' ? '{}' : undefined })).status).not.toBe(404);
  expect((await fetch(`${intakeUrl}${route}`, { method, body: method === 'POST' ? '{}' : undefined })).status).toBe(404);
});

test('both answer health checks', async () => {
  expect(((await fetch(`${consoleUrl}/healthz`)).status)).toBe(200);
  expect(((await fetch(`${intakeUrl}/healthz`)).status)).toBe(200);
});

test('an unsigned Slack request is refused before its body is read, a stale one too, a huge signed one by size', async () => {
  const unsigned = await fetch(`${intakeUrl}/slack/events`, { method: 'POST', headers: { 'content-type': 'application/json' }, body: 'x'.repeat(5_000_000) });
  expect(unsigned.status).toBe(401);
  expect(((await unsigned.json()) as { error: string }).error).toContain('only Slack posts here');
  const sign = (ts: number, body: string) => `v0=${createHmac('sha256', SIGNING).update(`v0:${ts}:${body}`).digest('hex')}`;
  const stale = Math.floor(Date.now() / 1000) - 600;
  const old = await fetch(`${intakeUrl}/slack/events`, { method: 'POST', headers: { 'x-slack-signature': sign(stale, '{}'), 'x-slack-request-timestamp': String(stale), 'content-type': 'application/json' }, body: '{}' });
  expect(old.status).toBe(401);
  expect(((await old.json()) as { error: string }).error).toContain('more than five minutes off');
  const now = Math.floor(Date.now() / 1000);
  const big = 'x'.repeat(2_000_000);
  expect((await fetch(`${intakeUrl}/slack/events`, { method: 'POST', headers: { 'x-slack-signature': sign(now, big), 'x-slack-request-timestamp': String(now), 'content-type': 'application/json' }, body: big })).status).toBe(413);
  // Signed right: Bolt takes it (a URL verification answers its challenge).
  const challenge = JSON.stringify({ type: 'url_verification', challenge: 'c-123' });
  const ok = await fetch(`${intakeUrl}/slack/events`, { method: 'POST', headers: { 'x-slack-signature': sign(now, challenge), 'x-slack-request-timestamp': String(now), 'content-type': 'application/json' }, body: challenge });
  expect(ok.status).toBe(200);
  expect(await ok.text()).toContain('c-123');
  // Signed with another secret: Bolt's own check refuses it.
  const forged = `v0=${createHmac('sha256', 'not-the-secret').update(`v0:${now}:${challenge}`).digest('hex')}`;
  expect((await fetch(`${intakeUrl}/slack/events`, { method: 'POST', headers: { 'x-slack-signature': forged, 'x-slack-request-timestamp': String(now), 'content-type': 'application/json' }, body: challenge })).status).toBe(401);
});

test('a Telegram update without the secret token is refused before its body is parsed', async () => {
  const broken = await fetch(`${intakeUrl}/telegram/webhook`, { method: 'POST', headers: { 'content-type': 'application/json' }, body: '{"update_id": 1, ' + '"x": ['.repeat(10_000) });
  expect(broken.status).toBe(401);
  const wrong = await fetch(`${intakeUrl}/telegram/webhook`, { method: 'POST', headers: { 'content-type': 'application/json', 'x-telegram-bot-api-secret-token': 'guess' }, body: '{"update_id": 1}' });
  expect(wrong.status).toBe(401);
  const big = await fetch(`${intakeUrl}/telegram/webhook`, { method: 'POST', headers: { 'content-type': 'application/json', 'x-telegram-bot-api-secret-token': TELEGRAM_SECRET }, body: JSON.stringify({ update_id: 1, pad: 'x'.repeat(2_000_000) }) });
  expect(big.status).toBe(413);
});

test('a config that puts intake on the console\'s port, or the demo console beyond loopback, is refused with what to change', () => {
  expect(() => parseConfig(minimal({ listen: '127.0.0.1:8080', intakeListen: '127.0.0.1:8080' }), '/tmp/x.yaml')).toThrow(
    'gateway.intakeListen: intakeListen 127.0.0.1:8080 takes the port of listen 127.0.0.1:8080: give public intake another port (such as 127.0.0.1:8081), or leave intakeListen out to serve both on listen',
  );
  expect(() => parseConfig(minimal({ listen: '127.0.0.1:8080', intakeListen: '0.0.0.0:8080' }), '/tmp/x.yaml')).toThrow('takes the port of listen');
  expect(() => parseConfig(minimal({ listen: '0.0.0.0:8080', intakeListen: '0.0.0.0:8081', console: { signIn: 'demo' } }), '/tmp/x.yaml')).toThrow('set gateway.listen to 127.0.0.1:8080');
  // The demo console on loopback with intake public is fine: intake carries no console.
  expect(() => parseConfig(minimal({ listen: '127.0.0.1:8080', intakeListen: '0.0.0.0:8081', console: { signIn: 'demo' } }), '/tmp/x.yaml')).not.toThrow();
  expect(() => parseConfig(minimal({ listen: '127.0.0.1:8080', intakeListen: 'intake' }), '/tmp/x.yaml')).toThrow('gateway.intakeListen: expected host:port');
});

test('at most 32 Slack bodies are read at once before their signature can be checked; the next waits with a 503', async () => {
  const { port } = new URL(intakeUrl);
  const now = Math.floor(Date.now() / 1000);
  const headers = { 'content-type': 'application/json', 'x-slack-signature': `v0=${'0'.repeat(64)}`, 'x-slack-request-timestamp': String(now), 'content-length': '1000' };
  // Well-formed fakes that send their body slowly: each holds a reading slot.
  const slow = Array.from({ length: 32 }, () => {
    const req = http.request({ host: '127.0.0.1', port, path: '/slack/events', method: 'POST', headers });
    req.on('error', () => undefined);
    req.write('{');
    return req;
  });
  await waitFor(async () => {
    const res = await fetch(`${intakeUrl}/slack/events`, { method: 'POST', headers, body: '{}'.padEnd(1000) });
    return res.status === 503 ? res : undefined;
  }, 'a 503 for the 33rd');
  for (const req of slow) req.destroy();
  // Slots come back as those requests go.
  await waitFor(async () => (await fetch(`${intakeUrl}/slack/events`, { method: 'POST', headers, body: '{}'.padEnd(1000) })).status === 401, 'a slot again');
});
