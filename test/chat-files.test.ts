/**
 * Files handed over in chat: a document and a chart (photo) reach Telegram
 * (multipart upload), Slack (upload URL + completeUploadExternal) and the web
 * console (served back byte for byte); a caption too long for Telegram is sent
 * as text first, never cut.
 */
import { mkdtempSync, writeFileSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { enqueueChatMessage } from '../activities/chat/outbox-client';
import { baseConfig, startDesk, type Desk } from './helpers/desk';
import { waitFor } from './helpers/wait';
import { SlackWebApi } from './peers/slack-web-api';
import { TelegramBotApi } from './peers/telegram-bot-api';

let telegram: TelegramBotApi;
let slack: SlackWebApi;
let desk: Desk;
const dir = mkdtempSync(path.join(os.tmpdir(), 'dutydesk-files-'));
const dump = path.join(dir, 'threads.txt');
const chart = path.join(dir, 'gantt.png');
const dumpBytes = Buffer.from('"main" #1 prio=5 os_prio=0 tid=0x1 nid=0x2 runnable\n'.repeat(200));
// A 1x1 PNG: what a chart image looks like on the wire.
const pngBytes = Buffer.from('89504e470d0a1a0a0000000d4948445200000001000000010806000000'.padEnd(134, '0'), 'hex');

beforeAll(async () => {
  writeFileSync(dump, dumpBytes);
  writeFileSync(chart, pngBytes);
  telegram = await new TelegramBotApi().start();
  slack = await new SlackWebApi().start();
  Object.assign(process.env, { DD_TEST_TELEGRAM_TOKEN: telegram.token, DD_TEST_SLACK_TOKEN: slack.botToken, DD_TEST_SLACK_SECRET: slack.signingSecret });
  desk = await startDesk(
    baseConfig(
      { local1: { address: '127.0.0.1', transport: 'local', services: { app: { steps: [{ name: 'x', run: 'true' }] } } } },
      {
        telegram: { token: { env: 'DD_TEST_TELEGRAM_TOKEN' }, apiRoot: telegram.apiRoot },
        slack: { botToken: { env: 'DD_TEST_SLACK_TOKEN' }, signingSecret: { env: 'DD_TEST_SLACK_SECRET' }, apiUrl: slack.apiUrl },
      },
    ),
  );
}, 120_000);

afterAll(async () => {
  await desk?.stop();
  await telegram?.stop();
  await slack?.stop();
});

test('Telegram gets the document and the chart as uploads, with captions', async () => {
  const chat = { platform: 'telegram' as const, chatId: '4001' };
  await enqueueChatMessage(desk.env.client, chat, { key: 'dump', mode: 'new', message: { text: 'Thread dump of shop on web1', file: { path: dump, name: 'threads.txt', kind: 'document' } } });
  await enqueueChatMessage(desk.env.client, chat, { key: 'chart', mode: 'new', message: { text: 'Forecast', file: { path: chart, name: 'gantt.png', kind: 'photo' } } });
  const [doc, photo] = await waitFor(() => {
    const files = telegram.botMessages(4001).filter((m) => m.file);
    return files.length === 2 && files;
  }, 'both files');
  expect(doc.file).toEqual({ kind: 'document', name: 'threads.txt', bytes: dumpBytes });
  expect(doc.caption).toBe('Thread dump of shop on web1');
  expect(photo.file?.kind).toBe('photo');
  expect(photo.file?.bytes.equals(pngBytes)).toBe(true);
});

test('a caption longer than Telegram allows goes first as text, whole, then the file', async () => {
  const chat = { platform: 'telegram' as const, chatId: '4002' };
  const long = `Heap dump summary\n${'retained by cache: 12 MB\n'.repeat(80)}`;
  await enqueueChatMessage(desk.env.client, chat, { key: 'long', mode: 'new', message: { text: long, file: { path: dump, name: 'threads.txt', kind: 'document' } } });
  await waitFor(() => telegram.botMessages(4002).some((m) => m.file), 'the file after the text');
  const [text, file] = telegram.botMessages(4002);
  expect(text.text).toBe(long);
  expect(file.file?.name).toBe('threads.txt');
});

test('Slack gets the file through its upload flow, shared in the channel with the text', async () => {
  await enqueueChatMessage(desk.env.client, { platform: 'slack', chatId: 'C0OPS' }, { key: 'dump', mode: 'new', message: { text: 'Thread dump', file: { path: dump, name: 'threads.txt', kind: 'document' } } });
  const shared = await waitFor(() => slack.files.find((f) => f.channel === 'C0OPS'), 'the shared file');
  expect(shared.name).toBe('threads.txt');
  expect(shared.bytes?.equals(dumpBytes)).toBe(true);
  expect(shared.comment).toBe('Thread dump');
});

test('the web console shows the file and serves it back byte for byte', async () => {
  await enqueueChatMessage(desk.env.client, { platform: 'web', chatId: 'ops' }, { key: 'chart', mode: 'new', message: { text: 'Forecast', file: { path: chart, name: 'gantt.png', kind: 'photo' } } });
  const message = await desk.botMessage('ops', (m) => Boolean(m.attachment), 'the message with the chart');
  expect(message.attachment).toMatchObject({ name: 'gantt.png', kind: 'photo' });
  const res = await fetch(`${desk.url}/console/files/${message.attachment!.fileId}`);
  expect(res.status).toBe(200);
  expect(Buffer.from(await res.arrayBuffer()).equals(pngBytes)).toBe(true);
  expect((await fetch(`${desk.url}/console/files/00000000-0000-0000-0000-000000000000`)).status).toBe(404);
});
