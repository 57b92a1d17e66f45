/**
 * The audit trail: every command, button and API call, and every refusal,
 * as a JSON line in the data folder; `audit [person|host] [period]` answers
 * admins in chat and nobody else. The files stay bounded (rotated past a size,
 * a stranger's flood folded into a count) and search reads them from the end
 * in chunks, so a big trail is neither held whole nor answered "nothing found".
 */
import { appendFileSync, mkdtempSync, readdirSync, readFileSync, statSync, writeFileSync } from 'node:fs';
import { open } from 'node:fs/promises';
import os from 'node:os';
import path from 'node:path';
import { baseConfig, startDesk, type Desk } from './helpers/desk';
import { waitFor } from './helpers/wait';
import { AuditTrail, type AuditEntry } from '../chat-gateway/audit';

let desk: Desk;

beforeAll(async () => {
  process.env.TEST_API_TOKEN_ERIN = 'api-token-erin';
  desk = await startDesk(
    baseConfig(
      {
        web1: { address: '127.0.0.1', transport: 'local', groups: ['test'], services: { app: { steps: [{ name: 'noop', title: 'noop', run: 'true' }] } } },
        db1: { address: '127.0.0.1', transport: 'local', groups: ['test'], services: { app: { steps: [{ name: 'noop', title: 'noop', run: 'true' }] } } },
      },
      {
        roles: {
          viewer: { can: ['status'] },
          engineer: { can: ['status', 'restart'], hostGroups: ['test'] },
          admin: { can: ['status', 'audit'], hostGroups: ['*'] },
        },
        users: [
          { id: 'alice', name: 'Alice', roles: ['engineer'] },
          { id: 'carol', name: 'Carol', roles: ['viewer'] },
          { id: 'erin', name: 'Erin', roles: ['admin'] },
        ],
        api: { tokens: [{ user: 'erin', token: { env: 'TEST_API_TOKEN_ERIN' } }] },
      },
    ),
  );
}, 120_000);

afterAll(async () => {
  await desk?.stop();
});

const trail = () =>
  readFileSync(path.join(path.dirname(desk.configFile), '.data', 'audit.jsonl'), 'utf8')
    .split('\n')
    .filter(Boolean)
    .map((l) => JSON.parse(l) as AuditEntry);

test('commands, refusals, strangers and API calls each leave a line; admins read them with audit, others may not', async () => {
  await desk.say('alice', 'dm-alice', 'restart web1');
  await desk.botMessage('dm-alice', (m) => m.text.includes('✅ Done in'), 'the restart done');
  await desk.say('carol', 'dm-carol', 'restart db1');
  await desk.botMessage('dm-carol', (m) => m.text.startsWith('You may not use "restart"'), 'the refusal');
  await desk.say('mallory', 'dm-mallory', 'restart db1');
  expect((await fetch(`${desk.url}/api/v1/ola`, { headers: { authorization: 'Bearer guessed' } })).status).toBe(401);

  await waitFor(() => trail().length >= 4, 'four lines in the audit trail');
  const lines = trail();
  expect(lines).toEqual(
    expect.arrayContaining([
      expect.objectContaining({ who: 'alice', platform: 'web', chat: 'dm-alice', what: 'restart web1', outcome: 'done' }),
      expect.objectContaining({ who: 'carol', what: 'restart db1', outcome: 'refused', detail: 'lacks "restart"' }),
      expect.objectContaining({ who: 'mallory', what: 'restart db1', outcome: 'refused', detail: 'unknown person' }),
      expect.objectContaining({ platform: 'api', what: 'GET /api/v1/ola', outcome: 'refused', detail: 'missing or unknown token' }),
    ]),
  );
  expect(lines.every((l) => !Number.isNaN(Date.parse(l.at)))).toBe(true);

  await desk.say('erin', 'dm-erin', 'audit');
  const all = await desk.botMessage('dm-erin', (m) => m.text.startsWith('🧾 Audit trail for everyone'), 'the audit answer');
  expect(all.text).toContain('alice (web dm-alice): restart web1 → done');
  expect(all.text).toContain('carol (web dm-carol): restart db1 → refused (lacks "restart")');
  await desk.say('erin', 'dm-erin', 'audit carol today');
  const carols = await desk.botMessage('dm-erin', (m) => m.text.startsWith('🧾 Audit trail for carol'), "carol's lines");
  expect(carols.text).not.toContain('alice');
  await desk.say('erin', 'dm-erin', 'audit web1');
  const web1 = await desk.botMessage('dm-erin', (m) => m.text.startsWith('🧾 Audit trail for web1'), "web1's lines");
  expect(web1.text).toContain('restart web1 → done');
  expect(web1.text).not.toContain('db1');
  await desk.say('erin', 'dm-erin', 'audit constructor');
  await desk.botMessage('dm-erin', (m) => m.text.startsWith('I do not understand the period "constructor"'), 'a name that is neither a person nor a host');

  await desk.say('alice', 'dm-alice', 'audit');
  await desk.botMessage('dm-alice', (m) => m.text.startsWith('You may not use "audit"'), 'audit refused to Alice');
  await waitFor(() => trail().some((l) => l.who === 'alice' && l.what === 'audit' && l.outcome === 'refused'), "Alice's refused audit in the trail");
});

