/**
 * A restart script's step marks travel to its run as signals. When they cannot
 * be delivered (here: the run was terminated while the script prints),
 * the marks are tried again and then left out with a warning: the worker
 * process lives on and takes the next restart.
 */
import type { ChildProcess } from 'node:child_process';
import { chmodSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { baseConfig, startDesk, type Desk } from '../helpers/desk';
import { hostLog, type HostLog } from '../helpers/host-scripts';
import { waitFor } from '../helpers/wait';

let dir: string;
let desk: Desk;
let log: HostLog;
let worker: ChildProcess;
let workerOutput = '';

beforeAll(async () => {
  dir = mkdtempSync(path.join(os.tmpdir(), 'dutydesk-marks-'));
  log = hostLog(dir, 'marks');
  const go = path.join(dir, 'go');
  const script = path.join(dir, 'restart.sh');
  // Step a waits for the test's go-ahead; then the script prints a mark every 20 ms (for at most 30 s), so
  // whenever the worker hears that the run is gone (at its next heartbeat) and ends the script, marks are on their way.
  writeFileSync(
    script,
    [
      '#!/bin/sh',
      'echo "::step a Step a"',
      `${log.step('a-waiting')}`,
      `i=0; while [ ! -e ${go} ] && [ $i -lt 600 ]; do sleep 0.1; i=$((i+1)); done`,
      'echo "::done a"',
      'i=0; while [ $i -lt 1500 ]; do echo "::step s$i Step $i"; i=$((i+1)); sleep 0.02; done',
    ].join('\n') + '\n',
  );
  chmodSync(script, 0o755);
  const local = { address: '127.0.0.1', transport: 'local', groups: ['test'] };
  desk = await startDesk(
    baseConfig({
      batch1: { ...local, services: { batch: { script, scriptTimeout: '60s' } } },
      web1: { ...local, services: { web: { steps: [{ name: 'check', title: 'Check', run: log.step('check') }] } } },
    }),
    { inProcessWorker: false },
  );
  worker = await desk.startWorkerProcess();
  worker.stdout!.on('data', (c) => (workerOutput += c));
  worker.stderr!.on('data', (c) => (workerOutput += c));
}, 120_000);

afterAll(async () => {
  await desk?.stop();
  rmSync(dir, { recursive: true, force: true });
});

test('marks that cannot be signalled are left out with a warning, and the worker takes the next restart', async () => {
  await desk.say('alice', 'ops', 'restart batch1');
  await waitFor(() => log.started('a-waiting') === 1, 'the script to reach its waiting step');
  writeFileSync(path.join(dir, 'go'), '');
  // The run goes away under the script while it prints: every signal to it now fails.
  await desk.env.client.workflow.getHandle('restart-batch1').terminate('test: the run is gone while its script prints');
  const exited = () => worker.exitCode !== null || worker.signalCode !== null;
  await waitFor(() => exited() || /step mark \w+ \w+ not sent/.test(workerOutput), 'the worker to say a mark was not sent', 30_000);
  expect({ exited: exited(), output: exited() ? workerOutput.slice(-600) : '' }).toEqual({ exited: false, output: '' });

  // Same worker, next restart: it finishes.
  await desk.say('alice', 'ops', 'restart web1');
  await desk.botMessage('ops', (m) => m.text.includes('Restart web on web1') && m.text.includes('✅ Done in'), 'the next restart to finish');
  expect(log.ended('check')).toBe(1);
  expect(worker.exitCode).toBeNull();
  // Once a mark met the run gone, the rest are dropped, not each tried three times behind the one before.
  expect(workerOutput.match(/step mark \w+ \w+ not sent/g)).toHaveLength(1);
  expect(workerOutput).toContain('the run is gone: its further marks are left out');
}, 120_000);
