/**
 * Restarts over real SSH, driven through the web console as a user would.
 */
import type { restartWorkflow } from '../workflows/restart/restart-workflow';
import http from 'node:http';
import { runLink } from '../lib/temporal-ui';
import { baseConfig, startDesk, type Desk } from './helpers/desk';
import { hostLog, type HostLog } from './helpers/host-scripts';
import { startSshd, type Sshd } from './helpers/sshd';
import { freePort, waitFor } from './helpers/wait';

let sshd: Sshd;
let desk: Desk;
let log: HostLog;
let failLog: HostLog;
let healthPort: number;
let health: http.Server;

const STEPS = ['drain', 'stop', 'start', 'health', 'enable'];

beforeAll(async () => {
  sshd = await startSshd();
  log = hostLog(sshd.dir, 'web');
  failLog = hostLog(sshd.dir, 'broken');
  healthPort = await freePort();
  health = http.createServer((_q, s) => s.end('ok')).listen(healthPort, '127.0.0.1');
  const ssh = { address: '127.0.0.1', port: sshd.port, user: sshd.user, privateKey: { file: sshd.keyFile }, hostKey: sshd.hostKeyFingerprint, groups: ['test'] };
  desk = await startDesk(
    baseConfig({
      web1: {
        ...ssh,
        services: {
          app: {
            steps: [
              { name: 'drain', title: 'Drain', run: log.step('drain') },
              { name: 'stop', title: 'Stop', run: log.step('stop', { sleep: 1 }) },
              { name: 'start', title: 'Start', run: log.step('start') },
              { name: 'health', title: 'Health check', http: `http://127.0.0.1:${healthPort}/` },
              { name: 'enable', title: 'Re-enable', run: log.step('enable') },
            ],
          },
        },
      },
      broken1: {
        ...ssh,
        services: {
          app: {
            steps: [
              { name: 'stop', title: 'Stop', run: failLog.step('stop') },
              { name: 'start', title: 'Start', run: failLog.step('start') },
              { name: 'health', title: 'Health check', tcp: `127.0.0.1:${await freePort()}`, timeout: '2s', interval: '200ms' },
              { name: 'enable', title: 'Re-enable', run: failLog.step('enable') },
            ],
          },
        },
      },
      slow1: {
        ...ssh,
        services: {
          app: {
            steps: [
              { name: 'one', title: 'Step one', run: hostLog(sshd.dir, 'slow').step('one', { sleep: 2 }) },
              { name: 'two', title: 'Step two', run: hostLog(sshd.dir, 'slow').step('two') },
              { name: 'three', title: 'Step three', run: hostLog(sshd.dir, 'slow').step('three') },
            ],
          },
        },
      },
      batch1: {
        ...ssh,
        services: { batch: { script: `${sshd.dir}/batch.sh`, scriptTimeout: '30s' } },
      },
      spoofed: { ...ssh, hostKey: 'SHA256:AAAAnotTheRealHostKeyAAAAAAAAAAAAAAAAAAAAAAA', services: { app: { steps: [{ name: 'stop', run: log.step('spoofed') }] } } },
      other: { ...ssh, groups: ['elsewhere'], services: { app: { steps: [{ name: 'x', run: 'true' }] } } },
    }),
  );
}, 120_000);

afterAll(async () => {
  await desk?.stop();
  await sshd?.stop();
  health?.close();
});

const done = (m: { text: string }) => m.text.includes('✅ Done in');

