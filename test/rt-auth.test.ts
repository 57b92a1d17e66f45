/**
 * How the bot signs in to Request Tracker (activities/tickets/rt-auth.ts): a
 * revoked token stops working on a real RT even though RT keeps the bot's
 * session; a token-only configuration finds the bot's own name; and against a
 * local server standing in front of RT as an SSO or an authenticating proxy
 * does, the bot falls back to credentials on every request, and a refused
 * sign-in costs RT one check however many calls are waiting.
 */
import http from 'node:http';
import type { AddressInfo } from 'node:net';
import { RtRest2 } from '../activities/tickets/rt-rest2';
import { RtRest1 } from '../activities/tickets/rt-rest1';
import { startRt, type TestRt } from './helpers/rt';
import { waitFor } from './helpers/wait';

let rt: TestRt;

beforeAll(async () => {
  rt = await startRt();
}, 120_000);

afterAll(async () => {
  await rt?.remove();
});

test.each([
  ['REST 2.0', RtRest2],
  ['REST 1.0', RtRest1],
] as const)('%s: a revoked token locks the bot out once its session is renewed, though RT keeps the session', async (_api, Api) => {
  const created = (await rt.rest('POST', 'ticket', { Queue: 'Service Desk', Subject: 'Revocation', Content: 'x' })) as { id: string };
  let token = rt.rotateToken() as string;
  const api = new Api({ url: rt.url, user: rt.user, token: () => token, sessionMaxAgeMs: 1000 });
  expect((await api.read(created.id)).title).toBe('Revocation');
  rt.rotateToken(false);
  // RT still takes the session cookie; the bot signs in anew after a second and is refused.
  await waitFor(async () => (await api.read(created.id).then(() => undefined, (err: { status?: number }) => err.status)) === 401, 'the revoked token refused');
  token = rt.rotateToken() as string;
  // A refusal is remembered for a while, then the new token signs in.
  await waitFor(async () => (await api.read(created.id).then((t) => t.title, () => undefined)) === 'Revocation', 'the new token taken', 45_000);
}, 90_000);

test("a token alone: the bot's own notes are still told apart from people's (its name is its token's owner)", async () => {
  const token = rt.rotateToken() as string;
  const { id } = await new RtRest2({ url: rt.url, user: rt.user, token: () => token }).create({ queue: 'Service Desk', title: 'Token only', text: 'x' });
  await rt.rest('POST', `ticket/${id}/comment`, { Content: 'A note from Alice.', ContentType: 'text/plain' }, 'alice');
  for (const api of [new RtRest2({ url: rt.url, token: () => token }), new RtRest1({ url: rt.url, token: () => token })]) {
    await api.comment(id, 'Taken via dutydesk.');
    expect((await api.get(id)).lastComment?.text).toBe('A note from Alice.');
  }
});

/** A stand-in for RT behind single sign-on: REST 1.0 answers with a redirect to the SSO; REST 2.0 takes basic auth. */
async function rtBehindSso(password: string) {
  const seen: string[] = [];
  const server = http.createServer((req, res) => {
    seen.push(`${req.method} ${req.url}`);
    if (req.url?.startsWith('/REST/1.0/')) return void res.writeHead(302, { location: 'https://sso.example/login' }).end();
    if (req.headers.authorization !== `Basic ${Buffer.from(`dutydesk:${password}`).toString('base64')}`) return void res.writeHead(401, { 'www-authenticate': 'Basic realm="RT"' }).end();
    const ticket = { id: '7', Subject: 'Behind SSO', Status: 'new', Priority: '50', Queue: { id: '1', Name: 'General' }, Owner: { id: 'Nobody' }, Due: '1970-01-01T00:00:00Z', Created: '2026-11-25T10:00:00Z', LastUpdated: '2026-11-25T10:00:00Z' };
    res.writeHead(200, { 'content-type': 'application/json' }).end(JSON.stringify({ items: [ticket], page: 1, pages: 1 }));
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  return { url: `http://127.0.0.1:${(server.address() as AddressInfo).port}`, seen, close: () => new Promise((r) => server.close(r)) };
}

test('RT behind single sign-on gives no REST session: every request carries the credentials, and the sign-in is not tried again each time', async () => {
  const sso = await rtBehindSso('secret');
  try {
    const api = new RtRest2({ url: sso.url, user: 'dutydesk', password: () => 'secret' });
    expect((await api.read('7')).title).toBe('Behind SSO');
    expect((await api.read('7')).urgency).toBe('Medium');
    expect(sso.seen.filter((r) => r.startsWith('POST /REST/1.0/'))).toHaveLength(1);
  } finally {
    await sso.close();
  }
});

test('a refused sign-in costs RT one check, however many calls are waiting', async () => {
  let signIns = 0;
  const server = http.createServer((req, res) => {
    if (req.url?.startsWith('/REST/1.0/')) signIns++;
    res.writeHead(200, { 'content-type': 'text/plain' }).end('RT/5.0.3 401 Credentials required\n');
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  try {
    const api = new RtRest2({ url: `http://127.0.0.1:${(server.address() as AddressInfo).port}`, user: 'dutydesk', token: () => '1-14-00000000000000000000000000000000' });
    const results = await Promise.allSettled(Array.from({ length: 20 }, () => api.read('7')));
    expect(results.every((r) => r.status === 'rejected' && (r.reason as { status?: number }).status === 401)).toBe(true);
    await expect(api.read('7')).rejects.toMatchObject({ status: 401 });
    expect(signIns).toBe(1);
  } finally {
    await new Promise((r) => server.close(r));
  }
});