test("a stranger's flood of token-less API calls through the gateway adds no line per call", async () => {
  const before = trail().filter((l) => l.who.startsWith('api:') && l.what === 'GET /api/v1/ola').length;
  for (let i = 0; i < 50; i++) expect((await fetch(`${desk.url}/api/v1/ola`)).status).toBe(401);
  await waitFor(() => trail().some((l) => l.who.startsWith('api:') && l.what === 'GET /api/v1/ola'), 'the refusal in the trail');
  // The first test's 401 opened the 60 s window, or (if it took longer) the first of these did: one line at most.
  expect(trail().filter((l) => l.who.startsWith('api:') && l.what === 'GET /api/v1/ola').length - before).toBeLessThanOrEqual(1);
});

const tmpTrail = () => path.join(mkdtempSync(path.join(os.tmpdir(), 'dutydesk-audit-')), 'audit.jsonl');
const quiet = () => undefined;
const linesOf = (file: string) =>
  readFileSync(file, 'utf8')
    .split('\n')
    .filter(Boolean)
    .map((l) => JSON.parse(l) as AuditEntry);
const range = (from: number, to: number) => Array.from({ length: to - from + 1 }, (_, i) => from + i);

/** Counts what a search reads, through the file handles' read(). */
async function spyOnReads(file: string) {
  const handle = await open(file, 'r');
  const spy = jest.spyOn(Object.getPrototypeOf(handle) as { read: (...args: unknown[]) => unknown }, 'read');
  await handle.close();
  const lengths = () => spy.mock.calls.map((c) => c[2] as number);
  return { spy, total: () => lengths().reduce((a, b) => a + b, 0), largest: () => Math.max(0, ...lengths()) };
}

test('past its size limit the trail becomes audit.jsonl.1 (older ones shift, only the newest N kept); search reads across them newest first', async () => {
  const file = tmpTrail();
  const audit = new AuditTrail(file, quiet, { maxBytes: 2000, keep: 3 });
  for (let i = 1; i <= 300; i++) void audit.record({ who: 'alice', platform: 'web', chat: 'dm-alice', what: `status ${i}`, outcome: 'done' });
  await audit.search(() => false, 1); // in the writer's turn: after the appends
  expect(readdirSync(path.dirname(file)).sort()).toEqual(['audit.jsonl', 'audit.jsonl.1', 'audit.jsonl.2', 'audit.jsonl.3']);
  const files = [`${file}.3`, `${file}.2`, `${file}.1`, file];
  for (const f of files) {
    expect(statSync(f).size).toBeLessThanOrEqual(2000);
    expect(readFileSync(f, 'utf8').endsWith('\n')).toBe(true); // whole lines only
  }
  // Oldest file first, the lines run on without a gap up to the newest; the oldest files were dropped.
  const kept = files.flatMap((f) => linesOf(f).map((l) => l.what));
  expect(kept.length).toBeLessThan(150);
  expect(kept).toEqual(range(301 - kept.length, 300).map((i) => `status ${i}`));
  expect(linesOf(`${file}.1`).length).toBeGreaterThan(10);

  expect((await audit.search(() => true, 5)).map((e) => e.what)).toEqual(range(296, 300).map((i) => `status ${i}`));
  expect((await audit.search(() => true, 1000)).map((e) => e.what)).toEqual(kept);
  expect((await audit.search((e) => e.what === kept[0] || e.what === 'status 300', 10)).map((e) => e.what)).toEqual([kept[0], 'status 300']);
  expect(await audit.search((e) => e.what === 'status 1', 10)).toEqual([]);
});

test('a line left torn by a crash is skipped, and the next line starts on its own; a character split between chunks reads right', async () => {
  const file = tmpTrail();
  const line = (what: string) => JSON.stringify({ at: new Date().toISOString(), who: 'alice', platform: 'web', what, outcome: 'done' });
  writeFileSync(file, `${line('status é1 ✓')}\n${'x'.repeat(70_000)}\n${line('status é2 ✓')}\n{"at":"2024-01-01T00:0`);
  const audit = new AuditTrail(file, quiet, { chunkBytes: 7 });
  await audit.record({ who: 'alice', platform: 'web', what: 'status é3 ✓', outcome: 'done' });
  expect((await audit.search(() => true, 10)).map((e) => e.what)).toEqual(['status é1 ✓', 'status é2 ✓', 'status é3 ✓']);
  expect(readFileSync(file, 'utf8').split('\n').at(-2)).toContain('status é3 ✓');
});