test('a full restart over SSH runs every step exactly once and the chat message shows each one', async () => {
  await desk.say('alice', 'ops', 'restart web1');
  const final = await desk.botMessage('ops', (m) => m.text.includes('Restart app on web1') && (done(m) || m.text.includes('❌')), 'the restart to finish');
  expect(final.text).toContain('✅ Done in');
  for (const title of ['Drain', 'Stop', 'Start', 'Health check', 'Re-enable']) expect(final.text).toMatch(new RegExp(`✔ ${title} · \\d\\d:\\d\\d:\\d\\d · `));
  // The message was edited as the steps went, not re-posted.
  expect(final.version).toBeGreaterThan(2);
  expect((await desk.messages('ops')).filter((m) => m.text.includes('Restart app on web1'))).toHaveLength(1);
  // A deep link to this very run in the Temporal UI.
  const progress = await desk.env.client.workflow.getHandle<typeof restartWorkflow>('restart-web1').result();
  expect(final.text).toContain(runLink('http://127.0.0.1:8233', 'default', 'restart-web1', progress.runId));
  // On the host: each command step started and ended exactly once, in order.
  expect(log.lines()).toEqual(['drain', 'stop', 'start', 'enable'].flatMap((s) => [`start ${s}`, `end ${s}`]));
  expect(progress.steps.map((s) => [s.name, s.state])).toEqual(STEPS.map((s) => [s, 'done']));
  // The requester is told the server is up again, in their direct chat.
  const upAgain = await desk.botMessage('dm-alice', (m) => m.text.includes('web1 is up again'), 'the up-again notice');
  expect(upAgain.text).toContain('app restarted in');
  // Ops can filter runs by host, service and requester in the Temporal UI.
  const found = await waitFor(async () => {
    const runs = [];
    for await (const wf of desk.env.client.workflow.list({ query: `DutydeskHost = 'web1' AND DutydeskService = 'app' AND DutydeskRequestedBy = 'alice'` })) runs.push(wf);
    return runs.length > 0 && runs;
  }, 'the run in visibility');
  expect(found[0].workflowId).toBe('restart-web1');
});

test('a failing health check stops the run with a clear message and runs no later step', async () => {
  await desk.say('alice', 'ops', 'restart broken1');
  const final = await desk.botMessage('ops', (m) => m.text.includes('Restart app on broken1') && m.text.includes('❌'), 'the restart to fail');
  expect(final.text).toMatch(/❌ Failed: step "Health check" failed: 127\.0\.0\.1:\d+ refused \(ECONNREFUSED\)/);
  expect(final.text).toContain('✖ Health check');
  expect(final.text).toContain('– Re-enable');
  expect(failLog.ended('stop')).toBe(1);
  expect(failLog.ended('start')).toBe(1);
  expect(failLog.started('enable')).toBe(0);
  const notice = await desk.botMessage('dm-alice', (m) => m.text.includes('broken1 did not complete'), 'the failure notice');
  expect(notice.text).toContain('Health check');
});

test('a second restart of the same host is refused, naming who runs it, and can be watched', async () => {
  await desk.say('alice', 'ops', 'restart slow1');
  await desk.botMessage('ops', (m) => m.text.includes('Restart app on slow1') && m.text.includes('▶ Step one'), 'step one to run');
  await desk.say('bob', 'dm-bob', 'restart slow1');
  const busy = await desk.botMessage('dm-bob', (m) => m.text.includes('already being restarted'), 'the busy answer');
  expect(busy.text).toContain('by Alice');
  expect(busy.text).toContain('1/3 Step one');
  const watch = busy.buttons.flat().find((b) => b.action.startsWith('restart.watch:'));
  expect(watch).toBeDefined();
  expect(await desk.press('bob', 'dm-bob', busy.id, watch!.action)).toBe(202);
  await desk.botMessage('dm-bob', (m) => m.text.includes('You will be told when slow1 is up again'), 'the watch confirmation');
  await desk.botMessage('dm-bob', (m) => m.text.startsWith('✅ slow1 is up again'), 'the up-again notice for the watcher');
  expect(hostLog(sshd.dir, 'slow').ended('one')).toBe(1);
});

