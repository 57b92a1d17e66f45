/**
 * One undeliverable message never blocks its chat: a file whose upload always
 * outlasts its timeout, or that is no longer kept, goes as its words with a
 * note after a bounded number of tries; ops find it in the outbox's query and
 * the admins are told. And a flood of repeated messages (dropped by key)
 * continues the outbox as new before its history fills, keeping its memory of
 * which messages to edit.
 */
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import type { TestWorkflowEnvironment } from '@temporalio/testing';
import { enqueueChatMessage } from '../../activities/chat/outbox-client';
import { baseConfig, startDesk, startTemporal, type Desk } from '../helpers/desk';
import { waitFor } from '../helpers/wait';
import { TelegramBotApi } from '../peers/telegram-bot-api';

const OPS = -100500;
const ADMINS = -100900;
const UPLOAD_TIMEOUT_S = 1;
/** Low, so a few hundred events make the server suggest continuing as new (its default is 4096). */
const SUGGEST_CONTINUE_AT = 300;

let api: TelegramBotApi;
let env: TestWorkflowEnvironment;
let desk: Desk;
let dir: string;

beforeAll(async () => {
  dir = mkdtempSync(path.join(os.tmpdir(), 'dutydesk-undeliverable-'));
  api = await new TelegramBotApi().start();
  process.env.DD_TEST_TELEGRAM_TOKEN = api.token;
  env = await startTemporal([`limit.historyCount.suggestContinueAsNew=${SUGGEST_CONTINUE_AT}`]);
  const config = baseConfig(
    { local1: { address: '127.0.0.1', transport: 'local', groups: ['test'], services: { app: { steps: [{ name: 'noop', run: 'true' }] } } } },
    { telegram: { token: { env: 'DD_TEST_TELEGRAM_TOKEN' }, apiRoot: api.apiRoot, uploadTimeout: `${UPLOAD_TIMEOUT_S}s` } },
  );
  Object.assign(config.chats as Record<string, unknown>, { ops: { title: 'Ops', web: 'ops', telegram: OPS }, admins: { title: 'Admins', web: 'admins', telegram: ADMINS } });
  config.notify = { approvals: 'ops', admins: 'admins' } as typeof config.notify;
  desk = await startDesk(config, { env });
}, 120_000);

afterAll(async () => {
  await desk?.stop();
  await env?.teardown();
  await api?.stop();
  rmSync(dir, { recursive: true, force: true });
});

const ops = { platform: 'telegram' as const, chatId: String(OPS) };
const texts = (chatId: number) => api.botMessages(chatId).map((m) => m.text ?? '');
const failedOf = async (chatId: number) =>
  (await desk.env.client.workflow.getHandle(`outbox-telegram-${chatId}`).query<{ failed: { key: string; error: string }[] }>('outbox')).failed;

test('a chart whose upload always times out goes as its words with a note, the approval after it is delivered, and the admins are told', async () => {
  const chart = path.join(dir, 'chart.png');
  writeFileSync(chart, Buffer.alloc(2048, 1));
  api.stallUploads = true;
  try {
    await enqueueChatMessage(desk.env.client, ops, { key: 'forecast-1', mode: 'new', message: { text: 'Forecast REQ-1: done by Friday', file: { path: chart, name: 'chart.png', kind: 'photo' } } });
    await enqueueChatMessage(desk.env.client, ops, { key: 'approval-1', mode: 'new', message: { text: 'Bob asks to restart payments', buttons: [[{ label: 'Approve', action: 'restart.approve:x' }]] } });

    await waitFor(() => texts(OPS).includes('Bob asks to restart payments'), 'the approval after the stuck chart', 60_000);
    // Three uploads, each ended by the timeout; then the words, saying what is missing, before the approval.
    expect(api.calls.filter((c) => c.method === 'sendPhoto')).toHaveLength(3);
    expect(texts(OPS)).toEqual([
      `Forecast REQ-1: done by Friday\n\n⚠️ chart.png could not be sent: Telegram sendPhoto: the upload took over ${UPLOAD_TIMEOUT_S} s, 3 times.`,
      'Bob asks to restart payments',
    ]);
    const told = await waitFor(() => texts(ADMINS).find((t) => t.includes('A message to ops (telegram) could not be delivered')), 'the admins to be told');
    expect(told).toContain('chart.png: Telegram sendPhoto: the upload took over');
    expect(told).toMatch(/query "outbox"\): http:\/\/127\.0\.0\.1:8233\/namespaces\/default\/workflows\/outbox-telegram--100500\/[\w-]+\/history/);
    expect(await failedOf(OPS)).toEqual([{ key: 'forecast-1', error: expect.stringContaining('delivered without its file: chart.png') }]);
  } finally {
    api.stallUploads = false;
  }
}, 90_000);

