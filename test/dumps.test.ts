/**
 * Heap and thread dumps from chat, with real parts: OpenSSH's sshd on
 * loopback as the host, a real JVM started by the test, the JDK's jcmd, SFTP,
 * the Temporal dev server and the web console. Dumps are taken, fetched,
 * checked and handed over; the disk guard, the process match, one dump at a
 * time, cancelling and the signed download links are checked as a user would.
 */
import { spawn, type ChildProcess } from 'node:child_process';
import { createHash } from 'node:crypto';
import { mkdirSync, readdirSync } from 'node:fs';
import path from 'node:path';
import { gunzipSync } from 'node:zlib';
import { baseConfig, startDesk, type Desk } from './helpers/desk';
import { startJvm, type TestJvm } from './helpers/jvm';
import { startSshd, type Sshd } from './helpers/sshd';
import { startFlakyProxy, type FlakyProxy } from './helpers/flaky-proxy';
import { mountSmallFs, type SmallFs } from './helpers/small-fs';
import { signedDumpUrl } from '../lib/signed-link';
import type { ConsoleMessage } from '../chat-gateway/web-console/store';

let sshd: Sshd;
let jvm: TestJvm;
let desk: Desk;
let dumpDir: string;
let localDir: string;
let proxy: FlakyProxy;
let smallFs: SmallFs;
const sleepers: ChildProcess[] = [];
const crowd: ChildProcess[] = [];
const LINK_SECRET = 'dump-link-test-secret';

beforeAll(async () => {
  sshd = await startSshd();
  jvm = await startJvm({ heapMiB: 16 });
  // Two processes alike, for the "several match" answer.
  for (let i = 0; i < 2; i++) sleepers.push(spawn('sleep', ['3141']));
  // A busy host: the process table is much longer than the part of a command's output a step keeps.
  for (let i = 0; i < 30; i++) crowd.push(spawn('bash', ['-c', 'sleep 3142', `busy-${i}-${'x'.repeat(400)}`]));
  dumpDir = path.join(sshd.dir, 'dumps');
  // An 8 MiB filesystem: a 16 MiB heap's dump cannot fit there.
  smallFs = mountSmallFs(8);
  // The same host reached through a link that drops once, 4 MiB into the SFTP transfer.
  proxy = await startFlakyProxy({ host: '127.0.0.1', port: sshd.port }, 4 * 1024 * 1024);
  // Under a dot-folder, as npm start keeps dumps in .data/dumps.
  localDir = path.join(sshd.dir, '.data', 'dumps');
  mkdirSync(localDir, { recursive: true });
  process.env.TEST_DUMP_LINK_SECRET = LINK_SECRET;
  const ssh = { address: '127.0.0.1', port: sshd.port, user: sshd.user, privateKey: { file: sshd.keyFile }, hostKey: sshd.hostKeyFingerprint, groups: ['test'] };
  const noop = { steps: [{ name: 'noop', run: 'true' }] };
  const java = { match: jvm.match, dumpDir, reserve: '1MiB', threadDumps: { count: 3, interval: '1s' } };
  desk = await startDesk(
    baseConfig(
      {
        jvm1: {
          ...ssh,
          services: {
            app: { ...noop, java },
            hungry: { ...noop, java: { ...java, reserve: '1000TiB' } },
            tight: { ...noop, java: { ...java, dumpDir: smallFs.dir } },
            ghost: { ...noop, java: { ...java, match: 'no-such-java-service-anywhere' } },
            twins: { ...noop, java: { ...java, match: '^sleep 3141$' } },
            plain: noop,
          },
        },
        jvm2: { ...ssh, port: proxy.port, services: { app: { ...noop, java: { ...java, dumpDir: path.join(sshd.dir, 'dumps2') } } } },
      },
      {
        roles: {
          engineer: { can: ['status', 'dump'], hostGroups: ['test'] },
          lead: { can: ['status', 'dump'], hostGroups: ['*'] },
          viewer: { can: ['status'] },
        },
        dumps: { dir: localDir, chatFileLimit: '8MiB', linkTtl: '1h', linkSecret: { env: 'TEST_DUMP_LINK_SECRET' } },
      },
    ),
  );
}, 180_000);

afterAll(async () => {
  await desk?.stop();
  await jvm?.stop();
  [...sleepers, ...crowd].forEach((s) => s.kill());
  await proxy?.stop();
  smallFs?.remove();
  await sshd?.stop();
});

const hostFiles = () => readdirSync(dumpDir);

/** The progress message of the dump asked for by `request`, once it has ended. */
async function finished(request: ConsoleMessage, title: string): Promise<ConsoleMessage> {
  const ended = (m: ConsoleMessage) => Number(m.id) > Number(request.id) && m.text.startsWith(title) && /\n(✅|❌|⏹) /.test(m.text);
  return desk.botMessage(request.chatId, ended, `the dump "${title}" to end`, 120_000);
}

