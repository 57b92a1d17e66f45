/**
 * What the console serves, read as an attacker would: a strict CSP and
 * companions on the page and the API, a page with no inline code, scripts
 * that never turn strings into HTML, and a stored message from a hostile
 * name drawn by the very scripts the page loads into nothing but text.
 */
import http from 'node:http';
import vm from 'node:vm';
import { baseConfig, startDesk, type Desk } from './helpers/desk';
import { expectInert, MiniElement, miniDocument } from './helpers/mini-dom';
import type { ConsoleMessage } from '../chat-gateway/web-console/store';

const XSS = '<img src=x onerror=alert(1)>';
let desk: Desk;

beforeAll(async () => {
  desk = await startDesk(baseConfig({ local1: { address: '127.0.0.1', transport: 'local', services: { app: { steps: [{ name: 'x', run: 'true' }] } } } }), { inProcessWorker: false });
}, 120_000);

afterAll(async () => {
  await desk?.stop();
});

function directives(csp: string | null): Map<string, string[]> {
  return new Map((csp ?? '').split(';').map((d) => d.trim().split(/\s+/)).filter((d) => d[0]).map(([name, ...values]) => [name, values]));
}

const pageScripts = (html: string) => [...html.matchAll(/<script\b([^>]*)>([\s\S]*?)<\/script>/gi)].map((m) => ({ src: /\bsrc="([^"]+)"/.exec(m[1])?.[1], body: m[2] }));

test('the page and the API carry a strict Content-Security-Policy, nosniff and no Referer to other sites', async () => {
  for (const route of ['/', '/console/api/users', '/console/api/messages?chat=ops', '/console/page.js']) {
    const res = await fetch(desk.url + route);
    expect(res.status).toBe(200);
    const csp = directives(res.headers.get('content-security-policy'));
    expect(csp.get('default-src')).toEqual(["'self'"]);
    expect(csp.get('script-src')).toEqual(["'self'"]);
    expect(csp.get('object-src')).toEqual(["'none'"]);
    expect(csp.get('base-uri')).toEqual(["'none'"]);
    expect(csp.get('frame-ancestors')).toEqual(["'none'"]);
    expect(csp.get('form-action')).toEqual(["'self'"]);
    for (const values of csp.values()) for (const v of values) expect(v).not.toMatch(/unsafe-|^\*$|^data:$|^https?:$/);
    expect(res.headers.get('x-content-type-options')).toBe('nosniff');
    expect(res.headers.get('referrer-policy')).toBe('same-origin');
  }
});

test('the page has no inline script, style or event handler, and its scripts build no HTML from strings', async () => {
  const html = await (await fetch(desk.url + '/')).text();
  expect(html).toContain('dutydesk — web chat console');
  const scripts = pageScripts(html);
  expect(scripts.length).toBeGreaterThan(0);
  for (const s of scripts) {
    expect(s.body.trim()).toBe('');
    expect(s.src).toMatch(/^\/console\/[\w-]+\.js$/);
  }
  expect(html).not.toMatch(/\son\w+\s*=/i);
  expect(html).not.toMatch(/<style|\sstyle\s*=/i);
  expect(html).not.toMatch(/javascript:/i);
  for (const s of scripts) {
    const res = await fetch(desk.url + s.src!);
    expect(res.status).toBe(200);
    expect(res.headers.get('content-type')).toMatch(/^text\/javascript/);
    const code = await res.text();
    expect(code).not.toMatch(/innerHTML|outerHTML|insertAdjacentHTML|document\.write|\beval\(|new Function|srcdoc|setAttribute\(\s*['"]on/);
  }
});

test('a message posted by a hostile name with a hostile link is drawn by the served scripts as text', async () => {
  const text = `restart <script>alert(1)</script> https://evil.example/"onmouseover="alert(1) javascript:alert(2)`;
  const res = await fetch(`${desk.url}/console/api/messages`, { method: 'POST', headers: { 'content-type': 'application/json' }, body: JSON.stringify({ user: XSS, chat: `dm-${XSS}`, text }) });
  expect(res.status).toBe(202);
  const [stored] = (await (await fetch(`${desk.url}/console/api/messages?chat=${encodeURIComponent(`dm-${XSS}`)}`)).json()) as ConsoleMessage[];
  expect(stored.userId).toBe(XSS);

  // The scripts the page loads, run as a browser would (a global object, no module system).
  const html = await (await fetch(desk.url + '/')).text();
  const browser: Record<string, unknown> = { URL };
  browser.self = browser;
  vm.createContext(browser);
  for (const s of pageScripts(html).filter((x) => x.src !== '/console/page.js')) vm.runInContext(await (await fetch(desk.url + s.src!)).text(), browser);
  const view = browser.dutydeskMessageView as typeof import('../chat-gateway/web-console/message-view');
  const root = view.toDom(view.messageView(stored, []), miniDocument) as MiniElement;
  expectInert(root);
  expect(root.all().filter((el) => el.tagName === 'img')).toHaveLength(0);
  expect(root.textContent).toContain(XSS);
  expect(root.textContent).toContain(text);
  expect(root.all().filter((el) => el.tagName === 'a').map((a) => a.attributes.get('href'))).toEqual(['https://evil.example/']);
});

test('a person writes only in their own direct messages and the group chats', async () => {
  const post = (user: string, chat: string) => fetch(`${desk.url}/console/api/messages`, { method: 'POST', headers: { 'content-type': 'application/json' }, body: JSON.stringify({ user, chat, text: 'hosts' }) });
  expect((await post('carol', 'dm-alice')).status).toBe(403);
  expect((await post('carol', 'made-up-chat')).status).toBe(403);
  // An over-long made-up name is no one to pick.
  expect((await post('x'.repeat(101), `dm-${'x'.repeat(101)}`)).status).toBe(401);
  expect((await post('carol', 'ops')).status).toBe(202);
  expect((await desk.messages('dm-alice')).some((m) => m.userId === 'carol')).toBe(false);
});

/** A GET with another Host, as a page on a rebound DNS name would send it. */
function getWithHost(pathname: string, host: string): Promise<number> {
  return new Promise((resolve, reject) => {
    const { port } = new URL(desk.url);
    const req = http.request({ host: '127.0.0.1', port, path: pathname, headers: { host } }, (res) => {
      res.resume();
      resolve(res.statusCode ?? 0);
    });
    req.on('error', reject);
    req.end();
  });
}

test('the demo console answers reads only through a loopback Host (DNS rebinding)', async () => {
  for (const route of ['/console/api/messages?chat=ops', '/console/api/me', '/console/api/users', '/console/api/chats?user=alice', '/console/api/events?chat=ops', '/console/api/home?user=alice']) {
    expect([route, await getWithHost(route, 'evil.example:8080')]).toEqual([route, 403]);
  }
  expect(await getWithHost('/console/api/messages?chat=ops', `localhost:${new URL(desk.url).port}`)).toBe(200);
});

test('the demo console refuses requests that came through a proxy, which would pass the Host check for anyone', async () => {
  for (const headers of [{ 'x-forwarded-for': '203.0.113.5' }, { forwarded: 'for=203.0.113.5' }, { via: '1.1 nginx' }] as Record<string, string>[]) {
    const res = await fetch(`${desk.url}/console/api/me`, { headers });
    expect([headers, res.status]).toEqual([headers, 403]);
    expect(((await res.json()) as { error: string }).error).toContain('not served through a proxy');
  }
  expect((await fetch(`${desk.url}/console/api/me`)).status).toBe(200);
});
