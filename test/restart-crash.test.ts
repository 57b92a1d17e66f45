/**
 * The worker process is killed (SIGKILL) in the middle of a step; a new worker
 * process takes over, the run finishes, and no completed step runs twice.
 */
import type { restartWorkflow } from '../workflows/restart/restart-workflow';
import { baseConfig, startDesk, type Desk } from './helpers/desk';
import { hostLog, type HostLog } from './helpers/host-scripts';
import { startSshd, type Sshd } from './helpers/sshd';
import { waitFor } from './helpers/wait';

let sshd: Sshd;
let desk: Desk;
let log: HostLog;

beforeAll(async () => {
  sshd = await startSshd();
  log = hostLog(sshd.dir, 'crash');
  const host = { address: '127.0.0.1', port: sshd.port, user: sshd.user, privateKey: { file: sshd.keyFile }, hostKey: sshd.hostKeyFingerprint, groups: ['test'] };
  desk = await startDesk(
    baseConfig({
      db1: {
        ...host,
        services: {
          db: {
            steps: [
              { name: 'drain', title: 'Drain', run: log.step('drain') },
              { name: 'stop', title: 'Stop', run: log.step('stop') },
              { name: 'flush', title: 'Flush (slow)', run: log.step('flush', { sleep: 4 }) },
              { name: 'start', title: 'Start', run: log.step('start') },
              { name: 'enable', title: 'Re-enable', run: log.step('enable') },
            ],
          },
        },
      },
    }),
    { inProcessWorker: false },
  );
}, 120_000);

afterAll(async () => {
  await desk?.stop();
  await sshd?.stop();
});

test('a worker killed during a step: a new worker finishes the run and no completed step runs again', async () => {
  const first = await desk.startWorkerProcess();
  await desk.say('alice', 'ops', 'restart db1');
  await waitFor(() => log.started('flush') === 1, 'the slow step to start on the host', 30_000);

  first.kill('SIGKILL');
  await new Promise((resolve) => first.once('exit', resolve));
  expect(first.signalCode).toBe('SIGKILL');
  const completedBeforeKill = ['drain', 'stop'];
  completedBeforeKill.forEach((s) => expect(log.ended(s)).toBe(1));

  await desk.startWorkerProcess();
  const result = await waitFor(async () => {
    const handle = desk.env.client.workflow.getHandle<typeof restartWorkflow>('restart-db1');
    return (await handle.describe()).status.name === 'COMPLETED' && handle.result();
  }, 'the run to finish on the new worker', 90_000);

  expect(result.phase).toBe('done');
  expect(result.steps.every((s) => s.state === 'done')).toBe(true);
  // Completed steps ran exactly once, across both workers.
  for (const step of ['drain', 'stop', 'start', 'enable']) expect(log.started(step)).toBe(1);
  // The interrupted step was retried by the new worker until it completed once.
  expect(log.started('flush')).toBeGreaterThanOrEqual(2);
  expect(log.lines().filter((l) => l.startsWith('start ')).map((l) => l.slice(6))).toEqual(
    ['drain', 'stop', ...Array(log.started('flush')).fill('flush'), 'start', 'enable'],
  );
  // And chat shows the finished run once.
  const final = await desk.botMessage('ops', (m) => m.text.includes('Restart db on db1') && m.text.includes('✅ Done in'), 'the final edit');
  expect(final.text).toContain('✔ Flush (slow)');
  expect((await desk.messages('ops')).filter((m) => m.text.includes('Restart db on db1'))).toHaveLength(1);
}, 180_000);
