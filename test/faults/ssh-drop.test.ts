/**
 * The SSH connection drops while a step's command runs (a TCP proxy between
 * worker and sshd cuts it): that is connection trouble, retried with backoff
 * on a new connection, not the step's failure. The command cut off ends
 * with its session on the host, so the retry never runs beside it. The run
 * finishes, and the steps done before the drop do not run again.
 */
import { baseConfig, startDesk, type Desk } from '../helpers/desk';
import { startFlakyProxy, type FlakyProxy } from '../helpers/flaky-proxy';
import { hostLog, type HostLog } from '../helpers/host-scripts';
import { startSshd, type Sshd } from '../helpers/sshd';
import { waitFor } from '../helpers/wait';

let sshd: Sshd;
let proxy: FlakyProxy;
let desk: Desk;
let log: HostLog;

beforeAll(async () => {
  sshd = await startSshd();
  // Cuts nothing by itself: the test cuts when it chooses.
  proxy = await startFlakyProxy({ host: '127.0.0.1', port: sshd.port }, Number.MAX_SAFE_INTEGER, 0);
  log = hostLog(sshd.dir, 'drop');
  desk = await startDesk(
    baseConfig({
      app1: {
        address: '127.0.0.1',
        port: proxy.port,
        user: sshd.user,
        privateKey: { file: sshd.keyFile },
        hostKey: sshd.hostKeyFingerprint,
        groups: ['test'],
        services: { app: { steps: [{ name: 'stop', run: log.step('stop') }, { name: 'migrate', title: 'Migrate (slow)', run: log.step('migrate', { sleep: 2 }) }, { name: 'start', run: log.step('start') }] } },
      },
    }),
  );
}, 120_000);

afterAll(async () => {
  await desk?.stop();
  await proxy?.stop();
  await sshd?.stop();
});

test('a connection lost in the middle of a command: the step is retried on a new connection and the run finishes', async () => {
  await desk.say('alice', 'ops', 'restart app1');
  await waitFor(() => log.started('migrate') === 1, 'the slow step to start on the host');
  proxy.cutNow();
  const result = await desk.env.client.workflow.getHandle('restart-app1').result();
  expect(result.phase).toBe('done');
  expect(proxy.cuts()).toBe(1);
  // The command cut off ended with its session (it did not finish beside the retry): never twice at once.
  expect(log.lines().filter((l) => l.endsWith(' migrate'))).toEqual(['start migrate', 'start migrate', 'end migrate']);
  expect([log.started('stop'), log.started('start')]).toEqual([1, 1]);
  const final = await desk.botMessage('ops', (m) => m.text.includes('Restart app on app1') && m.text.includes('✅ Done in'), 'the finished run in chat');
  expect(final.text).toContain('✔ Migrate (slow)');
}, 120_000);

test('a drop the host notices late: the retry ends the command left behind before it runs its own, so it never runs twice at once', async () => {
  const from = log.lines().length;
  await desk.say('alice', 'ops', 'restart app1');
  await waitFor(() => log.lines().slice(from).includes('start migrate'), 'the slow step to start on the host');
  // The worker sees the drop at once and retries; the host keeps the old session for 8 s more.
  proxy.cutClientSideNow(8_000);
  const runs = await desk.env.client.workflow.getHandle('restart-app1').describe();
  const result = await desk.env.client.workflow.getHandle('restart-app1', runs.runId).result();
  expect(result.phase).toBe('done');
  // The first migrate was ended before the retry's began: it never ended (wrote "end") beside it.
  expect(log.lines().slice(from).filter((l) => l.endsWith(' migrate'))).toEqual(['start migrate', 'start migrate', 'end migrate']);
}, 120_000);
