/**
 * The worker process is killed (SIGKILL) in the middle of a step; a new worker
 * process takes over, the run finishes, and no completed step runs twice.
 */
import type { ChildProcess } from 'node:child_process';
import { chmodSync, readFileSync, writeFileSync } from 'node:fs';
import path from 'node:path';
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
  // A restart script that marks its steps and skips those DUTYDESK_DONE_STEPS lists (as README asks of scripts).
  const script = path.join(sshd.dir, 'restart-batch.sh');
  writeFileSync(
    script,
    [
      '#!/bin/sh',
      `echo "$DUTYDESK_DONE_STEPS" >> ${path.join(sshd.dir, 'done-steps.log')}`,
      'for s in a b c; do',
      '  case ",$DUTYDESK_DONE_STEPS," in *",$s,"*) echo "::skip $s"; continue;; esac',
      '  echo "::step $s Step $s"',
      `  if [ "$s" = b ]; then ${log.step('script-b', { sleep: 4 })}; else ${log.step('script-$s')}; fi`,
      '  echo "::done $s"',
      'done',
    ].join('\n') + '\n',
  );
  chmodSync(script, 0o755);
  const host = { address: '127.0.0.1', port: sshd.port, user: sshd.user, privateKey: { file: sshd.keyFile }, hostKey: sshd.hostKeyFingerprint, groups: ['test'] };
  desk = await startDesk(
    baseConfig({
      batch1: { ...host, services: { batch: { script, scriptTimeout: '60s' } } },
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

/** Worker processes of this file; each test starts from none running. */
const workers: ChildProcess[] = [];
async function startWorker(): Promise<ChildProcess> {
  const worker = await desk.startWorkerProcess();
  workers.push(worker);
  return worker;
}
async function kill(worker: ChildProcess) {
  if (worker.exitCode !== null || worker.signalCode !== null) return;
  worker.kill('SIGKILL');
  await new Promise((resolve) => worker.once('exit', resolve));
}
async function stopWorkers() {
  for (const w of workers.splice(0)) await kill(w);
}
/** The run's result once it has completed (on whichever worker). */
function finished(workflowId: string, what: string) {
  return waitFor(async () => {
    const handle = desk.env.client.workflow.getHandle<typeof restartWorkflow>(workflowId);
    return (await handle.describe()).status.name === 'COMPLETED' && handle.result();
  }, what, 90_000);
}
beforeEach(stopWorkers);

afterAll(async () => {
  await desk?.stop();
  await sshd?.stop();
});

test('a worker killed during a step: a new worker finishes the run and no completed step runs again', async () => {
  const first = await startWorker();
  await desk.say('alice', 'ops', 'restart db1');
  await waitFor(() => log.started('flush') === 1, 'the slow step to start on the host', 30_000);

  await kill(first);
  expect(first.signalCode).toBe('SIGKILL');
  const completedBeforeKill = ['drain', 'stop'];
  completedBeforeKill.forEach((s) => expect(log.ended(s)).toBe(1));

  await startWorker();
  const result = await finished('restart-db1', 'the run to finish on the new worker');

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

test('a worker killed during a restart script: the script runs again with the steps it marked done, and skips them', async () => {
  const first = await startWorker();
  await desk.say('alice', 'ops', 'restart batch1');
  await waitFor(() => log.started('script-b') === 1, 'the slow scripted step to start on the host', 30_000);
  // Killed once Temporal has the attempt's heartbeat saying a is done (one still on its way dies with the worker).
  await waitFor(async () => {
    const { raw } = await desk.env.client.workflow.getHandle('restart-batch1').describe();
    const details = raw.pendingActivities?.[0]?.heartbeatDetails?.payloads?.[0]?.data;
    return details && (JSON.parse(Buffer.from(details).toString()) as { done: string[] }).done.includes('a');
  }, 'the heartbeat saying step a is done');
  await kill(first);
  expect(log.ended('script-a')).toBe(1);

  await startWorker();
  const result = await finished('restart-batch1', 'the scripted run to finish on the new worker');
  expect(result.phase).toBe('done');
  // Step a, done before the kill, did not run again; b ran again; c once.
  expect([log.started('script-a'), log.started('script-c')]).toEqual([1, 1]);
  expect(log.started('script-b')).toBeGreaterThanOrEqual(2);
  expect(readFileSync(path.join(sshd.dir, 'done-steps.log'), 'utf8').trim().split('\n').pop()).toBe('a');
}, 180_000);
