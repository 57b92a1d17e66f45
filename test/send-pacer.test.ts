/**
 * The chat worker's pacer: no one-second window over the bot's rate, the
 * busiest chat first, and no call starved or left waiting once abandoned.
 */
import { SendPacer } from '../activities/chat/send-pacer';

/** Most calls that started within any one second. */
function busiestSecond(starts: number[]): number {
  let most = 0;
  for (let i = 0, j = 0; i < starts.length; i++) {
    while (starts[i] - starts[j] >= 1000) j++;
    most = Math.max(most, i - j + 1);
  }
  return most;
}

test('60 calls at once at 20/s: never more than 21 in a second, all done in about 3 s', async () => {
  const pacer = new SendPacer(20);
  const t0 = performance.now();
  const starts: number[] = [];
  await Promise.all(Array.from({ length: 60 }, (_, i) => pacer.acquire(i % 7).then(() => starts.push(performance.now()))));
  starts.sort((a, b) => a - b);
  // A slot may come up to one interval early after a late timer, never more.
  expect(busiestSecond(starts)).toBeLessThanOrEqual(21);
  const seconds = (starts[starts.length - 1] - t0) / 1000;
  expect(seconds).toBeGreaterThan(2.8);
  expect(seconds).toBeLessThan(4);
});

test('the chat with the most messages waiting goes first; equals in arrival order', async () => {
  const pacer = new SendPacer(50);
  await pacer.acquire(); // takes the free slot, so the next ones queue up
  const order: string[] = [];
  const calls = [
    ['a', 1],
    ['b', 5],
    ['c', 0],
    ['d', 5],
    ['e', 3],
  ] as const;
  await Promise.all(calls.map(([name, backlog]) => pacer.acquire(backlog).then(() => order.push(name))));
  expect(order).toEqual(['b', 'd', 'e', 'a', 'c']);
});

test('a lone alert is not starved by a steady stream of busier chats', async () => {
  const pacer = new SendPacer(10);
  await pacer.acquire();
  let stop = false;
  // Busy chats keep calls waiting at all times, each with a long backlog.
  const busy = async () => {
    while (!stop) await pacer.acquire(100);
  };
  const streams = [busy(), busy(), busy()];
  const t0 = performance.now();
  await pacer.acquire(0);
  const waited = performance.now() - t0;
  stop = true;
  await Promise.all(streams);
  expect(waited).toBeGreaterThanOrEqual(1900);
  expect(waited).toBeLessThan(2500);
});

test('an abandoned wait is rejected and gives its slot to the next caller', async () => {
  const pacer = new SendPacer(5);
  await pacer.acquire();
  const abort = new AbortController();
  const abandoned = pacer.acquire(9, abort.signal);
  const next = pacer.acquire(1);
  abort.abort(new Error('activity cancelled'));
  await expect(abandoned).rejects.toThrow('activity cancelled');
  const t0 = performance.now();
  await next;
  // The next caller takes the very slot the abandoned one would have had.
  expect(performance.now() - t0).toBeLessThan(250);
});
