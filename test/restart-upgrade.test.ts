/**
 * A production restart in flight while the hosts worker is upgraded: runs
 * started before this worker version schedule their steps without saying they
 * are production runs, and a retry on the new worker reuses that input. The
 * step goes on when the run itself (its progress query, answered by our
 * workflow code from its history) was approved by a second person, and is
 * refused when it was not. Activities are called as the workflow's retry
 * would call them (MockActivityEnvironment).
 */
import { mkdtempSync, readFileSync, rmSync, existsSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { MockActivityEnvironment } from '@temporalio/testing';
import { HostExecutors } from '../activities/hosts/executors';
import { createHostActivities } from '../activities/hosts/activities';
import type { StepPlan } from '../workflows/restart/definitions';
import { baseConfig, startDesk, type Desk } from './helpers/desk';
import { rejectionOf } from './helpers/rejection';

let desk: Desk;
let dir: string;
let log: string;
let activities: ReturnType<typeof createHostActivities>;

beforeAll(async () => {
  dir = mkdtempSync(path.join(os.tmpdir(), 'dutydesk-upgrade-'));
  log = path.join(dir, 'ran.log');
  desk = await startDesk(
    baseConfig({ pay1: { address: '127.0.0.1', transport: 'local', groups: ['test'], production: true, services: { payments: { steps: [{ name: 'restart', run: `echo restart >> ${log}` }] } } } }),
  );
  activities = createHostActivities({ config: desk.config, executors: new HostExecutors(desk.config), client: desk.env.client });
}, 120_000);

afterAll(async () => {
  await desk?.stop();
  rmSync(dir, { recursive: true, force: true });
});

const ran = () => (existsSync(log) ? readFileSync(log, 'utf8').split('\n').filter(Boolean).length : 0);
/** A retry of the step as runs before this version scheduled it: the whole step, no production flag, no service. */
async function retryAsOldRun(runId: string) {
  const step: StepPlan = { name: 'restart', title: 'restart', kind: 'run', target: `echo restart >> ${log}`, timeoutMs: 10_000 };
  return new MockActivityEnvironment({ workflowType: 'restartWorkflow', workflowExecution: { workflowId: 'restart-pay1', runId } } as never).run(() => activities.runRestartStep({ host: 'pay1', step } as never));
}

test('a step of an approved production run from before the upgrade goes on; one of a run never approved is refused', async () => {
  await desk.say('bob', 'dm-bob', 'restart pay1');
  const request = await desk.botMessage('ops', (m) => m.text.includes('asks to restart payments on production host pay1') && m.buttons.length > 0, 'the approval request');
  const handle = desk.env.client.workflow.getHandle('restart-pay1');
  const { runId: waitingRun } = await handle.describe();
  // Not approved (yet): its step is refused, nothing runs.
  const refused = await rejectionOf(retryAsOldRun(waitingRun), Error);
  expect(refused.message).toContain('pay1 is a production host');
  expect(ran()).toBe(0);

  expect(await desk.press('dan', 'ops', request.id, request.buttons.flat().find((b) => b.label === 'Approve')!.action)).toBe(202);
  expect((await handle.result()).phase).toBe('done');
  expect(ran()).toBe(1);
  // Its retry, as the old workflow scheduled it, runs the configured step.
  await retryAsOldRun(waitingRun);
  expect(ran()).toBe(2);
  // Under a run id that is no approved run of pay1, it is refused.
  expect((await rejectionOf(retryAsOldRun('00000000-0000-4000-8000-000000000000'), Error)).message).toContain('pay1 is a production host');
  expect(ran()).toBe(2);
});
