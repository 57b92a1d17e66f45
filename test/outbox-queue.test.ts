/**
 * The outbox's queue rules: edits of one message merge while waiting, a
 * repeated message is dropped, batches stop at what cannot be batched, and a
 * live message stays editable however many messages follow it in its chat.
 */
import type { OutboxItem, OutboxState } from '../workflows/outbox/definitions';
import { KEEP_EDITABLE, KEEP_SENT, enqueue, remember, sentId, takeBatch } from '../workflows/outbox/queue';

const emptyState = (): OutboxState => ({ chat: { platform: 'web', chatId: 'ops' }, policy: { minIntervalMs: 0 }, queue: [], sent: [], delivered: 0, failed: [] });
const fresh = (key: string, text = key): OutboxItem => ({ key, mode: 'new', message: { text } });
const live = (key: string, text: string): OutboxItem => ({ key, mode: 'upsert', message: { text } });

test('edits of one message waiting in the queue merge in place: the latest state wins, the order stays', () => {
  const state = emptyState();
  enqueue(state, live('progress', 'step 1'));
  enqueue(state, fresh('alert'));
  enqueue(state, live('progress', 'step 2'));
  enqueue(state, live('progress', 'step 3'));
  expect(state.queue.map((q) => [q.key, q.message.text])).toEqual([
    ['progress', 'step 3'],
    ['alert', 'alert'],
  ]);
});

test('a message enqueued again while it waits, or after it was sent, goes once', () => {
  const state = emptyState();
  enqueue(state, fresh('a'));
  enqueue(state, fresh('a'));
  expect(state.queue).toHaveLength(1);
  remember(state, 'b', 'm-1', false);
  enqueue(state, fresh('b'));
  expect(takeBatch(state, 10).map((i) => i.key)).toEqual(['a']); // "b" was already delivered
});

test('a batch takes new messages from the head and stops at a live message or a file', () => {
  const state = emptyState();
  for (const item of [fresh('1'), fresh('2'), live('p', 'x'), fresh('3'), { key: 'f', mode: 'new', message: { text: '', file: { path: '/tmp/x', name: 'x', kind: 'document' } } } as OutboxItem]) enqueue(state, item);
  expect(takeBatch(state, 25).map((i) => i.key)).toEqual(['1', '2']);
  state.queue.shift();
  expect(takeBatch(state, 25).map((i) => i.key)).toEqual(['3']);
  expect(takeBatch(state, 25)).toEqual([]);
  expect(state.queue.map((i) => i.key)).toEqual(['f']);
});

test('with first posts, live messages not yet posted join the batch; an edit of a posted one ends it', () => {
  const state = emptyState();
  remember(state, 'ticket/rt/1/1', 'm-1', true);
  for (const item of [live('ticket/rt/2/1', 'announce 2'), fresh('n'), live('ticket/rt/3/1', 'announce 3'), live('ticket/rt/1/1', 'taken'), live('ticket/rt/4/1', 'announce 4')]) enqueue(state, item);
  expect(takeBatch(state, 25, true).map((i) => i.key)).toEqual(['ticket/rt/2/1', 'n', 'ticket/rt/3/1']);
  expect(state.queue.map((i) => i.key)).toEqual(['ticket/rt/1/1', 'ticket/rt/4/1']);
});

test('a live message is still edited after more new messages than the outbox remembers', () => {
  const state = emptyState();
  remember(state, 'ticket/rt/42/1', 'm-ticket', true);
  for (let i = 0; i < KEEP_SENT + 200; i++) remember(state, `alert-${i}`, `m-${i}`, false);
  expect(sentId(state, 'ticket/rt/42/1')).toBe('m-ticket');
  // New messages' keys are kept only as far as needed to drop repeats.
  expect(sentId(state, 'alert-0')).toBeUndefined();
  expect(sentId(state, `alert-${KEEP_SENT + 199}`)).toBe(`m-${KEEP_SENT + 199}`);
  expect(state.sent).toHaveLength(KEEP_SENT + 1);
});

test('live messages have a limit of their own, the oldest forgotten first', () => {
  const state = emptyState();
  for (let i = 0; i < KEEP_EDITABLE + 5; i++) remember(state, `live-${i}`, `m-${i}`, true);
  expect(sentId(state, 'live-4')).toBeUndefined();
  expect(sentId(state, 'live-5')).toBe('m-5');
  expect(state.sent).toHaveLength(KEEP_EDITABLE);
});

test('runs from before the change keep one list, as they did', () => {
  const state = emptyState();
  remember(state, 'progress', 'm-live', true, false);
  for (let i = 0; i < KEEP_SENT; i++) remember(state, `n-${i}`, `m-${i}`, false, false);
  expect(sentId(state, 'progress')).toBeUndefined();
  expect(state.sent).toHaveLength(KEEP_SENT);
});