test('thread dumps: a timeline of three, fetched, checked, handed over as a file, removed from the host', async () => {
  const asked = await desk.say('alice', 'ops', 'dump threads jvm1 app');
  const done = await finished(asked, '🧵 3 thread dumps of app on jvm1');
  expect(done.text).toMatch(/✔ Find the Java process · .* — PID \d+/);
  expect(done.text).toContain(`PID ${jvm.pid}`);
  expect(done.text).toMatch(/✔ Check free disk space .* free, .* needed/);
  expect(done.text).toContain('✔ Fetch over SFTP and verify the SHA-256');
  expect(done.text).toMatch(/✅ Done in/);
  expect(done.text).toContain('Run in Temporal: http://127.0.0.1:8233/namespaces/default/workflows/dump-jvm1-app/');
  expect(done.buttons).toEqual([]);

  const handOver = await desk.botMessage('ops', (m) => m.text.startsWith('📦 🧵') && Boolean(m.attachment), 'the thread dump file');
  expect(handOver.attachment?.name).toMatch(/^app-jvm1-\d{8}-\d{6}\.threads\.txt\.gz$/);
  const bytes = Buffer.from(await (await fetch(`${desk.url}/console/files/${handOver.attachment!.fileId}`)).arrayBuffer());
  expect(handOver.text).toContain(`SHA-256 ${createHash('sha256').update(bytes).digest('hex')}`);
  const text = gunzipSync(bytes).toString('utf8');
  for (let n = 1; n <= 3; n++) expect(text).toContain(`===== dutydesk thread dump ${n}/3 of PID ${jvm.pid} at `);
  expect(text.match(/"dutydesk-test-worker"/g)).toHaveLength(3);
  expect(hostFiles()).toEqual([]);
  // The worker keeps its copy for the retention period.
  expect(readdirSync(localDir)).toContain(handOver.attachment!.name);
});

test('a heap dump too big for chat comes as a signed link that refuses tampering and expiry', async () => {
  const asked = await desk.say('bob', 'ops', 'dump heap jvm1 app');
  const done = await finished(asked, '🧠 Heap dump of app on jvm1');
  expect(done.text).toMatch(/✅ Done in/);
  const handOver = await desk.botMessage('ops', (m) => m.text.startsWith('📦 🧠'), 'the heap dump link');
  expect(handOver.attachment).toBeUndefined();
  const url = /(http:\/\/\S+\/dumps\/\S+)/.exec(handOver.text)?.[1] as string;
  expect(handOver.text).toContain('Bigger than 8.0 MiB');

  const res = await fetch(url);
  expect(res.status).toBe(200);
  const bytes = Buffer.from(await res.arrayBuffer());
  expect(bytes.length).toBeGreaterThan(8 * 1024 * 1024);
  expect(handOver.text).toContain(`SHA-256 ${createHash('sha256').update(bytes).digest('hex')}`);
  // HPROF: "JAVA PROFILE 1.0.2" then a NUL.
  expect(gunzipSync(bytes).subarray(0, 19).toString('latin1')).toBe('JAVA PROFILE 1.0.2\0');
  expect(hostFiles()).toEqual([]);

  const name = decodeURIComponent(new URL(url).pathname.split('/').pop() as string);
  const tampered = url.replace(/sig=([0-9a-f])/, (_m, c: string) => `sig=${c === '0' ? '1' : '0'}`);
  expect((await fetch(tampered)).status).toBe(403);
  expect((await fetch(url.replace(/expires=\d+/, `expires=${Date.now() + 10 * 3_600_000}`))).status).toBe(403);
  const expired = signedDumpUrl(desk.url, name, Date.now() - 1000, LINK_SECRET);
  const refused = await fetch(expired);
  expect(refused.status).toBe(403);
  expect(((await refused.json()) as { error: string }).error).toContain('expired');
});

test('one dump per process at a time: a second request is told who runs it and what it does now', async () => {
  const asked = await desk.say('alice', 'ops', 'dump threads jvm1 app');
  await desk.botMessage('ops', (m) => Number(m.id) > Number(asked.id) && m.text.includes('▶ Take the thread dumps'), 'the running thread dumps');
  await desk.say('bob', 'ops', 'dump heap jvm1 app');
  const busy = await desk.botMessage('ops', (m) => m.text.startsWith('⏳ A dump of app on jvm1 is already running'), 'the busy answer');
  expect(busy.text).toContain('asked by Alice');
  expect(busy.text).toContain('now: Take the thread dumps');
  expect((await finished(asked, '🧵 3 thread dumps of app on jvm1')).text).toMatch(/✅ Done in/);
});