test('search on a file far bigger than its chunk returns the newest matches, reading from the end a chunk at a time', async () => {
  const file = tmpTrail();
  const newest = Date.parse('2025-03-01T12:00:00Z');
  const count = 200_000; // about 20 MB, one line a second
  for (let start = 0; start < count; start += 10_000) {
    const lines = range(start, start + 9_999).map((i) =>
      JSON.stringify({ at: new Date(newest - (count - 1 - i) * 1000).toISOString(), who: 'alice', platform: 'web', chat: 'dm-alice', what: `status web${i}`, outcome: i % 10_000 === 0 ? 'failed' : 'done', detail: 'padding to a hundred bytes' }),
    );
    appendFileSync(file, `${lines.join('\n')}\n`);
  }
  expect(statSync(file).size).toBeGreaterThan(20_000_000);
  const audit = new AuditTrail(file, quiet);
  const reads = await spyOnReads(file);
  try {
    expect((await audit.search(() => true, 5)).map((e) => e.what)).toEqual(range(count - 5, count - 1).map((i) => `status web${i}`));
    expect(reads.total()).toBeLessThanOrEqual(1024 * 1024);

    // Matches 10,000 lines apart: it reads back only as far as the fifth (a quarter of the file), give or take a chunk.
    const size = statSync(file).size;
    reads.spy.mockClear();
    expect((await audit.search((e) => e.outcome === 'failed', 5)).map((e) => e.what)).toEqual([150_000, 160_000, 170_000, 180_000, 190_000].map((i) => `status web${i}`));
    expect(reads.total()).toBeLessThanOrEqual(size / 4 + 1024 * 1024);

    // An hour back (and the few minutes' slack for a stepped clock): the rest of the file is not read.
    reads.spy.mockClear();
    expect(await audit.search(() => false, 5, newest - 3_600_000)).toEqual([]);
    expect(reads.total()).toBeLessThanOrEqual(1024 * 1024);

    // Nothing matches: all of it read, never more than a chunk at once, and an honest empty answer.
    reads.spy.mockClear();
    expect(await audit.search(() => false, 5)).toEqual([]);
    expect(reads.total()).toBe(size);
    expect(reads.largest()).toBeLessThanOrEqual(1024 * 1024);
  } finally {
    reads.spy.mockRestore();
  }
});

test("a flood of a stranger's identical refusals is written once, then once with the count; known people's lines are never merged", async () => {
  const file = tmpTrail();
  const logged: string[] = [];
  const audit = new AuditTrail(file, (l) => logged.push(l), { repeatWindowMs: 500 });
  const refusal = { who: 'api:203.0.113.9', platform: 'api', what: 'GET /api/v1/ola', outcome: 'refused', detail: 'missing or unknown token' } as const;
  for (let i = 0; i < 1000; i++) void audit.record(refusal);
  for (let i = 0; i < 20; i++) void audit.record({ who: 'carol', platform: 'web', chat: 'dm-carol', what: 'restart db1', outcome: 'refused', detail: 'lacks "restart"' });
  void audit.record({ ...refusal, what: 'GET /api/v1/tickets' });
  void audit.record({ ...refusal, who: 'api:198.51.100.7' });
  void audit.record({ ...refusal, outcome: 'failed' });
  await audit.search(() => false, 1);
  const flood = () => linesOf(file).filter((l) => l.who === refusal.who && l.what === refusal.what && l.outcome === 'refused');
  expect(flood()).toHaveLength(1);
  expect(flood()[0]).not.toHaveProperty('repeats');
  expect(linesOf(file).filter((l) => l.who === 'carol')).toHaveLength(20);
  expect(linesOf(file)).toHaveLength(1 + 20 + 3);

  // The window closes: one line counts the rest.
  await waitFor(() => flood().length === 2, 'the line with the count');
  expect(flood()[1]).toEqual(expect.objectContaining({ ...refusal, repeats: 999 }));
  expect(linesOf(file)).toHaveLength(1 + 20 + 3 + 1);
  expect(logged).toHaveLength(linesOf(file).length);
  expect((await audit.search((e) => e.who === refusal.who, 5)).map((e) => e.repeats)).toEqual([undefined, undefined, undefined, 999]);

  // A refusal after the window is written at once again.
  await audit.record(refusal);
  expect(flood()).toHaveLength(3);
});
