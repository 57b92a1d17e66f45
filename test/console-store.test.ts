/**
 * The console's store stays within its bounds however much is posted
 * (messages per chat, chats, all messages, idempotency keys; the oldest go
 * first), and its file is written after a change, not at once, and never
 * again while nothing changed.
 */
import { mkdtempSync, readFileSync, statSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { ConsoleStore, KEEP_CHATS, KEEP_IDEMPOTENCY_KEYS, KEEP_MESSAGES, KEEP_PER_CHAT, type ConsoleMessage } from '../chat-gateway/web-console/store';
import { waitFor } from './helpers/wait';

const tmpFile = () => path.join(mkdtempSync(path.join(os.tmpdir(), 'dutydesk-store-')), 'console-messages.json');

test('one chat keeps its newest messages; the dropped ones are told to listeners', () => {
  const store = new ConsoleStore();
  const dropped: ConsoleMessage[] = [];
  store.on('dropped', (m: ConsoleMessage) => dropped.push(m));
  for (let i = 1; i <= KEEP_PER_CHAT + 50; i++) store.post('dm-alice', { text: `m${i}` }, { from: 'user', userId: 'alice' });
  const kept = store.list('dm-alice');
  expect(kept).toHaveLength(KEEP_PER_CHAT);
  expect(kept[0].text).toBe('m51');
  expect(kept.at(-1)!.text).toBe(`m${KEEP_PER_CHAT + 50}`);
  expect(dropped.map((m) => m.text)).toEqual(Array.from({ length: 50 }, (_, i) => `m${i + 1}`));
  expect(store.get(dropped[0].id)).toBeUndefined();
});

test('chats made up by strangers are bounded too: the chat with the oldest last message goes', () => {
  const store = new ConsoleStore();
  store.post('ops', { text: 'kept: it is busy' }, { from: 'bot' });
  for (let i = 0; i < KEEP_CHATS + 30; i++) {
    store.post(`dm-stranger-${i}`, { text: 'hello' }, { from: 'user', userId: `stranger-${i}` });
    if (i % 50 === 0) store.post('ops', { text: `still busy ${i}` }, { from: 'bot' });
  }
  expect(store.size().chats).toBe(KEEP_CHATS);
  expect(store.list('ops').length).toBeGreaterThan(0);
  expect(store.list('dm-stranger-0')).toEqual([]);
  expect(store.list(`dm-stranger-${KEEP_CHATS + 29}`)).toHaveLength(1);
});

test('all messages and idempotency keys are bounded, the newest kept', () => {
  const store = new ConsoleStore();
  const total = KEEP_MESSAGES + 1000;
  const perChat = Math.floor(KEEP_PER_CHAT / 2);
  for (let i = 0; i < total; i++) store.post(`chat-${Math.floor(i / perChat) % KEEP_CHATS}`, { text: `n${i}` }, { from: 'bot', idempotencyKey: `key-${i}` });
  const size = store.size();
  expect(size.messages).toBeLessThanOrEqual(KEEP_MESSAGES);
  expect(size.chats).toBeLessThanOrEqual(KEEP_CHATS);
  expect(size.idempotencyKeys).toBe(KEEP_IDEMPOTENCY_KEYS);
  // The newest key still finds its message: a retried send is not posted twice.
  const last = store.post(`chat-x`, { text: 'again' }, { from: 'bot', idempotencyKey: `key-${total - 1}` });
  expect(last.text).toBe(`n${total - 1}`);
});

test('a changed store reaches the file after a short while; an unchanged one is not written again', async () => {
  const file = tmpFile();
  const store = new ConsoleStore(file, { saveEveryMs: 200 });
  store.post('ops', { text: 'first' }, { from: 'bot' });
  // Not written at every change: the write waits for the interval.
  expect(() => statSync(file)).toThrow();
  await waitFor(() => {
    try {
      return JSON.parse(readFileSync(file, 'utf8')).messages.length === 1;
    } catch {
      return false;
    }
  }, 'the first write');
  const written = statSync(file);
  // Nothing changed: neither a flush (as on stop) nor the passing of time rewrites it (each write is a new file, renamed).
  store.flush();
  await waitFor(() => Date.now() - written.mtimeMs > 600, 'three intervals to pass');
  expect(statSync(file).ino).toBe(written.ino);

  // Many changes in a burst: one write, on flush at the latest.
  for (let i = 0; i < 100; i++) store.post('ops', { text: `burst ${i}` }, { from: 'bot' });
  store.flush();
  const after = statSync(file);
  expect(after.ino).not.toBe(written.ino);
  expect(JSON.parse(readFileSync(file, 'utf8')).messages).toHaveLength(101);
  store.flush();
  expect(statSync(file).ino).toBe(after.ino);

  // A new store reads it back, within the bounds.
  expect(new ConsoleStore(file).list('ops').map((m) => m.text).slice(0, 2)).toEqual(['first', 'burst 0']);
});
