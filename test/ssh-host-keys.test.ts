/**
 * The worker gives commands only to the real host: an ssh host without a
 * hostKey is a configuration error; a key trusted on first use is pinned in
 * the data folder and a changed key is refused at once afterwards; an OpenSSH
 * known_hosts file (plain or hashed) is honoured, and a key it does not list
 * is refused. Against a real sshd whose host key the test can change.
 */
import { execFileSync } from 'node:child_process';
import { existsSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { ConfigError, parseConfig } from '../config/load';
import type { RestartProgress } from '../workflows/restart/definitions';
import { baseConfig, startDesk, type Desk } from './helpers/desk';
import { hostLog, type HostLog } from './helpers/host-scripts';
import { startSshd, type Sshd } from './helpers/sshd';

let sshd: Sshd;
let desk: Desk;
let log: HostLog;
let dir: string;
let pins: string;

/** known_hosts files: the host's key, the hashed form of it, another key, and another host's entry. */
function knownHostsFiles(): Record<'right' | 'hashed' | 'wrong' | 'elsewhere', string> {
  const [type, key] = readFileSync(sshd.hostKeyFile, 'utf8').trim().split(/\s+/);
  const other = path.join(dir, 'other_key');
  execFileSync('ssh-keygen', ['-q', '-t', 'ed25519', '-N', '', '-f', other]);
  const [otherType, otherKey] = readFileSync(`${other}.pub`, 'utf8').trim().split(/\s+/);
  const files = {
    right: `# dutydesk test\n[127.0.0.1]:${sshd.port} ${type} ${key}\n`,
    hashed: `[127.0.0.1]:${sshd.port} ${type} ${key}\n`,
    wrong: `[127.0.0.1]:${sshd.port} ${otherType} ${otherKey}\n`,
    elsewhere: `[127.0.0.1]:${sshd.port + 1},!nowhere ${type} ${key}\n`,
  };
  const paths = Object.fromEntries(Object.entries(files).map(([name, text]) => [name, path.join(dir, `${name}_known_hosts`)])) as Record<keyof typeof files, string>;
  for (const name of Object.keys(files) as (keyof typeof files)[]) writeFileSync(paths[name], files[name]);
  execFileSync('ssh-keygen', ['-H', '-f', paths.hashed], { stdio: 'ignore' });
  if (!readFileSync(paths.hashed, 'utf8').startsWith('|1|')) throw new Error('ssh-keygen -H did not hash the known_hosts file');
  return paths;
}

beforeAll(async () => {
  sshd = await startSshd();
  log = hostLog(sshd.dir, 'keys');
  dir = mkdtempSync(path.join(os.tmpdir(), 'dutydesk-host-keys-'));
  pins = path.join(dir, 'pins');
  const files = knownHostsFiles();
  // A key the host does not accept: the connection never comes up.
  const strangerKey = path.join(dir, 'stranger_key');
  execFileSync('ssh-keygen', ['-q', '-t', 'ed25519', '-N', '', '-f', strangerKey], { stdio: 'ignore' });
  const ssh = (host: string, hostKey: unknown) => ({
    address: '127.0.0.1',
    port: sshd.port,
    user: sshd.user,
    privateKey: { file: sshd.keyFile },
    hostKey,
    groups: ['test'],
    services: { app: { steps: [{ name: 'touch', run: log.step(host) }] } },
  });
  desk = await startDesk(
    baseConfig(
      {
        tofu0: { ...ssh('tofu0', { trustOnFirstUse: true }), privateKey: { file: strangerKey } },
        tofu1: ssh('tofu1', { trustOnFirstUse: true }),
        kh1: ssh('kh1', { knownHosts: files.right }),
        kh2: ssh('kh2', { knownHosts: files.hashed }),
        kh3: ssh('kh3', { knownHosts: files.wrong }),
        kh4: ssh('kh4', { knownHosts: files.elsewhere }),
        kh5: ssh('kh5', { knownHosts: path.join(dir, 'missing_known_hosts') }),
      },
      { ssh: { pinnedHostKeys: pins } },
    ),
  );
}, 120_000);

afterAll(async () => {
  await desk?.stop();
  await sshd?.stop();
  if (dir) rmSync(dir, { recursive: true, force: true });
});

async function restart(host: string): Promise<RestartProgress> {
  const asked = await desk.say('alice', 'ops', `restart ${host}`);
  // This run's message (posted after the request), not an earlier run's.
  await desk.botMessage('ops', (m) => Number(m.id) > Number(asked.id) && m.text.includes(`Restart app on ${host}`) && /✅ Done in|❌/.test(m.text), `the restart of ${host} to end`);
  return desk.env.client.workflow.getHandle(`restart-${host}`).result();
}

/** A refusal is final: the step ran once, never retried. */
async function attemptsOfStep(host: string): Promise<number> {
  const { events } = await desk.env.client.workflow.getHandle(`restart-${host}`).fetchHistory();
  return events?.find((e) => e.activityTaskStartedEventAttributes)?.activityTaskStartedEventAttributes?.attempt ?? 0;
}

test('an ssh host without hostKey is refused at load, saying what to give', () => {
  const raw = baseConfig({ web1: { address: '10.0.0.1', user: 'deploy', privateKey: { file: 'key' }, services: { app: { steps: [{ name: 'x', run: 'true' }] } } } });
  expect(() => parseConfig(raw, 'prod.yaml')).toThrow(ConfigError);
  const problems = (() => {
    try {
      parseConfig(raw, 'prod.yaml');
    } catch (err) {
      return (err as ConfigError).problems.join('\n');
    }
  })();
  expect(problems).toContain('hosts.web1.hostKey: required for ssh hosts, so that a machine pretending to be this host is refused: give its fingerprint "SHA256:…"');
  expect(problems).toContain('{ knownHosts: <file> }');
  expect(problems).toContain('{ trustOnFirstUse: true }');
  const bad = baseConfig({ web1: { address: '10.0.0.1', user: 'deploy', privateKey: { file: 'key' }, hostKey: { trustOnFirstUse: false }, services: { app: { steps: [{ name: 'x', run: 'true' }] } } } });
  expect(() => parseConfig(bad, 'prod.yaml')).toThrow(/hosts\.web1\.hostKey: expected its fingerprint "SHA256:…"/);
});

test('known_hosts: the listed key (plain or hashed) is accepted', async () => {
  expect((await restart('kh1')).phase).toBe('done');
  expect((await restart('kh2')).phase).toBe('done');
  expect(log.lines()).toEqual(['start kh1', 'end kh1', 'start kh2', 'end kh2']);
});

test.each([
  ['kh3', 'is not among the keys'],
  ['kh4', 'lists no key for kh4 (127.0.0.1:'],
  ['kh5', 'cannot read the known_hosts file'],
])('known_hosts: %s is refused at once (%s) and nothing runs', async (host, why) => {
  const progress = await restart(host);
  expect(progress.phase).toBe('failed');
  expect(progress.error).toContain(why);
  expect(await attemptsOfStep(host)).toBe(1);
  expect(log.started(host)).toBe(0);
});

test('trust on first use pins nothing for a connection that never came up (here the login is refused)', async () => {
  const progress = await restart('tofu0');
  expect(progress.phase).toBe('failed');
  expect(progress.error).toContain('refused the login');
  expect(existsSync(path.join(pins, `127.0.0.1_${sshd.port}.known_hosts`))).toBe(false);
});

test('trust on first use: the first key is pinned, then a changed key is refused at once', async () => {
  expect((await restart('tofu1')).phase).toBe('done');
  const pinned = path.join(pins, `127.0.0.1_${sshd.port}.known_hosts`);
  expect(existsSync(pinned)).toBe(true);
  expect(readFileSync(pinned, 'utf8')).toBe(`[127.0.0.1]:${sshd.port} ${readFileSync(sshd.hostKeyFile, 'utf8').trim().split(/\s+/).slice(0, 2).join(' ')}\n`);
  expect((await restart('tofu1')).phase).toBe('done');
  expect(log.ended('tofu1')).toBe(2);

  const before = sshd.hostKeyFingerprint;
  await sshd.rotateHostKey();
  const progress = await restart('tofu1');
  expect(progress.phase).toBe('failed');
  expect(progress.error).toContain(`host key of tofu1 (127.0.0.1:${sshd.port}) changed: it showed ${sshd.hostKeyFingerprint}, but ${before} was trusted on first use (pinned in ${pinned})`);
  expect(progress.error).toContain('delete that file');
  expect(await attemptsOfStep('tofu1')).toBe(1);
  expect(log.started('tofu1')).toBe(2);
});
