/**
 * The web chat console as a person uses it: the page, picking who you are,
 * typing commands, watching one message change live (server-sent events),
 * and the bot side refusing anyone without the token.
 */
import { baseConfig, startDesk, type Desk } from './helpers/desk';
import { followChat } from './helpers/console-events';

let desk: Desk;

beforeAll(async () => {
  desk = await startDesk(
    baseConfig({
      local1: {
        address: '127.0.0.1',
        transport: 'local',
        groups: ['test'],
        services: {
          app: {
            steps: [
              { name: 'stop', title: 'Stop', run: 'echo stopped' },
              { name: 'pause', title: 'Pause', sleep: '300ms' },
              { name: 'start', title: 'Start', run: 'echo started' },
            ],
          },
        },
      },
    }),
  );
}, 120_000);

afterAll(async () => {
  await desk?.stop();
});

test('the page is served and lists who you can be and your chats', async () => {
  const page = await fetch(desk.url + '/');
  expect(page.headers.get('content-type')).toContain('text/html');
  expect(await page.text()).toContain('dutydesk — web chat console');
  const users = (await (await fetch(`${desk.url}/console/api/users`)).json()) as { id: string }[];
  expect(users.map((u) => u.id)).toEqual(['alice', 'bob', 'carol', 'dan']);
  const chats = (await (await fetch(`${desk.url}/console/api/chats?user=alice`)).json()) as { chatId: string; title: string }[];
  expect(chats).toEqual([
    { chatId: 'dm-alice', title: 'Direct messages with dutydesk' },
    { chatId: 'ops', title: 'Ops' },
  ]);
  const unknown = await fetch(`${desk.url}/console/api/chats?user=nobody`);
  expect(unknown.status).toBe(400);
});

test('help shows only what the role allows', async () => {
  await desk.say('carol', 'dm-carol', 'help');
  const carol = await desk.botMessage('dm-carol', (m) => m.text.startsWith('dutydesk: what you can do'), 'help for a viewer');
  expect(carol.text).toContain('status <host>');
  expect(carol.text).not.toContain('restart <host>');
  await desk.say('bob', 'dm-bob', 'help');
  const bob = await desk.botMessage('dm-bob', (m) => m.text.startsWith('dutydesk: what you can do'), 'help for a lead');
  expect(bob.text).toContain('restart <host> [service]');
  expect(bob.text).toContain('approve restarts of production hosts (buttons in Ops)');
});

test('one message changes live through the steps, seen as server-sent events', async () => {
  const follower = await followChat(desk.url, 'dm-alice');
  await desk.say('alice', 'dm-alice', 'restart local1');
  const seen = (await follower.readUntil((m) => m.text.includes('✅ Done in'))).filter((m) => m.from === 'bot' && m.text.includes('Restart app on local1'));
  expect(new Set(seen.map((m) => m.id)).size).toBe(1);
  const versions = seen.map((m) => m.version);
  expect(versions).toEqual([...versions].sort((a, b) => a - b));
  expect(seen.some((m) => m.text.includes('▶ Pause'))).toBe(true);
  expect(seen.at(-1)!.text).toContain('✔ Start');
  await follower.close();

  await desk.say('alice', 'dm-alice', 'status local1');
  const status = await desk.botMessage('dm-alice', (m) => m.text.startsWith('🖥 local1'), 'the status answer');
  expect(status.text).toContain('Services: app');
  expect(status.text).toContain('Last restart:');
  expect(status.text).toContain('✅ Done in');
});

test('bad requests get a clear error, and the bot side needs its token', async () => {
  const bad = await fetch(`${desk.url}/console/api/messages`, { method: 'POST', headers: { 'content-type': 'application/json' }, body: '{"user":"alice"}' });
  expect(bad.status).toBe(400);
  expect(((await bad.json()) as { error: string }).error).toContain('"text"');
  const forged = await fetch(`${desk.url}/console/bot/send`, {
    method: 'POST',
    headers: { 'content-type': 'application/json', authorization: 'Bearer wrong' },
    body: JSON.stringify({ chatId: 'ops', text: 'fake alert' }),
  });
  expect(forged.status).toBe(401);
  expect((await desk.messages('ops')).some((m) => m.text === 'fake alert')).toBe(false);
  // A button that is not on the message cannot be pressed.
  const typed = await desk.say('alice', 'dm-alice', 'hosts');
  expect(await desk.press('alice', 'dm-alice', typed.id, 'restart.approve:restart-local1')).toBe(409);
});
