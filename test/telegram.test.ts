/**
 * dutydesk on Telegram, against a local server speaking the Bot API: the same
 * restart as on the web console, approvals by button, forged buttons refused,
 * and bursts delivered complete and in order through 429s and outages.
 */
import { enqueueChatMessage } from '../activities/chat/outbox-client';
import { callbackKey, encodeCallback } from '../lib/callback-data';
import { baseConfig, startDesk, type Desk } from './helpers/desk';
import { waitFor } from './helpers/wait';
import { TelegramBotApi } from './peers/telegram-bot-api';

const ALICE = { id: 1001, first_name: 'Alice' };
const BOB = { id: 1002, first_name: 'Bob' };
const DAN = { id: 1004, first_name: 'Dan' };
const STRANGER = { id: 6666, first_name: 'Mallory' };
const OPS = -100500;

let api: TelegramBotApi;
let desk: Desk;

function telegramConfig(apiRoot: string, hosts: Record<string, unknown>) {
  const config = baseConfig(hosts, { telegram: { token: { env: 'DD_TEST_TELEGRAM_TOKEN' }, apiRoot } });
  config.users = config.users.map((u) => ({ ...u, telegram: { alice: 1001, bob: 1002, carol: 1003, dan: 1004 }[u.id] })) as typeof config.users;
  (config.chats as Record<string, unknown>).ops = { title: 'Ops', web: 'ops', telegram: OPS };
  config.notify = { approvals: 'ops', admins: 'ops' } as typeof config.notify;
  // Forecasts, for a request's XML sent as a document (its database is never reached here).
  (config.roles as Record<string, { can: string[] }>).engineer.can.push('forecast');
  Object.assign(config, { forecast: { requests: '/nonexistent/{request}.xml', database: { type: 'postgres', connectString: 'postgres://nobody@127.0.0.1:1/tasks' } } });
  return config;
}

const step = (name: string, run: string) => ({ name, title: name, run });

beforeAll(async () => {
  api = await new TelegramBotApi().start();
  process.env.DD_TEST_TELEGRAM_TOKEN = api.token;
  desk = await startDesk(
    telegramConfig(api.apiRoot, {
      local1: { address: '127.0.0.1', transport: 'local', groups: ['test'], services: { app: { steps: [step('stop', 'echo stopped'), step('start', 'sleep 0.3; echo started')] } } },
      prod1: { address: '127.0.0.1', transport: 'local', groups: ['test'], production: true, services: { app: { steps: [step('restart', 'echo restarted')] } } },
    }),
  );
}, 120_000);

afterAll(async () => {
  await desk?.stop();
  await api?.stop();
});

const lastBot = (chatId: number, match: (text: string) => boolean, what: string, timeoutMs = 30_000) =>
  waitFor(() => [...api.botMessages(chatId)].reverse().find((m) => match(m.text ?? '')), what, timeoutMs);

test('a restart from a Telegram chat: one message edited through the steps, then "up again"', async () => {
  api.userSends(ALICE, ALICE.id, '/restart local1');
  const final = await lastBot(ALICE.id, (t) => t.includes('Restart app on local1') && t.includes('✅ Done in'), 'the finished restart');
  expect(final.edit_date).toBeDefined();
  expect(final.text).toContain('✔ stop');
  expect(final.text).toContain('Run in Temporal: http://127.0.0.1:8233/namespaces/default/workflows/restart-local1/');
  expect(api.botMessages(ALICE.id).filter((m) => m.text?.includes('Restart app on local1'))).toHaveLength(1);
  await lastBot(ALICE.id, (t) => t.startsWith('✅ local1 is up again'), 'the up-again message');
  // While it ran, the message carried a signed Cancel button within Telegram's 64 bytes.
  const withButton = api.calls.find((c) => c.method === 'sendMessage' && JSON.stringify(c.params).includes('Cancel'));
  const data = (withButton!.params.reply_markup as { inline_keyboard: { callback_data: string }[][] }).inline_keyboard[0][0].callback_data;
  expect(Buffer.byteLength(data)).toBeLessThanOrEqual(64);
});

