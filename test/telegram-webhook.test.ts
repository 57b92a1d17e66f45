/**
 * Telegram in webhook mode: the gateway registers its URL with the secret
 * token, takes updates posted with that token, and refuses any without it.
 */
import { baseConfig, startDesk, type Desk } from './helpers/desk';
import { freePort, waitFor } from './helpers/wait';
import { TelegramBotApi } from './peers/telegram-bot-api';

let api: TelegramBotApi;
let desk: Desk;
const ALICE = { id: 1001, first_name: 'Alice' };

beforeAll(async () => {
  api = await new TelegramBotApi().start();
  process.env.DD_TEST_TELEGRAM_TOKEN = api.token;
  process.env.DD_TEST_WEBHOOK_SECRET = 'webhook-secret-for-tests';
  // The desk listens on a port it picks; the webhook's public URL must be known before, so it is given here.
  const port = await freePort();
  const config = baseConfig(
    { local1: { address: '127.0.0.1', transport: 'local', groups: ['test'], services: { app: { steps: [{ name: 'stop', run: 'true' }] } } } },
    { telegram: { token: { env: 'DD_TEST_TELEGRAM_TOKEN' }, apiRoot: api.apiRoot, webhook: { publicUrl: `http://127.0.0.1:${port}`, secretToken: { env: 'DD_TEST_WEBHOOK_SECRET' } } } },
  );
  config.users = config.users.map((u) => ({ ...u, telegram: u.id === 'alice' ? 1001 : undefined })) as typeof config.users;
  desk = await startDesk(config, { port });
}, 120_000);

afterAll(async () => {
  await desk?.stop();
  await api?.stop();
});

test('the webhook is registered with its secret token, and updates posted to it are handled', async () => {
  expect(api.webhook).toEqual({ url: `${desk.url}/telegram/webhook`, secret: 'webhook-secret-for-tests' });
  expect(api.calls.some((c) => c.method === 'getUpdates')).toBe(false);
  api.userSends(ALICE, ALICE.id, 'restart local1');
  await waitFor(() => api.botMessages(ALICE.id).find((m) => m.text?.includes('✅ Done in')), 'the restart done', 30_000);
  expect(api.webhookDeliveries.every((d) => d.status === 200)).toBe(true);
});

test('an update without the secret token, or with a wrong one, is refused and runs nothing', async () => {
  const update = JSON.stringify({ update_id: 999999, message: { message_id: 1, date: 0, chat: { id: ALICE.id, type: 'private' }, from: { ...ALICE, is_bot: false }, text: 'restart local1' } });
  for (const headers of [{}, { 'x-telegram-bot-api-secret-token': 'guess' }] as Record<string, string>[]) {
    const res = await fetch(`${desk.url}/telegram/webhook`, { method: 'POST', headers: { 'content-type': 'application/json', ...headers }, body: update });
    expect(res.status).toBe(401);
  }
  const bad = await fetch(`${desk.url}/telegram/webhook`, { method: 'POST', headers: { 'content-type': 'application/json', 'x-telegram-bot-api-secret-token': 'webhook-secret-for-tests' }, body: '{"hello":1}' });
  expect(bad.status).toBe(400);
  expect((await desk.env.client.workflow.count(`DutydeskHost = 'local1'`)).count).toBe(1);
});
