/**
 * A thread dump whose jcmd runs longer than the activity's heartbeat timeout
 * (30 s) keeps heartbeating, so no retry runs beside it; and a worker killed
 * after the file was gzipped on the host leaves a dump the next worker hands
 * over, not one every retry fails on.
 */
import type { ChildProcess } from 'node:child_process';
import { execFileSync } from 'node:child_process';
import { chmodSync, existsSync, mkdirSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { gunzipSync } from 'node:zlib';
import { baseConfig, startDesk, type Desk } from '../helpers/desk';
import { startJvm, type TestJvm } from '../helpers/jvm';
import { waitFor } from '../helpers/wait';

let dir: string;
let jvm: TestJvm;
let desk: Desk;
let hostLog: string;
const workers: ChildProcess[] = [];

const lines = () => (existsSync(hostLog) ? readFileSync(hostLog, 'utf8').split('\n').filter(Boolean) : []);

beforeAll(async () => {
  dir = mkdtempSync(path.join(os.tmpdir(), 'dutydesk-tdump-'));
  hostLog = path.join(dir, 'host.log');
  jvm = await startJvm({ heapMiB: 8 });
  const bin = path.join(dir, 'bin');
  mkdirSync(bin);
  // jcmd that takes 35 s, longer than the 30 s heartbeat timeout of the dump's activity.
  const jcmd = path.join(bin, 'slow-jcmd');
  writeFileSync(jcmd, `#!/bin/sh\necho "jcmd start" >> ${hostLog}\nsleep 35\njcmd "$@"\nrc=$?\necho "jcmd end" >> ${hostLog}\nexit $rc\n`);
  // gzip that, the first time, holds on after compressing, so the test can kill the worker right then.
  const realGzip = execFileSync('sh', ['-c', 'command -v gzip'], { encoding: 'utf8' }).trim();
  const held = path.join(dir, 'gzip-held');
  writeFileSync(path.join(bin, 'gzip'), `#!/bin/sh\n${realGzip} "$@"\nrc=$?\necho "gzip done" >> ${hostLog}\nif [ ! -e ${held} ]; then : > ${held}; sleep 120; fi\nexit $rc\n`);
  for (const f of [jcmd, path.join(bin, 'gzip')]) chmodSync(f, 0o755);
  process.env.PATH = `${bin}:${process.env.PATH}`;
  desk = await startDesk(
    baseConfig(
      {
        java1: {
          address: '127.0.0.1',
          transport: 'local',
          groups: ['test'],
          services: { app: { steps: [{ name: 'noop', run: 'true' }], java: { match: jvm.match, dumpDir: path.join(dir, 'host-dumps'), reserve: '1MiB', jcmd, threadDumps: { count: 1, interval: '1s' } } } },
        },
      },
      {
        roles: { engineer: { can: ['status', 'dump'], hostGroups: ['test'] }, lead: { can: ['status', 'dump'], hostGroups: ['*'] }, viewer: { can: ['status'] } },
        dumps: { dir: path.join(dir, 'dumps'), chatFileLimit: '8MiB' },
      },
    ),
    { inProcessWorker: false },
  );
}, 180_000);

afterAll(async () => {
  for (const w of workers) if (w.exitCode === null && w.signalCode === null) w.kill('SIGKILL');
  await desk?.stop();
  await jvm?.stop();
  rmSync(dir, { recursive: true, force: true });
});

test('a jcmd slower than the heartbeat timeout runs once, and a worker killed after gzip leaves a dump the next worker hands over', async () => {
  workers.push(await desk.startWorkerProcess());
  const asked = await desk.say('alice', 'ops', 'dump threads java1 app');
  await waitFor(() => lines().includes('gzip done'), 'the dump to be gzipped on the host', 90_000);
  // 35 s of jcmd, past the heartbeat timeout: still the one attempt.
  expect(lines()).toEqual(['jcmd start', 'jcmd end', 'gzip done']);

  const first = workers[0];
  first.kill('SIGKILL');
  await new Promise((r) => first.once('exit', r));
  workers.push(await desk.startWorkerProcess());

  const title = '🧵 1 thread dump';
  const done = await desk.botMessage('ops', (m) => Number(m.id) > Number(asked.id) && m.text.startsWith(title) && /\n(✅|❌|⏹) /.test(m.text), 'the dump to end', 120_000);
  expect(done.text).toMatch(/✅ Done in/);
  const handOver = await desk.botMessage('ops', (m) => m.text.startsWith('📦 🧵') && Boolean(m.attachment), 'the thread dump file');
  const text = gunzipSync(Buffer.from(await (await fetch(`${desk.url}/console/files/${handOver.attachment!.fileId}`)).arrayBuffer())).toString('utf8');
  // One dump in the file, jcmd run once in all: nothing ran beside, nothing appended twice.
  expect(text.match(/===== dutydesk thread dump 1\/1 of PID/g)).toHaveLength(1);
  expect(lines().filter((l) => l === 'jcmd start')).toHaveLength(1);
}, 240_000);
