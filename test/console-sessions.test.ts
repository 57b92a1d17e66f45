/**
 * Console sessions across a gateway restart and over https: a used link and a
 * signed-out session stay so when the gateway starts again with the same data
 * folder, and behind https the cookie is __Host- prefixed and Secure (and the
 * unprefixed one, which a sibling subdomain could set, is not believed).
 */
import { mkdtempSync, rmSync, statSync, writeFileSync } from 'node:fs';
import type { Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import os from 'node:os';
import path from 'node:path';
import { Client, Connection } from '@temporalio/client';
import { parseConfig } from '../config/load';
import { createGateway } from '../chat-gateway/app';
import { ConsoleSessions } from '../chat-gateway/web-console/sessions';

let dir: string;
beforeAll(() => {
  dir = mkdtempSync(path.join(os.tmpdir(), 'dutydesk-sessions-'));
});
afterAll(() => rmSync(dir, { recursive: true, force: true }));

const KEY = Buffer.alloc(32, 7);

test('a used link and a signed-out session stay so after a restart', () => {
  const file = path.join(dir, 'console-signed-out.json');
  const before = new ConsoleSessions(KEY, 3_600_000, Date.now, file);
  const link = before.link('alice');
  const unused = before.link('alice');
  expect(before.redeem(link)).toEqual({ userId: 'alice' });
  const cookie = before.start('alice');
  const kept = before.start('alice');
  before.signOut(before.session(cookie)!);
  expect(statSync(file).mode & 0o777).toBe(0o600);

  const after = new ConsoleSessions(KEY, 3_600_000, Date.now, file);
  expect(after.redeem(link)).toEqual({ error: 'used' });
  expect(after.session(cookie)).toBeUndefined();
  // What was not used up or signed out still works.
  expect(after.session(kept)?.userId).toBe('alice');
  expect(after.redeem(unused)).toEqual({ userId: 'alice' });
});

test('a kept file that is broken or hostile is ignored, not fatal', () => {
  const file = path.join(dir, 'broken.json');
  writeFileSync(file, '{"used": [["x", "soon"], 5, null], "signedOut": {"__proto__": 1}}');
  const sessions = new ConsoleSessions(KEY, 3_600_000, Date.now, file);
  expect(sessions.session(sessions.start('bob'))?.userId).toBe('bob');
  writeFileSync(file, 'not json');
  expect(() => new ConsoleSessions(KEY, 3_600_000, Date.now, file)).not.toThrow();
});

test('behind https the session cookie is __Host- prefixed and Secure, and only that one is believed', async () => {
  process.env.DD_SESSIONS_KEY = 'k'.repeat(40);
  const config = parseConfig(
    {
      gateway: { listen: '127.0.0.1:0', console: { signIn: 'chat', publicUrl: 'https://dutydesk.example.com', sessionKey: { env: 'DD_SESSIONS_KEY' } } },
      hosts: { web1: { address: '127.0.0.1', transport: 'local', services: { app: { steps: [{ name: 'noop', run: 'true' }] } } } },
      roles: { engineer: { can: ['status'] } },
      users: [{ id: 'alice', name: 'Alice', roles: ['engineer'] }],
    },
    path.join(dir, 'https.yaml'),
  );
  const client = new Client({ connection: Connection.lazy({ address: '127.0.0.1:9' }) });
  const gateway = createGateway({ config, client, botToken: 'x'.repeat(32), consoleFile: path.join(dir, 'https', 'console-messages.json'), log: () => undefined });
  const server = await new Promise<Server>((resolve) => {
    const s = gateway.app.listen(0, '127.0.0.1', () => resolve(s));
  });
  const url = `http://127.0.0.1:${(server.address() as AddressInfo).port}`;
  try {
    // The link the bot would send (the gateway makes it; only the chat delivers it).
    const signInUrl = new URL(gateway.dispatcher.signInLink!('alice'));
    const signedIn = await fetch(`${url}/console/signin`, { method: 'POST', redirect: 'manual', headers: { 'content-type': 'application/x-www-form-urlencoded' }, body: new URLSearchParams({ t: signInUrl.searchParams.get('t') as string }) });
    const cookie = signedIn.headers.getSetCookie()[0];
    expect(cookie).toMatch(/^__Host-dutydesk_session=[^;]+; Path=\/; HttpOnly; SameSite=Strict; Max-Age=43200; Secure$/);
    const value = cookie.split(';')[0].split('=').slice(1).join('=');
    expect((await fetch(`${url}/console/api/me`, { headers: { cookie: `__Host-dutydesk_session=${value}` } })).status).toBe(200);
    expect((await fetch(`${url}/console/api/me`, { headers: { cookie: `dutydesk_session=${value}` } })).status).toBe(401);
    const out = await fetch(`${url}/console/signout`, { method: 'POST', headers: { cookie: `__Host-dutydesk_session=${value}` } });
    expect(out.headers.getSetCookie()[0]).toBe('__Host-dutydesk_session=; Path=/; HttpOnly; SameSite=Strict; Max-Age=0; Secure');
  } finally {
    server.closeAllConnections();
    await new Promise((r) => server.close(r));
  }
});

test('a renewed session\'s old cookie works a minute more (requests already sent), a signed-out one stops at once', () => {
  let now = 1_000_000;
  const sessions = new ConsoleSessions(KEY, 3_600_000, () => now);
  const old = sessions.start('alice');
  now += 31 * 60_000;
  const current = sessions.session(old)!;
  expect(sessions.needsRotation(current)).toBe(true);
  sessions.retire(current);
  // Renewed once: the requests that follow with the old cookie do not renew it again.
  expect(sessions.needsRotation(sessions.session(old)!)).toBe(false);
  now += 59_000;
  expect(sessions.session(old)?.userId).toBe('alice');
  now += 2_000;
  expect(sessions.session(old)).toBeUndefined();
  const other = sessions.start('alice');
  sessions.signOut(sessions.session(other)!);
  expect(sessions.session(other)).toBeUndefined();
});

test('links are limited per person and hour, and a flood of sign-ins never brings a signed-out session back', () => {
  let now = 5_000_000;
  const sessions = new ConsoleSessions(KEY, 12 * 3_600_000, () => now);
  for (let i = 0; i < 10; i++) sessions.link('mallory');
  expect(() => sessions.link('mallory')).toThrow(expect.objectContaining({ name: 'SignInLimit', key: 'console.tooManyLinks', vars: { count: '10', minutes: '60' } }));
  now += 3_600_001;
  expect(() => sessions.link('mallory')).not.toThrow();

  const stolen = sessions.start('alice');
  sessions.signOut(sessions.session(stolen)!);
  // Ten thousand sign-ins by as many made-up names: then no more links, rather than forgetting Alice's sign-out.
  let refused: unknown;
  for (let i = 0; i < 10_001 && !refused; i++) {
    try {
      sessions.redeem(sessions.link(`m${i}`));
    } catch (err) {
      refused = err;
    }
  }
  expect(refused).toEqual(expect.objectContaining({ key: 'console.tooManySignIns' }));
  expect(sessions.session(stolen)).toBeUndefined();
});
