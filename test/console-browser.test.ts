/**
 * The web console in a real browser (Debian's chromium, through
 * playwright-core), signed in as a real deployment signs people in: Alice and
 * Bob each write `console` to the bot in Telegram, open the link it sends and
 * press its button. Alice asks for a production restart and watches its steps
 * live; she cannot approve it herself; Bob approves it from his own browser.
 * Hostile text from every side (her own message, an echoed command, a bot
 * message carrying outside text, links with attributes, button labels) shows
 * as text and runs nothing, and the page's CSP stops inline script even if
 * markup ever got in.
 */
import { existsSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import type { Browser, BrowserContext, Page } from 'playwright-core';
import { baseConfig, startDesk, type Desk } from './helpers/desk';
import { launchChromium } from './helpers/browser';
import { waitFor } from './helpers/wait';
import { TelegramBotApi } from './peers/telegram-bot-api';

const ALICE = { id: 2001, first_name: 'Alice' };
const BOB = { id: 2002, first_name: 'Bob' };
const XSS_IMG = '<img src=x onerror="window.__xss=(window.__xss||0)+1">';
let api: TelegramBotApi;
let desk: Desk;
let browser: Browser;
let dir: string;
const contexts: BrowserContext[] = [];

beforeAll(async () => {
  dir = mkdtempSync(path.join(os.tmpdir(), 'dutydesk-browser-'));
  api = await new TelegramBotApi().start();
  process.env.DD_BROWSER_TELEGRAM_TOKEN = api.token;
  // The first step waits for the test's go, so the page can be seen showing it running.
  const gate = path.join(dir, 'go');
  const config = baseConfig(
    {
      prod1: {
        address: '127.0.0.1',
        transport: 'local',
        groups: ['test'],
        production: true,
        services: {
          app: {
            steps: [
              { name: 'drain', title: 'Drain traffic', run: `while [ ! -f ${gate} ]; do sleep 0.1; done` },
              { name: 'start', title: 'Start app', run: 'true' },
            ],
          },
        },
      },
    },
    {
      telegram: { token: { env: 'DD_BROWSER_TELEGRAM_TOKEN' }, apiRoot: api.apiRoot },
      gateway: { console: { signIn: 'chat' } },
      actions: {
        'sd.hello': { title: 'Say <b>hello</b>', says: 'say hello', steps: [{ command: { host: 'prod1', hostGroups: ['test'], run: '/bin/echo', args: ['hello from prod1'] } }] },
        'net.whereis': { title: 'Where is this IP?', says: 'where is {ip:ip}', steps: [{ ipLookup: '{ip}' }] },
        'sd.leads': { title: 'Leads only', says: 'leads only', roles: ['lead'], steps: [{ command: { host: 'prod1', hostGroups: ['test'], run: '/bin/true' } }] },
      },
    },
  );
  config.users = config.users.map((u) => ({ ...u, telegram: { alice: ALICE.id, bob: BOB.id }[u.id] })) as typeof config.users;
  desk = await startDesk(config);
  browser = await launchChromium();
}, 120_000);

afterAll(async () => {
  for (const c of contexts) await c.close().catch(() => undefined);
  await browser?.close();
  await desk?.stop();
  await api?.stop();
  rmSync(dir, { recursive: true, force: true });
});

/** Writes `console` to the bot in Telegram, opens the link in a browser of one's own and presses Sign in. */
async function signIn(person: { id: number; first_name: string }): Promise<Page> {
  const before = api.botMessages(person.id).length;
  api.userSends(person, person.id, '/console');
  const sent = await waitFor(() => api.botMessages(person.id).slice(before).find((m) => m.text?.includes('/console/signin?t=')), `${person.first_name}'s sign-in link`);
  const link = /(http:\/\/\S+\/console\/signin\?t=\S+)/.exec(sent.text ?? '')?.[1] as string;
  const context = await browser.newContext();
  contexts.push(context);
  const page = await context.newPage();
  await page.goto(link);
  await page.getByRole('button', { name: 'Sign in' }).click();
  await page.waitForURL(`${desk.url}/`);
  await page.locator('#whoami', { hasText: person.first_name }).waitFor();
  return page;
}

async function openChat(page: Page, title: string) {
  await page.locator('.chat', { hasText: title }).click();
  await page.locator('.chat.active', { hasText: title }).waitFor();
}

async function type(page: Page, text: string) {
  await page.locator('#text').fill(text);
  await page.locator('#send button').click();
}

/** The newest bot message in the page's open chat whose text has this. */
const botMessage = (page: Page, text: string) => page.locator('.msg.bot', { hasText: text }).last();

test('signed in by link, Alice watches her production restart live and Bob approves it from his browser', async () => {
  const alice = await signIn(ALICE);
  const bob = await signIn(BOB);
  const cookies = await alice.context().cookies();
  expect(cookies.map((c) => [c.name, c.httpOnly, c.sameSite])).toEqual([['dutydesk_session', true, 'Strict']]);
  expect(await alice.evaluate('document.cookie')).toBe('');

  await openChat(alice, 'Direct messages');
  await type(alice, 'restart prod1 app');
  const progress = botMessage(alice, 'Restart app on prod1');
  await progress.filter({ hasText: 'Waiting for approval' }).waitFor();

  // Alice sees the request in Ops, but the two-person rule holds in the browser too.
  await openChat(alice, 'Ops');
  const request = botMessage(alice, 'asks to restart app on production host prod1');
  await request.getByRole('button', { name: 'Approve' }).click();
  await botMessage(alice, 'You may not approve restarts of prod1').waitFor();

  await openChat(bob, 'Ops');
  await botMessage(bob, 'asks to restart app on production host prod1').getByRole('button', { name: 'Approve' }).click();
  await botMessage(bob, '✅ Approved by Bob').waitFor();

  // Live, without a reload: the first step shows running while the host holds it, then both are done.
  await openChat(alice, 'Direct messages');
  await progress.filter({ hasText: '▶ Drain traffic' }).waitFor();
  expect(await progress.textContent()).toContain('○ Start app');
  writeFileSync(path.join(dir, 'go'), '');
  await progress.filter({ hasText: '✅ Done in' }).waitFor({ timeout: 60_000 });
  const text = (await progress.textContent()) ?? '';
  expect(text).toContain('✔ Drain traffic');
  expect(text).toContain('✔ Start app');
  expect(text).toContain('Approved by Bob');

  // Signed out: the page no longer acts for her.
  await alice.getByRole('button', { name: 'Sign out' }).click();
  await alice.locator('.hint', { hasText: 'not signed in' }).waitFor();
  expect(await alice.locator('#send').isHidden()).toBe(true);
  expect(existsSync(path.join(dir, 'go'))).toBe(true);
}, 120_000);

test('hostile text from every side stays text in the browser, and the CSP stops inline script', async () => {
  const alice = await signIn(ALICE);
  const bob = await signIn(BOB);
  await openChat(alice, 'Ops');
  await openChat(bob, 'Ops');

  // Her own message, and a command whose echo carries the markup.
  await type(alice, `${XSS_IMG} <script>window.__xss=99</script>`);
  await type(alice, 'restart <img/src=x/onerror=window.__xss=5>');
  await botMessage(bob, 'Unknown host "<img/src=x/onerror=window.__xss=5>"').waitFor();
  // Outside text as the worker relays it (a ticket title from e-mail, alert labels): links trying to carry attributes, buttons with markup.
  const relayed = await fetch(`${desk.url}/console/bot/send`, {
    method: 'POST',
    headers: { 'content-type': 'application/json', authorization: `Bearer ${process.env.DUTYDESK_CONSOLE_TOKEN}` },
    body: JSON.stringify({
      chatId: 'ops',
      text: `🎫 New ticket: ${XSS_IMG}\nhttps://evil.example/"onmouseover="window.__xss=7\njavascript:window.__xss=8`,
      buttons: [[{ label: XSS_IMG, action: 'ticket.take:rt:1' }]],
    }),
  });
  expect(relayed.status).toBe(200);
  for (const page of [alice, bob]) {
    const ticket = botMessage(page, 'New ticket');
    await ticket.waitFor();
    // Shown as the characters they are.
    expect(await ticket.textContent()).toContain(XSS_IMG);
    expect(await ticket.getByRole('button').textContent()).toBe(XSS_IMG);
    const link = ticket.locator('a');
    expect(await link.getAttribute('href')).toBe('https://evil.example/');
    expect(await link.getAttribute('onmouseover')).toBeNull();
    await link.hover();
    expect(await page.locator('#log img, #log script, #log [onerror], #log [onmouseover]').count()).toBe(0);
    expect(await page.locator('#log').textContent()).toContain('<script>window.__xss=99</script>');
    expect(await page.evaluate('window.__xss')).toBeUndefined();
  }

  // Even markup put in by hand runs nothing: the policy refuses inline handlers, and says so.
  // (Page code as text: the tests are compiled without the DOM's types.)
  const violation = alice.evaluate(`new Promise((resolve) => {
    document.addEventListener('securitypolicyviolation', (e) => resolve(e.violatedDirective), { once: true });
    document.body.insertAdjacentHTML('beforeend', '<img src="/console/page.css" onerror="window.__xss=42" onload="window.__xss=43">');
  })`);
  expect(await violation).toMatch(/^script-src/);
  expect(await alice.evaluate('window.__xss')).toBeUndefined();
}, 120_000);

test('the side panel shows the home: an action of words alone is a button that runs it in the open chat, others show their grammar', async () => {
  const alice = await signIn(ALICE);
  await openChat(alice, 'Direct messages');
  const button = alice.locator('#home button.home-action', { hasText: '▶ Say <b>hello</b>' });
  await button.waitFor();
  await alice.locator('#home .home-usage', { hasText: 'where is <ip> — Where is this IP?' }).waitFor();
  expect(await alice.locator('#home', { hasText: 'Leads only' }).count()).toBe(0);
  expect(await alice.locator('#home b').count()).toBe(0);
  await button.click();
  await botMessage(alice, '✅ Done in').filter({ hasText: 'Say <b>hello</b>' }).waitFor({ timeout: 60_000 });
  await botMessage(alice, 'hello from prod1').waitFor();
});