test('approval by button in the Telegram group; a forged or copied button is refused', async () => {
  api.userSends(ALICE, ALICE.id, '/restart prod1');
  const request = await lastBot(OPS, (t) => t.includes('asks to restart app on production host prod1'), 'the approval request in the group');
  const approve = request.reply_markup!.inline_keyboard[0][0].callback_data;

  // Forged data and the same button pressed in another chat do nothing but say so.
  const forged = api.userPresses(DAN, OPS, request.message_id, 'AAAAAAAAAAAra:prod1');
  await waitFor(() => api.answers.find((a) => a.callback_query_id === forged), 'the answer to the forged press');
  expect(api.answers.find((a) => a.callback_query_id === forged)!.text).toContain('This button is not valid here');
  const copied = api.userPresses(DAN, DAN.id, request.message_id, approve);
  await waitFor(() => api.answers.find((a) => a.callback_query_id === copied), 'the answer to the copied press');
  expect(api.answers.find((a) => a.callback_query_id === copied)!.text).toContain('This button is not valid here');
  const running = await desk.env.client.workflow.getHandle('restart-prod1').describe();
  expect(running.status.name).toBe('RUNNING');

  // A stranger's press is refused politely; a lead's is taken.
  api.userPresses(STRANGER, OPS, request.message_id, approve);
  await lastBot(OPS, (t) => t.includes('I do not know you yet'), 'the refusal for a stranger');
  api.userPresses(DAN, OPS, request.message_id, approve);
  await lastBot(OPS, (t) => t.includes('✅ Approved by Dan'), 'the request marked approved');
  await lastBot(ALICE.id, (t) => t.includes('Restart app on prod1') && t.includes('✅ Done in'), 'the approved restart done');
  // The forged key of another bot token does not work either.
  expect(encodeCallback(callbackKey('other-token'), String(OPS), 'restart.approve:restart-prod1')).not.toBe(approve);
});

test('replies follow the Telegram locale when the config names no language; strangers are refused and admins told once', async () => {
  api.userSends({ id: 1003, first_name: 'Carol', language_code: 'es' }, 1003, 'help');
  const help = await lastBot(1003, (t) => t.startsWith('dutydesk: lo que puedes hacer'), 'help in Spanish');
  expect(help.text).toContain('status <host>');
  expect(help.text).not.toContain('restart <host>');

  // The command menu comes in every language too, for users whose Telegram is set to it.
  const menus = await waitFor(() => {
    const calls = api.calls.filter((c) => c.method === 'setMyCommands');
    return calls.length >= 5 ? calls : undefined;
  }, 'the command menus');
  expect(menus.map((c) => c.params.language_code ?? 'default').sort()).toEqual(['default', 'es', 'fr', 'it', 'ru']);
  const russian = menus.find((c) => c.params.language_code === 'ru')!.params.commands as { command: string; description: string }[];
  expect(russian.find((c) => c.command === 'restart')?.description).toMatch(/[а-я]/);

  api.userSends({ ...STRANGER, language_code: 'fr' }, STRANGER.id, 'restart local1');
  await lastBot(STRANGER.id, (t) => t.includes('je ne vous connais pas encore'), 'the refusal in French');
  api.userSends({ ...STRANGER, language_code: 'fr' }, STRANGER.id, 'help');
  await waitFor(() => api.botMessages(STRANGER.id).length === 2, 'the second refusal');
  await lastBot(OPS, (t) => t.includes('Someone unknown tried to use dutydesk: Mallory'), 'the admins told');
  // The second attempt (and the earlier stranger press) does not tell them again: once the
  // group's outbox has nothing left to send, there is still only one notice.
  const opsOutbox = desk.env.client.workflow.getHandle(`outbox-telegram-${OPS}`);
  await waitFor(async () => (await opsOutbox.query<{ queue: unknown[] }>('outbox')).queue.length === 0, 'the group outbox to drain', 30_000);
  expect(api.botMessages(OPS).filter((m) => m.text?.includes('Someone unknown') && m.text.includes('6666'))).toHaveLength(1);
  expect(await desk.env.client.workflow.count(`DutydeskHost = 'local1' AND DutydeskRequestedBy = 'telegram:6666'`)).toEqual({ count: 0, groups: [] });
});