test('a file no longer kept (pruned) goes as its words with a note at once, the chat goes on, and the admins hear of it once', async () => {
  const chatId = -100600;
  const chat = { platform: 'telegram' as const, chatId: String(chatId) };
  const before = api.calls.filter((c) => c.method === 'sendDocument').length;
  const gone = (n: number) => ({ text: `Thread dump ${n}`, file: { path: path.join(dir, `pruned-${n}.txt.gz`), name: `pruned-${n}.txt.gz`, kind: 'document' as const } });
  await enqueueChatMessage(desk.env.client, chat, { key: 'dump-1', mode: 'new', message: gone(1) });
  await enqueueChatMessage(desk.env.client, chat, { key: 'dump-2', mode: 'new', message: gone(2) });
  await enqueueChatMessage(desk.env.client, chat, { key: 'after-dump', mode: 'new', message: { text: 'next in line' } });
  await waitFor(() => texts(chatId).includes('next in line'), 'the message after the missing files');
  expect(texts(chatId)).toEqual([
    'Thread dump 1\n\n⚠️ pruned-1.txt.gz could not be sent: the file is no longer kept.',
    'Thread dump 2\n\n⚠️ pruned-2.txt.gz could not be sent: the file is no longer kept.',
    'next in line',
  ]);
  expect(api.calls.filter((c) => c.method === 'sendDocument').length).toBe(before);
  // Both listed for ops; the admins told once (a chat that fails again and again does not flood them).
  expect((await failedOf(chatId)).map((f) => f.key)).toEqual(['dump-1', 'dump-2']);
  await waitFor(() => texts(ADMINS).find((t) => t.includes('telegram chat -100600') && t.includes('pruned-1.txt.gz: the file is no longer kept')), 'the admins to be told of the missing file');
  expect(texts(ADMINS).filter((t) => t.includes('telegram chat -100600'))).toHaveLength(1);
});

test('a flood of repeats continues the outbox as new, and its live message is still edited, not posted again', async () => {
  const chat = { platform: 'telegram' as const, chatId: '-100777' };
  await enqueueChatMessage(desk.env.client, chat, { key: 'ticket-7', mode: 'upsert', message: { text: 'Ticket 7: new' } });
  await enqueueChatMessage(desk.env.client, chat, { key: 'hello', mode: 'new', message: { text: 'hello' } });
  await waitFor(() => texts(-100777).includes('hello'), 'the first messages');
  const handle = desk.env.client.workflow.getHandle('outbox-telegram--100777');
  const firstRun = (await handle.describe()).runId;

  // A stranger's flood: the same greeting's key again and again, each dropped as a repeat.
  for (let i = 0; i < SUGGEST_CONTINUE_AT; i++) await enqueueChatMessage(desk.env.client, chat, { key: 'hello', mode: 'new', message: { text: 'hello' } });
  await waitFor(async () => (await handle.describe()).runId !== firstRun, 'the outbox to continue as new', 60_000);
  expect((await desk.env.client.workflow.getHandle('outbox-telegram--100777', firstRun).describe()).status.name).toBe('CONTINUED_AS_NEW');

  await enqueueChatMessage(desk.env.client, chat, { key: 'ticket-7', mode: 'upsert', message: { text: 'Ticket 7: taken by Alice' } });
  await waitFor(() => texts(-100777).includes('Ticket 7: taken by Alice'), 'the live message edited');
  expect(texts(-100777)).toEqual(['Ticket 7: taken by Alice', 'hello']);
}, 120_000);
