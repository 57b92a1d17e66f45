/**
 * A burst of notifications through the outbox to the local Telegram Bot API
 * server, which enforces Telegram's limits (30/s per bot, 1/s per chat) with
 * 429s. Prints delivered, lost, duplicated, 429s, time and the achieved rate
 * as a share of the 30/s ceiling. Targets: 0 lost, 0 duplicated, >= 90%.
 *   npm run bench:telegram -- [messages=1000] [chats=50] [messagesPerSecond=29]
 */
import { enqueueChatMessage } from '../activities/chat/outbox-client';
import { baseConfig, startDesk } from '../test/helpers/desk';
import { waitFor } from '../test/helpers/wait';
import { TelegramBotApi } from '../test/peers/telegram-bot-api';
import { runBench } from './stats';

const [total = 1000, chats = 50, perSecond = 29] = process.argv.slice(2).map(Number);
const CEILING = 30;

async function main() {
  const api = await new TelegramBotApi({ perChatIntervalMs: 1000, perGroupPerMinute: 20, perBotPerSecond: CEILING }).start();
  process.env.DD_TEST_TELEGRAM_TOKEN = api.token;
  const desk = await startDesk(
    baseConfig(
      { local1: { address: '127.0.0.1', transport: 'local', services: { app: { steps: [{ name: 'x', run: 'true' }] } } } },
      { telegram: { token: { env: 'DD_TEST_TELEGRAM_TOKEN' }, apiRoot: api.apiRoot, messagesPerSecond: perSecond } },
    ),
  );
  const chatIds = Array.from({ length: chats }, (_, i) => 3000 + i);
  const perChat = Math.ceil(total / chats);
  const t0 = performance.now();
  // Producers: one per chat, each enqueueing its messages in order.
  await Promise.all(
    chatIds.map(async (chatId) => {
      for (let i = 0; i < perChat; i++) {
        await enqueueChatMessage(desk.env.client, { platform: 'telegram', chatId: String(chatId) }, { key: `b-${i}`, mode: 'new', message: { text: `chat ${chatId} message ${i}` } });
      }
    }),
  );
  const enqueued = performance.now() - t0;
  const expected = perChat * chats;
  await waitFor(() => chatIds.reduce((n, c) => n + api.botMessages(c).length, 0) >= expected, 'every message', 600_000, 100);
  const seconds = (performance.now() - t0) / 1000;
  let lost = 0;
  let duplicated = 0;
  let outOfOrder = 0;
  for (const chatId of chatIds) {
    const texts = api.botMessages(chatId).map((m) => m.text);
    const want = Array.from({ length: perChat }, (_, i) => `chat ${chatId} message ${i}`);
    lost += want.filter((w) => !texts.includes(w)).length;
    duplicated += texts.length - new Set(texts).size;
    if (JSON.stringify(texts) !== JSON.stringify(want)) outOfOrder++;
  }
  const rate = expected / seconds;
  // Steady state: deliveries between the 10th and 90th percentile, to tell ramp-up and tail from throughput.
  const sends = api.calls.filter((c) => c.method === 'sendMessage').map((c) => c.at).sort((a, b) => a - b);
  const [p10, p90] = [sends[Math.floor(sends.length * 0.1)], sends[Math.floor(sends.length * 0.9)]];
  const steady = (sends.filter((t) => t >= p10 && t <= p90).length - 1) / ((p90 - p10) / 1000);
  console.log(`${expected} notifications to ${chats} chats through the outbox (worker rate ${perSecond}/s, Telegram ceiling ${CEILING}/s)`);
  console.log(`  delivered ${expected - lost}, lost ${lost}, duplicated ${duplicated}, chats out of order ${outOfOrder}, 429s seen ${api.tooManyRequests}`);
  console.log(`  enqueued in ${(enqueued / 1000).toFixed(1)} s, all delivered in ${seconds.toFixed(1)} s: ${rate.toFixed(1)} msg/s = ${((100 * rate) / CEILING).toFixed(0)}% of the ceiling; steady state ${steady.toFixed(1)} calls/s (${((100 * steady) / CEILING).toFixed(0)}%)`);
  // Fairness: when each chat's last message arrived, from the first send on.
  const finish = chatIds.map((c) => Math.max(...api.calls.filter((x) => x.method === 'sendMessage' && Number(x.params.chat_id) === c).map((x) => x.at)) - sends[0]);
  const perSecondCalls: number[] = [];
  for (const t of sends) {
    const second = Math.floor((t - sends[0]) / 1000);
    perSecondCalls[second] = (perSecondCalls[second] ?? 0) + 1;
  }
  console.log(`  chats finished between ${(Math.min(...finish) / 1000).toFixed(1)} s and ${(Math.max(...finish) / 1000).toFixed(1)} s after the first send`);
  console.log(`  sendMessage calls per second: ${Array.from(perSecondCalls, (n) => n ?? 0).join(' ')}`);
  await desk.stop();
  await api.stop();
}

runBench(main);