test('cancel stops after the current step and leaves nothing on the host', async () => {
  const asked = await desk.say('alice', 'dm-alice', 'dump threads jvm1 app');
  const running = await desk.botMessage('dm-alice', (m) => Number(m.id) > Number(asked.id) && m.text.includes('▶ Take the thread dumps'), 'the thread dumps to run');
  expect(await desk.press('alice', 'dm-alice', running.id, running.buttons[0][0].action)).toBe(202);
  const ended = await finished(asked, '🧵 3 thread dumps of app on jvm1');
  expect(ended.text).toContain('⏹ Cancelled by Alice; partial files removed from the host');
  expect(ended.text).toContain('○ Fetch over SFTP');
  expect(hostFiles()).toEqual([]);
  expect((await desk.messages('dm-alice')).some((m) => m.text.startsWith('📦'))).toBe(false);
});

test('the disk guard refuses before anything is written, saying what is free and what is needed', async () => {
  const asked = await desk.say('bob', 'dm-bob', 'dump heap jvm1 hungry');
  const failed = await finished(asked, '🧠 Heap dump of hungry on jvm1');
  expect(failed.text).toMatch(/✖ Check free disk space .*— Not enough disk space in .* on jvm1: .* free, 1000 TiB needed \(.* for the dump plus the 1000 TiB reserve\)\. Nothing was written\./);
  expect(failed.text).toContain('○ Take the heap dump');
  expect(hostFiles()).toEqual([]);
});

test('on a filesystem too small for the dump, the guard refuses and nothing is written there', async () => {
  const asked = await desk.say('bob', 'dm-bob', 'dump heap jvm1 tight');
  const failed = await finished(asked, '🧠 Heap dump of tight on jvm1');
  expect(failed.text).toMatch(new RegExp(`Not enough disk space in ${smallFs.dir} on jvm1: 8\\.0 MiB free, \\d+\\.\\d MiB needed`));
  expect(readdirSync(smallFs.dir)).toEqual([]);
});

test('an SFTP transfer cut by the network is fetched again, checked and handed over', async () => {
  const asked = await desk.say('bob', 'dm-bob', 'dump heap jvm2 app');
  const done = await finished(asked, '🧠 Heap dump of app on jvm2');
  expect(done.text).toMatch(/✅ Done in/);
  expect(done.text).toMatch(/✔ Fetch over SFTP and verify the SHA-256 · .* — \d+\.\d MiB in .* \(\d+ MiB\/s\)/);
  expect(proxy.cuts()).toBe(1);
  const handOver = await desk.botMessage('dm-bob', (m) => m.text.startsWith('📦 🧠 Heap dump of app on jvm2'), 'the heap dump link');
  const bytes = Buffer.from(await (await fetch(/(http:\/\/\S+\/dumps\/\S+)/.exec(handOver.text)![1])).arrayBuffer());
  expect(handOver.text).toContain(`SHA-256 ${createHash('sha256').update(bytes).digest('hex')}`);
  expect(gunzipSync(bytes).subarray(0, 18).toString('latin1')).toBe('JAVA PROFILE 1.0.2');
  expect(readdirSync(path.join(sshd.dir, 'dumps2'))).toEqual([]);
});

test('no process, or several, end with what was found', async () => {
  const asked = await desk.say('bob', 'dm-bob', 'dump threads jvm1 ghost');
  const none = await finished(asked, '🧵 3 thread dumps of ghost on jvm1');
  expect(none.text).toContain('No process on jvm1 matches "no-such-java-service-anywhere"');
  const again = await desk.say('bob', 'dm-bob', 'dump threads jvm1 twins');
  const two = await finished(again, '🧵 3 thread dumps of twins on jvm1');
  expect(two.text).toContain('2 processes on jvm1 match "^sleep 3141$"');
  for (const s of sleepers) expect(two.text).toContain(`${s.pid} `);
});

test('bad requests get answers that say what exists, and roles are checked', async () => {
  const answer = async (user: string, text: string) => {
    const asked = await desk.say(user, `dm-${user}`, text);
    return (await desk.botMessage(`dm-${user}`, (m) => Number(m.id) > Number(asked.id), `the answer to "${text}"`)).text;
  };
  expect(await answer('alice', 'dump')).toBe('Usage: dump heap <host> <service>, or dump threads <host> <service>');
  expect(await answer('alice', 'dump heap nohost')).toContain('Unknown host "nohost". Hosts: jvm1, jvm2.');
  expect(await answer('alice', 'dump heap jvm1')).toContain('jvm1 runs several services: app, hungry, tight, ghost, twins');
  expect(await answer('alice', 'dump heap jvm1 plain')).toContain('plain on jvm1 has no java settings');
  expect(await answer('carol', 'dump heap jvm1 app')).toContain('You may not use "dump"');
});