test('cancel stops the run between steps: the running step finishes, later steps never run', async () => {
  const slow = hostLog(sshd.dir, 'slow');
  await desk.env.client.workflow.getHandle('restart-slow1').result(); // the earlier test's run has ended
  const before = slow.lines().length;
  await desk.say('alice', 'ops', 'restart slow1');
  const running = await desk.botMessage('ops', (m) => m.text.includes('Restart app on slow1') && m.text.includes('▶ Step one'), 'step one to run again');
  const cancel = running.buttons.flat().find((b) => b.action.startsWith('restart.cancel:'));
  expect(await desk.press('alice', 'ops', running.id, cancel!.action)).toBe(202);
  const final = await desk.botMessage('ops', (m) => m.id === running.id && m.text.includes('⏹ Cancelled by Alice'), 'the cancelled state');
  expect(final.text).toContain('✔ Step one');
  expect(final.text).toContain('– Step two');
  expect(final.buttons).toEqual([]);
  expect(slow.lines().slice(before)).toEqual(['start one', 'end one']);
  // Cancelling again, once it ended, gets a clear answer.
  await desk.say('alice', 'ops', 'cancel slow1');
  await desk.botMessage('ops', (m) => m.text.includes('There is no running restart to cancel on slow1'), 'the nothing-to-cancel answer');
});

test('a restart script shows its own steps as it marks them', async () => {
  const { writeFileSync, chmodSync } = await import('node:fs');
  writeFileSync(
    `${sshd.dir}/batch.sh`,
    '#!/bin/sh\necho "::step pause Pause the queue"\necho "::done pause"\necho "::step flush Flush jobs"\nsleep 1\necho "::done flush"\necho "::step resume Resume the queue"\necho "::fail resume queue manager did not answer"\nexit 4\n',
  );
  chmodSync(`${sshd.dir}/batch.sh`, 0o755);
  await desk.say('alice', 'ops', 'restart batch1');
  const final = await desk.botMessage('ops', (m) => m.text.includes('Restart batch on batch1') && m.text.includes('❌'), 'the script to end');
  expect(final.text).toContain('✔ Pause the queue');
  expect(final.text).toContain('✔ Flush jobs');
  expect(final.text).toContain('✖ Resume the queue');
  expect(final.text).toContain('queue manager did not answer');
});

test('users without the right role are refused, and bad input gets a helpful answer', async () => {
  await desk.say('carol', 'dm-carol', 'restart web1');
  await desk.botMessage('dm-carol', (m) => m.text.includes('You may not use "restart"'), 'the viewer refusal');
  await desk.say('alice', 'dm-alice', 'restart other');
  await desk.botMessage('dm-alice', (m) => m.text.includes('You may not restart other. Roles that may: lead'), 'the host refusal');
  await desk.say('alice', 'dm-alice', 'restart nosuch');
  await desk.botMessage('dm-alice', (m) => m.text.includes('Unknown host "nosuch". Hosts: web1, broken1, slow1, batch1, spoofed, other.'), 'the unknown host answer');
  await desk.say('alice', 'dm-alice', 'restart web1 nosvc');
  await desk.botMessage('dm-alice', (m) => m.text.includes('web1 has no service "nosvc". Services: app.'), 'the unknown service answer');
  await desk.say('alice', 'dm-alice', 'restart');
  await desk.botMessage('dm-alice', (m) => m.text.startsWith('Usage: restart <host> [service]'), 'the usage answer');
  await desk.say('alice', 'dm-alice', 'reboot web1');
  await desk.botMessage('dm-alice', (m) => m.text.includes('I do not know "reboot"'), 'the unknown command answer');
  await desk.say('mallory', 'dm-mallory', 'restart web1');
  await desk.botMessage('dm-mallory', (m) => m.text.includes('I do not know you yet'), 'the unknown user answer');
  expect((await desk.env.client.workflow.count(`DutydeskRequestedBy = 'carol' OR DutydeskRequestedBy = 'mallory' OR DutydeskHost = 'other'`)).count).toBe(0);
});

test('a host whose key is not the configured one is refused at once, and nothing runs on it', async () => {
  await desk.say('alice', 'ops', 'restart spoofed');
  const final = await desk.botMessage('ops', (m) => m.text.includes('Restart app on spoofed') && m.text.includes('❌'), 'the refusal', 20_000);
  expect(final.text).toContain('host key of spoofed (127.0.0.1:');
  expect(final.text).toContain('check hosts.spoofed.hostKey');
  expect(log.started('spoofed')).toBe(0);
});
