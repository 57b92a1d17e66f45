/**
 * Handing a dump over is decided by the worker's configuration, not by the
 * run: only the dump workflow of a configured service hands over, only a dump
 * file of that service kept in dumps.dir, under its own name and size, and
 * only to someone who may dump the host, in a configured chat or their own
 * direct chat. And a dump's files are removed from the host even when the
 * configuration changed during the dump. The activities are called as the
 * workflow would (MockActivityEnvironment) against a desk whose outbox really
 * delivers to the console.
 */
import { existsSync, mkdirSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { MockActivityEnvironment } from '@temporalio/testing';
import { createDumpActivities } from '../activities/dumps/activities';
import { HostExecutors } from '../activities/hosts/executors';
import type { DumpRequest, FetchedDump } from '../workflows/dump/definitions';
import { baseConfig, startDesk, type Desk } from './helpers/desk';
import { rejectionOf } from './helpers/rejection';

let desk: Desk;
let dir: string;
let dumpsDir: string;
let hostDir: string;
let activities: ReturnType<typeof createDumpActivities>;
const FILE = 'app-jvm1-20261201-101500.hprof.gz';
const SHA = 'a'.repeat(64);

beforeAll(async () => {
  dir = mkdtempSync(path.join(os.tmpdir(), 'dutydesk-handover-'));
  dumpsDir = path.join(dir, 'dumps');
  hostDir = path.join(dir, 'host-dumps');
  mkdirSync(dumpsDir);
  mkdirSync(hostDir);
  writeFileSync(path.join(dumpsDir, FILE), 'x'.repeat(1000));
  writeFileSync(path.join(dumpsDir, 'db-jvm1-20261201-101500.hprof.gz'), 'y'.repeat(1000));
  process.env.DD_HANDOVER_LINKS = 'handover-link-secret';
  const java = { match: '^java .*app\\.jar', dumpDir: hostDir, reserve: '1MiB' };
  const noop = { steps: [{ name: 'noop', run: 'true' }] };
  const config = baseConfig(
    { jvm1: { address: '127.0.0.1', transport: 'local', groups: ['test'], services: { app: { ...noop, java }, db: { ...noop, java: { ...java, match: '^java .*db\\.jar' } } } } },
    {
      roles: { engineer: { can: ['status', 'dump'], hostGroups: ['test'] }, viewer: { can: ['status'] }, lead: { can: ['status', 'dump'], hostGroups: ['*'] } },
      dumps: { dir: dumpsDir, chatFileLimit: '1KiB', linkSecret: { env: 'DD_HANDOVER_LINKS' } },
    },
  );
  desk = await startDesk(config);
  activities = createDumpActivities({ config: desk.config, executors: new HostExecutors(desk.config), client: desk.env.client });
}, 120_000);

afterAll(async () => {
  await desk?.stop();
  rmSync(dir, { recursive: true, force: true });
});

const request = (over: Partial<DumpRequest> = {}): DumpRequest => ({
  host: 'jvm1',
  service: 'app',
  kind: 'heap',
  requestedBy: { id: 'alice', name: 'Alice' },
  chat: { platform: 'web', chatId: 'dm-alice' },
  language: 'en',
  java: { threadCount: 1, threadIntervalMs: 1000, removeAfterFetch: true },
  ...over,
});

/** As the dump workflow of jvm1's app (or of whatever run is named) calls it. */
function asRun<T>(work: () => Promise<T>, workflowId = 'dump-jvm1-app', workflowType = 'dumpWorkflow'): Promise<T> {
  return new MockActivityEnvironment({ workflowType, workflowExecution: { workflowId, runId: `run-${Math.random()}` } } as never).run(work);
}

const handOver = (req: DumpRequest, fetched: Partial<FetchedDump>, workflowId?: string, workflowType?: string) =>
  asRun(() => activities.handOverDump({ request: req, fetched: { localPath: path.join(dumpsDir, FILE), name: FILE, size: 1000, sha256: SHA, ...fetched } as FetchedDump, workflowId: workflowId ?? 'dump-jvm1-app', runId: 'r' }), workflowId, workflowType);

const refusal = async (promise: Promise<unknown>) => (await rejectionOf(promise, Error)).message;

test('the file is handed over under its own name and size, whatever the run says of them', async () => {
  await handOver(request(), { name: 'db-jvm1-20261201-101500.hprof.gz', size: 1e12 });
  const handed = await desk.botMessage('dm-alice', (m) => m.text.includes(FILE), 'the hand-over');
  expect(handed.text).not.toContain('db-jvm1');
  expect(handed.text).not.toMatch(/TiB|TB|GiB/);
});

test.each([
  ['another person\'s chat', request({ chat: { platform: 'web', chatId: 'dm-bob' } }), 'only in a configured chat or alice\'s direct chat'],
  ['an unconfigured Telegram chat', request({ chat: { platform: 'telegram', chatId: '666' } }), 'only in a configured chat'],
  ['someone who may not dump the host', request({ requestedBy: { id: 'carol', name: 'Carol' }, chat: { platform: 'web', chatId: 'dm-carol' } }), '"carol" may not take dumps of jvm1'],
  ['a person the configuration lacks', request({ requestedBy: { id: 'mallory', name: 'Mallory' }, chat: { platform: 'web', chatId: 'dm-mallory' } }), '"mallory" may not take dumps'],
])('a hand-over to %s is refused and nothing is posted', async (_what, req, why) => {
  expect(await refusal(handOver(req, {}))).toContain(why);
  expect((await desk.messages(req.chat.chatId)).some((m) => m.text.includes('hprof'))).toBe(false);
});

test('another service\'s file, a file outside dumps.dir or a made-up hash is refused', async () => {
  expect(await refusal(handOver(request(), { localPath: path.join(dumpsDir, 'db-jvm1-20261201-101500.hprof.gz') }))).toContain('is not a dump file of app on jvm1');
  expect(await refusal(handOver(request(), { localPath: '/etc/passwd' }))).toContain('is not a dump file of app on jvm1');
  expect(await refusal(handOver(request(), { sha256: 'click https://phish.example' }))).toContain('no SHA-256 of its own');
});

test('only the dump workflow of that service hands over', async () => {
  expect(await refusal(handOver(request(), {}, 'dump-jvm1-db'))).toContain('dump-jvm1-app');
  expect(await refusal(handOver(request(), {}, 'dump-jvm1-app', 'restartWorkflow'))).toContain('dumpWorkflow');
});

test('the dump\'s files are removed from the host even when the configuration changed during the dump', async () => {
  const onHost = 'app-jvm1-20261201-101500.hprof';
  writeFileSync(path.join(hostDir, onHost), 'heap');
  writeFileSync(path.join(hostDir, `${onHost}.gz`), 'heap');
  await asRun(() => activities.removeHostFiles({ host: 'jvm1', service: 'app', planId: 'from-before-the-change', file: onHost }));
  expect([existsSync(path.join(hostDir, onHost)), existsSync(path.join(hostDir, `${onHost}.gz`))]).toEqual([false, false]);
  // Still only dump files of the service, in its dump folder.
  expect(await refusal(asRun(() => activities.removeHostFiles({ host: 'jvm1', service: 'app', planId: 'x', file: '../../etc/passwd' })))).toContain('is not a dump file name of app on jvm1');
});
