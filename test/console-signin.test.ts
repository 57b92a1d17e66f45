/**
 * Signing in to the web console in a real deployment (gateway.console.signIn
 * chat): nobody acts as anyone by naming them, `console` in a Telegram direct
 * chat brings a one-time link (straight from the gateway, never through
 * workflow history), the link's page uses it up only by its button, and the
 * session acts as its person whatever a request body says. Also the proxy
 * mode's header, believed from the proxy only, and the demo mode's limits.
 */
import { readFileSync } from 'node:fs';
import type { Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import path from 'node:path';
import { parseConfig } from '../config/load';
import { createGateway } from '../chat-gateway/app';
import { baseConfig, startDesk, type Desk } from './helpers/desk';
import { waitFor } from './helpers/wait';
import { TelegramBotApi } from './peers/telegram-bot-api';

const ALICE = { id: 1001, first_name: 'Alice' };
const OPS = -100500;
let api: TelegramBotApi;
let desk: Desk;

beforeAll(async () => {
  api = await new TelegramBotApi().start();
  process.env.DD_SIGNIN_TELEGRAM_TOKEN = api.token;
  const config = baseConfig(
    { prod1: { address: '127.0.0.1', transport: 'local', groups: ['test'], production: true, services: { app: { steps: [{ name: 'restart', title: 'restart', run: 'true' }] } } } },
    { telegram: { token: { env: 'DD_SIGNIN_TELEGRAM_TOKEN' }, apiRoot: api.apiRoot }, gateway: { console: { signIn: 'chat' } } },
  );
  config.users = config.users.map((u) => ({ ...u, telegram: { alice: 1001, bob: 1002 }[u.id] })) as typeof config.users;
  (config.chats as Record<string, unknown>).ops = { title: 'Ops', web: 'ops', telegram: OPS };
  desk = await startDesk(config);
}, 120_000);

afterAll(async () => {
  await desk?.stop();
  await api?.stop();
});

const json = (body: unknown) => ({ method: 'POST', headers: { 'content-type': 'application/json' }, body: JSON.stringify(body) });

test('without a session nobody reads or acts, whatever the body names', async () => {
  const press = await fetch(`${desk.url}/console/api/press`, json({ user: 'bob', chat: 'ops', messageId: '1', action: 'restart.approve:restart-prod1' }));
  expect(press.status).toBe(401);
  expect(((await press.json()) as { error: string }).error).toContain('write "console" to the bot');
  expect((await fetch(`${desk.url}/console/api/messages`, json({ user: 'alice', chat: 'dm-alice', text: 'restart prod1' }))).status).toBe(401);
  expect((await fetch(`${desk.url}/console/api/messages?chat=ops`)).status).toBe(401);
  expect((await fetch(`${desk.url}/console/api/events?chat=ops`)).status).toBe(401);
  expect((await fetch(`${desk.url}/console/api/home?user=bob`)).status).toBe(401);
  expect((await fetch(`${desk.url}/console/api/users`)).status).toBe(404);
  expect((await fetch(`${desk.url}/console/api/upload?name=x.xml`, { method: 'POST', body: 'x' })).status).toBe(401);
  const me = await fetch(`${desk.url}/console/api/me`);
  expect([me.status, ((await me.json()) as { signIn: string }).signIn]).toEqual([401, 'chat']);
});

test('console in Telegram: a one-time link in the direct chat, used up by its button, makes a session that acts as Alice only', async () => {
  api.userSends(ALICE, ALICE.id, '/console');
  const sent = await waitFor(() => api.botMessages(ALICE.id).find((m) => m.text?.includes('/console/signin?t=')), 'the sign-in link');
  const link = /(http:\/\/\S+\/console\/signin\?t=\S+)/.exec(sent.text ?? '')?.[1] as string;
  // Not through the outbox, so not in any workflow's history.
  const outboxes = [];
  for await (const wf of desk.env.client.workflow.list({ query: `WorkflowId STARTS_WITH 'outbox-telegram-${ALICE.id}'` })) outboxes.push(wf.workflowId);
  for (const id of outboxes) {
    const history = JSON.stringify((await desk.env.client.workflow.getHandle(id).fetchHistory()).events ?? []);
    expect(history).not.toContain('signin?t=');
  }

  // A link preview (GET) does not use it up; the page has no script.
  const page = await fetch(link);
  const html = await page.text();
  expect(page.status).toBe(200);
  expect(html).not.toContain('<script');
  // It says whom it signs in, so someone handed another person's link can tell.
  expect(html).toContain('Sign in to the dutydesk console as <b>Alice</b> (alice)');
  const token = new URL(link).searchParams.get('t') as string;
  const signIn = (t: string, origin?: string) =>
    fetch(`${desk.url}/console/signin`, { method: 'POST', redirect: 'manual', headers: { 'content-type': 'application/x-www-form-urlencoded', ...(origin ? { origin } : {}) }, body: new URLSearchParams({ t }) });
  expect((await signIn(token, 'https://evil.example')).status).toBe(400);
  const signedIn = await signIn(token);
  expect(signedIn.status).toBe(303);
  const cookie = signedIn.headers.getSetCookie()[0];
  expect(cookie).toMatch(/^dutydesk_session=[^;]+; Path=\/; HttpOnly; SameSite=Strict; Max-Age=43200$/);
  const session = cookie.split(';')[0];
  // Once only.
  expect((await signIn(token)).status).toBe(401);
  expect((await fetch(link)).status).toBe(400);
  // A forged token: refused.
  expect((await signIn(`${token.split('.')[0]}.${'A'.repeat(43)}`)).status).toBe(401);

  const me = (await (await fetch(`${desk.url}/console/api/me`, { headers: { cookie: session } })).json()) as { user: { id: string } };
  expect(me.user.id).toBe('alice');
  // The body names Bob: the session is Alice's, so she writes in her own chat and Bob's stays closed.
  const asBob = await fetch(`${desk.url}/console/api/messages`, { ...json({ user: 'bob', chat: 'dm-bob', text: 'help' }), headers: { 'content-type': 'application/json', cookie: session } });
  expect(asBob.status).toBe(403);
  expect((await fetch(`${desk.url}/console/api/messages?chat=dm-bob`, { headers: { cookie: session } })).status).toBe(403);
  const own = await fetch(`${desk.url}/console/api/messages`, { ...json({ user: 'bob', chat: 'dm-alice', text: 'help' }), headers: { 'content-type': 'application/json', cookie: session } });
  expect(own.status).toBe(202);
  expect(((await own.json()) as { userId: string }).userId).toBe('alice');
  const mine = async () => (await (await fetch(`${desk.url}/console/api/messages?chat=dm-alice`, { headers: { cookie: session } })).json()) as { from: string; text: string }[];
  await waitFor(async () => (await mine()).some((m) => m.from === 'bot' && m.text.startsWith('dutydesk: what you can do, Alice')), "the help answer in Alice's chat");
  // Another site's page cannot use her session.
  const crossSite = await fetch(`${desk.url}/console/api/messages`, { ...json({ chat: 'dm-alice', text: 'help' }), headers: { 'content-type': 'application/json', cookie: session, origin: 'https://evil.example' } });
  expect(crossSite.status).toBe(403);
  // A browser that names no origin still says the request is another site's.
  const fromElsewhere = await fetch(`${desk.url}/console/api/messages`, { ...json({ chat: 'dm-alice', text: 'help' }), headers: { 'content-type': 'application/json', cookie: session, 'sec-fetch-site': 'cross-site' } });
  expect(fromElsewhere.status).toBe(403);

  // Signed out: the cookie no longer works.
  expect((await fetch(`${desk.url}/console/signout`, { method: 'POST', headers: { cookie: session } })).status).toBe(204);
  expect((await fetch(`${desk.url}/console/api/me`, { headers: { cookie: session } })).status).toBe(401);
});

test('console asked in a group chat: no link there', async () => {
  api.userSends(ALICE, OPS, '/console');
  await waitFor(() => api.botMessages(OPS).find((m) => m.text?.startsWith('Write console to me in our direct chat')), 'the answer in the group');
  expect(api.botMessages(OPS).some((m) => m.text?.includes('signin?t='))).toBe(false);
});

const minimal = (gateway: Record<string, unknown>) => ({
  gateway,
  hosts: { web1: { address: '127.0.0.1', transport: 'local', services: { app: { steps: [{ name: 'noop', run: 'true' }] } } } },
  roles: { engineer: { can: ['status'] } },
  users: [{ id: 'alice', name: 'Alice', roles: ['engineer'] }],
});

test('the demo picker is refused beyond loopback, and proxy sign-in needs the proxy addresses', () => {
  expect(() => parseConfig(minimal({ listen: '0.0.0.0:8080', console: { signIn: 'demo' } }), '/tmp/x.yaml')).toThrow('gateway.console.signIn: gateway.console.signIn demo lets anyone who reaches the console act as anyone, so it listens on loopback only: set gateway.listen to 127.0.0.1:8080');
  expect(() => parseConfig(minimal({ listen: '127.0.0.1:8080', console: { signIn: 'demo' } }), '/tmp/x.yaml')).not.toThrow();
  expect(() => parseConfig(minimal({ console: { signIn: 'proxy' } }), '/tmp/x.yaml')).toThrow('gateway.console.proxy: signIn proxy needs proxy.from');
});

test.each([
  ['127.0.0.1', 200],
  ['10.0.0.5', 401],
] as const)('proxy sign-in: the identity header is believed only from the proxy (configured %s)', async (proxyAddress, expected) => {
  // A gateway alone (no worker needed): this test reaches it from 127.0.0.1, the proxy's address or not.
  const config = parseConfig({ ...minimal({ listen: '127.0.0.1:0', console: { signIn: 'proxy', proxy: { header: 'X-Forwarded-User', from: [proxyAddress] } } }) }, '/tmp/proxy.yaml');
  const gateway = createGateway({ config, client: desk.env.client, botToken: 'x'.repeat(32), log: () => undefined });
  const server = await new Promise<Server>((resolve) => {
    const s = gateway.app.listen(0, '127.0.0.1', () => resolve(s));
  });
  try {
    const me = await fetch(`http://127.0.0.1:${(server.address() as AddressInfo).port}/console/api/me`, { headers: { 'x-forwarded-user': 'alice' } });
    expect(me.status).toBe(expected);
    if (expected === 200) expect(((await me.json()) as { user: { id: string } }).user.id).toBe('alice');
  } finally {
    await new Promise((r) => server.close(r));
  }
});

test('a file handed over in a chat is served only to who may read that chat', async () => {
  const bot = { authorization: 'Bearer test-console-token' };
  const up = (await (await fetch(`${desk.url}/console/bot/upload`, { method: 'POST', headers: bot, body: 'heap dump bytes' })).json()) as { fileId: string };
  const sent = await fetch(`${desk.url}/console/bot/send`, { method: 'POST', headers: { ...bot, 'content-type': 'application/json' }, body: JSON.stringify({ chatId: 'dm-alice', text: 'Your dump', attachment: { fileId: up.fileId, name: 'app.hprof.gz' } }) });
  expect(sent.status).toBe(200);
  expect((await fetch(`${desk.url}/console/files/${up.fileId}`)).status).toBe(401);
  // Bob signs in by his own link: Alice's file is not his to have.
  api.userSends({ id: 1002, first_name: 'Bob' }, 1002, '/console');
  const link = await waitFor(() => /(http:\/\/\S+\/console\/signin\?t=\S+)/.exec(api.botMessages(1002).find((m) => m.text?.includes('signin?t='))?.text ?? '')?.[1], "Bob's link");
  const signedIn = await fetch(`${desk.url}/console/signin`, { method: 'POST', redirect: 'manual', headers: { 'content-type': 'application/x-www-form-urlencoded' }, body: new URLSearchParams({ t: new URL(link).searchParams.get('t') as string }) });
  const bob = signedIn.headers.getSetCookie()[0].split(';')[0];
  expect((await fetch(`${desk.url}/console/files/${up.fileId}`, { headers: { cookie: bob } })).status).toBe(403);
});

/** Writes `console` to the bot in a Telegram direct chat and signs in by the link: the session cookie ("name=value"). */
async function signedInAs(person: { id: number; first_name: string }): Promise<string> {
  const before = api.botMessages(person.id).length;
  api.userSends(person, person.id, '/console');
  const link = await waitFor(() => /(http:\/\/\S+\/console\/signin\?t=\S+)/.exec(api.botMessages(person.id).slice(before).find((m) => m.text?.includes('signin?t='))?.text ?? '')?.[1], `${person.first_name}'s link`);
  const signedIn = await fetch(`${desk.url}/console/signin`, { method: 'POST', redirect: 'manual', headers: { 'content-type': 'application/x-www-form-urlencoded' }, body: new URLSearchParams({ t: new URL(link).searchParams.get('t') as string }) });
  expect(signedIn.status).toBe(303);
  return signedIn.headers.getSetCookie()[0].split(';')[0];
}

test('a live page of a session ends when the session is signed out, and sign-ins and sign-outs are in the audit trail', async () => {
  const session = await signedInAs(ALICE);
  const stream = await fetch(`${desk.url}/console/api/events?chat=dm-alice`, { headers: { cookie: session } });
  expect(stream.status).toBe(200);
  const reader = stream.body!.getReader();
  expect(new TextDecoder().decode((await reader.read()).value)).toContain(': connected');
  expect((await fetch(`${desk.url}/console/signout`, { method: 'POST', headers: { cookie: session } })).status).toBe(204);
  // The stream ends by itself (read() resolves done), without waiting for the next ping.
  let done = false;
  while (!done) done = (await reader.read()).done;
  const audit = path.join(path.dirname(desk.configFile), '.data', 'audit.jsonl');
  const lines = await waitFor(() => {
    const entries = readFileSync(audit, 'utf8').trim().split('\n').map((l) => JSON.parse(l) as { who: string; what: string; outcome: string; detail?: string });
    return entries.some((e) => e.what === 'console sign-out') ? entries : undefined;
  }, 'the sign-out in the audit trail');
  expect(lines).toEqual(expect.arrayContaining([
    expect.objectContaining({ who: 'alice', platform: 'web', what: 'console sign-in', outcome: 'done' }),
    expect.objectContaining({ who: 'alice', platform: 'web', what: 'console sign-out', outcome: 'done' }),
  ]));
});

test('one person follows at most 20 chats live at once', async () => {
  const session = await signedInAs(ALICE);
  const open: AbortController[] = [];
  try {
    for (let i = 0; i < 20; i++) {
      const abort = new AbortController();
      open.push(abort);
      expect((await fetch(`${desk.url}/console/api/events?chat=ops`, { headers: { cookie: session }, signal: abort.signal })).status).toBe(200);
    }
    const more = await fetch(`${desk.url}/console/api/events?chat=ops`, { headers: { cookie: session } });
    expect([more.status, ((await more.json()) as { error: string }).error]).toEqual([429, 'you follow 20 chats live already; close some console tabs']);
  } finally {
    for (const abort of open) abort.abort();
  }
});