test('a burst of 12 alerts to one chat arrives complete and in order through 429s and a Telegram outage', async () => {
  const strict = await new TelegramBotApi({ perChatIntervalMs: 1500, perGroupPerMinute: 20, perBotPerSecond: 30 }, api.token).start();
  const burstDesk = await startDesk(telegramConfig(strict.apiRoot, { local1: { address: '127.0.0.1', transport: 'local', services: { app: { steps: [step('x', 'true')] } } } }));
  try {
    strict.failNextCalls(3);
    const texts = Array.from({ length: 12 }, (_, i) => `alert ${i + 1}: disk full on db${i + 1}`);
    for (const [i, text] of texts.entries()) {
      await enqueueChatMessage(burstDesk.env.client, { platform: 'telegram', chatId: String(BOB.id) }, { key: `alert-${i}`, mode: 'new', message: { text } });
    }
    await waitFor(() => strict.botMessages(BOB.id).length >= 12, 'all 12 alerts', 90_000, 200);
    expect(strict.botMessages(BOB.id).map((m) => m.text)).toEqual(texts);
    expect(strict.tooManyRequests).toBeGreaterThan(0);
    expect(strict.calls.filter((c) => c.method === 'sendMessage').length).toBeGreaterThanOrEqual(12 + 3);
    // A repeated enqueue of the same alert is not sent again.
    await enqueueChatMessage(burstDesk.env.client, { platform: 'telegram', chatId: String(BOB.id) }, { key: 'alert-0', mode: 'new', message: { text: texts[0] } });
    await enqueueChatMessage(burstDesk.env.client, { platform: 'telegram', chatId: String(BOB.id) }, { key: 'after', mode: 'new', message: { text: 'after' } });
    await waitFor(() => strict.botMessages(BOB.id).some((m) => m.text === 'after'), 'the message after the repeat', 30_000);
    expect(strict.botMessages(BOB.id).filter((m) => m.text === texts[0])).toHaveLength(1);
    // A text longer than Telegram's 4096 characters arrives whole, in parts, in order, never cut.
    const report = Array.from({ length: 300 }, (_, i) => `line ${i + 1}: ${'x'.repeat(20)}`).join('\n');
    await enqueueChatMessage(burstDesk.env.client, { platform: 'telegram', chatId: String(BOB.id) }, { key: 'report', mode: 'new', message: { text: report } });
    await waitFor(() => strict.botMessages(BOB.id).some((m) => m.text?.endsWith('line 300: ' + 'x'.repeat(20))), 'the last part of the report', 30_000);
    const parts = strict.botMessages(BOB.id).filter((m) => m.text?.includes('line '));
    expect(parts.length).toBeGreaterThan(1);
    expect(parts.every((m) => (m.text ?? '').length <= 4096)).toBe(true);
    expect(parts.map((m) => m.text).join('\n')).toBe(report);
  } finally {
    await burstDesk.stop();
    await strict.stop();
  }
}, 150_000);

test('a document with the command as its caption is downloaded (getFile) and used: a broken request XML is answered with its line', async () => {
  const broken = Buffer.from('<request id="REQ-7">\n  <task id="a" type="t">\n</request>\n');
  api.userSendsDocument(ALICE, ALICE.id, '/forecast', { name: 'req-7.xml', bytes: broken });
  const answer = await lastBot(ALICE.id, (t) => t.startsWith('❌ No forecast for'), 'the answer to the document');
  expect(answer.text).toMatch(/^❌ No forecast for req-7\.xml: its subtask file is not valid\. Line 2, column 3: <task> is never closed\./);
  expect(api.calls.some((c) => c.method === 'getFile')).toBe(true);

  // A stranger's file is not even downloaded.
  const getFiles = api.calls.filter((c) => c.method === 'getFile').length;
  const refusals = api.botMessages(STRANGER.id).length;
  api.userSendsDocument(STRANGER, STRANGER.id, 'forecast', { name: 'x.xml', bytes: broken });
  await waitFor(() => api.botMessages(STRANGER.id).length > refusals, 'the refusal to the stranger');
  expect(api.calls.filter((c) => c.method === 'getFile')).toHaveLength(getFiles);
});
