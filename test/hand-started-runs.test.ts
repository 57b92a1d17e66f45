/**
 * Restart and dump runs started by hand on the cluster (as `temporal workflow
 * start` or any SDK client would), skipping the gateway and its roles: the
 * hosts worker runs only what its own configuration has, and refuses the
 * rest at once, with nothing run on the host. Runs shaped as before the
 * worker resolved steps itself still work when they match the configuration.
 */
import { spawn, type ChildProcess } from 'node:child_process';
import { existsSync } from 'node:fs';
import path from 'node:path';
import { WorkflowFailedError } from '@temporalio/client';
import { configuredJava } from '../config/dump-plan';
import { restartPlanId } from '../config/restart-plan';
import { TASK_QUEUES } from '../workers/task-queues';
import { dumpProgressQuery, type DumpProgress, type JavaTarget } from '../workflows/dump/definitions';
import type { RestartProgress, RestartRequest, StepPlan } from '../workflows/restart/definitions';
import { baseConfig, startDesk, type Desk } from './helpers/desk';
import { hostLog, type HostLog } from './helpers/host-scripts';
import { startSshd, type Sshd } from './helpers/sshd';

let sshd: Sshd;
let desk: Desk;
let log: HostLog;
let marker: string;
/** The "JVM" the dump config matches: found, so a run would go on to jcmd (which fails on it). */
let sleeper: ChildProcess;
const SLEEP = `${3000 + Math.floor(Math.random() * 1000)}.${Date.now() % 100000}`;

beforeAll(async () => {
  sshd = await startSshd();
  log = hostLog(sshd.dir, 'web');
  marker = path.join(sshd.dir, 'pwned');
  sleeper = spawn('sleep', [SLEEP]);
  const ssh = { address: '127.0.0.1', port: sshd.port, user: sshd.user, privateKey: { file: sshd.keyFile }, hostKey: sshd.hostKeyFingerprint, groups: ['test'] };
  desk = await startDesk(
    baseConfig({
      web1: { ...ssh, services: { app: { steps: [{ name: 'drain', title: 'Drain', run: log.step('drain') }, { name: 'start', title: 'Start', run: log.step('start') }] } } },
      batch1: { ...ssh, services: { batch: { script: log.step('script'), scriptTimeout: '30s' } } },
      news1: { ...ssh, services: { app: { steps: [{ name: 'tell', announce: 'Restarting {service} on {host}', chat: 'ops' }, { name: 'noop', run: 'true' }] } } },
      pay1: { ...ssh, production: true, services: { payments: { steps: [{ name: 'restart', run: log.step('pay') }] } } },
      jvm1: { ...ssh, services: { app: { steps: [{ name: 'noop', run: 'true' }], java: { match: `^sleep ${SLEEP.replace('.', '\\.')}$`, dumpDir: path.join(sshd.dir, 'dumps'), reserve: '1MiB' } } } },
    }),
  );
}, 120_000);

afterAll(async () => {
  await desk?.stop();
  sleeper?.kill();
  await sshd?.stop();
});

const alice = { id: 'alice', name: 'Alice' };
const ops = { platform: 'web' as const, chatId: 'ops' };
const touch = () => `touch ${marker}`;

function restartRequest(host: string, service: string, plan: RestartRequest['plan'], extra: Partial<RestartRequest> = {}): RestartRequest {
  return { host, service, requestedBy: alice, chat: ops, notifyChat: ops, production: false, heartbeatTimeoutMs: 3000, plan, ...extra };
}

const runStep = (name: string, target: string): StepPlan => ({ name, title: name, kind: 'run', target, timeoutMs: 10_000, retries: 0, intervalMs: 1000 });

async function startedByHand(request: RestartRequest, workflowId = `restart-${request.host}`): Promise<RestartProgress> {
  const handle = await desk.env.client.workflow.start('restartWorkflow', { taskQueue: TASK_QUEUES.desk, workflowId, args: [request] });
  return handle.result() as Promise<RestartProgress>;
}

/** Why a run started by hand ended: its progress's error, or (refused before it could say anything in chat) its failure's causes. */
async function whyEnded(request: RestartRequest): Promise<string | undefined> {
  try {
    const progress = await startedByHand(request);
    return progress.phase === 'failed' ? progress.error : undefined;
  } catch (err) {
    const causes: string[] = [];
    for (let e: unknown = err; e instanceof Error; e = (e as Error & { cause?: unknown }).cause) causes.push(e.message);
    return causes.join(' / ');
  }
}

test.each([
  ['a step the configuration does not have', () => restartRequest('web1', 'app', { mode: 'steps', steps: [runStep('pwn', touch())] }), 'web1 has no step "pwn"'],
  ['a known step name with another command', () => restartRequest('web1', 'app', { mode: 'steps', steps: [runStep('drain', touch())] }), 'its command differs'],
  ['a step name the service lacks, by name with the right plan', () => restartRequest('web1', 'app', { mode: 'steps', steps: [runStep('pwn', '')] }, { planId: restartPlanId(desk.config, 'web1', 'app') }), 'app on web1 has no step "pwn"'],
  ['a plan that is not the configured one', () => restartRequest('web1', 'app', { mode: 'steps', steps: [runStep('drain', '')] }, { planId: 'made-up' }), 'is not the one this restart was started with'],
  ['a service the host lacks', () => restartRequest('web1', 'shell', { mode: 'steps', steps: [runStep('drain', '')] }, { planId: 'made-up' }), 'web1 has no service "shell"'],
  ['a script the configuration does not have', () => restartRequest('batch1', 'batch', { mode: 'script', script: touch(), timeoutMs: 10_000 }), 'is not one configured for batch1'],
  ['a production host without approval', () => restartRequest('pay1', 'payments', { mode: 'steps', steps: [runStep('restart', log.step('pay'))] }), 'pay1 is a production host'],
])('a restart started by hand with %s is refused at once and runs nothing', async (_name, request, why) => {
  const before = log.lines().length;
  const error = await whyEnded(request());
  expect(error).toContain('refused: ');
  expect(error).toContain(why);
  expect(existsSync(marker)).toBe(false);
  expect(log.lines().length).toBe(before);
});

test('a restart started by hand under another workflow id is refused (one run per host)', async () => {
  const request = restartRequest('web1', 'app', { mode: 'steps', steps: [runStep('drain', log.step('drain'))] });
  const progress = await startedByHand(request, 'restart-web1-second');
  expect(progress.error).toContain('only the restartWorkflow run restart-web1 may do this');
  expect(log.started('drain')).toBe(0);
});

test('a run shaped as before that is exactly the configured steps goes on (in-flight runs survive the upgrade)', async () => {
  const progress = await startedByHand(restartRequest('web1', 'app', { mode: 'steps', steps: [runStep('drain', log.step('drain')), runStep('start', log.step('start'))] }));
  expect(progress.phase).toBe('done');
  expect(log.lines().slice(-4)).toEqual(['start drain', 'end drain', 'start start', 'end start']);
});

async function dumpByHand(request: Record<string, unknown>): Promise<DumpProgress> {
  const handle = await desk.env.client.workflow.start('dumpWorkflow', { taskQueue: TASK_QUEUES.desk, workflowId: 'dump-jvm1-app', args: [request] });
  await expect(handle.result()).rejects.toBeInstanceOf(WorkflowFailedError);
  return handle.query(dumpProgressQuery);
}

const dumpRequest = (java: Partial<JavaTarget>, extra: Record<string, unknown> = {}) => ({
  host: 'jvm1',
  service: 'app',
  kind: 'threads',
  requestedBy: alice,
  chat: ops,
  language: 'en',
  java: { ...configuredJava(desk.config, 'jvm1', 'app'), ...java },
  ...extra,
});

test.each([
  ['a jcmd the configuration does not have', () => dumpRequest({ jcmd: `${touch()}; jcmd` }), '(jcmd) are not the configured ones'],
  ['a user to run as that the configuration does not have', () => dumpRequest({ runAs: 'root' }), '(runAs) are not the configured ones'],
  ['another process pattern and dump folder', () => dumpRequest({ match: '.', dumpDir: '/etc' }), '(match, dumpDir) are not the configured ones'],
  ['made-up java settings by name', () => dumpRequest({}, { planId: 'made-up' }), 'are not the ones this dump was asked with'],
])('a dump started by hand with %s is refused at once and runs nothing', async (_name, request, why) => {
  const progress = await dumpByHand(request());
  expect(progress.phase).toBe('failed');
  expect(progress.steps[0]).toMatchObject({ name: 'find', state: 'failed' });
  expect(progress.error).toContain('refused: ');
  expect(progress.error).toContain(why);
  expect(existsSync(marker)).toBe(false);
});

test('a dump shaped as before with exactly the configured java settings goes on (to jcmd, which the stand-in process does not answer)', async () => {
  const progress = await dumpByHand(dumpRequest({}));
  expect(progress.process?.pid).toBe(sleeper.pid);
  expect(progress.error).toContain(`jcmd could not reach PID ${sleeper.pid} on jvm1`);
});

const announceStep = (name: string, target: string, chat?: StepPlan['chat']): StepPlan => ({ name, title: name, kind: 'announce', target, timeoutMs: 10_000, ...(chat ? { chat } : {}) });

test('an announcement started by hand says the configured text in the configured chat, whatever the run carries', async () => {
  const bobs = { platform: 'web' as const, chatId: 'dm-bob' };
  const request = restartRequest('news1', 'app', { mode: 'steps', steps: [announceStep('tell', 'Approve at https://phish.example/now', bobs), runStep('noop', '')] }, { planId: restartPlanId(desk.config, 'news1', 'app') });
  const progress = await startedByHand(request);
  expect(progress.phase).toBe('done');
  await desk.botMessage('ops', (m) => m.text === '📣 Restarting app on news1', 'the configured announcement in Ops');
  for (const chat of ['ops', 'dm-bob']) expect((await desk.messages(chat)).some((m) => m.text.includes('phish'))).toBe(false);
});

test('an announcement step the configuration does not have is refused, and nothing is posted', async () => {
  const request = restartRequest('news1', 'app', { mode: 'steps', steps: [announceStep('pwn', 'Approve at https://phish.example/now')] }, { planId: restartPlanId(desk.config, 'news1', 'app') });
  // Refused before the bot says anything about the run: its step is none the service has.
  expect(await whyEnded(request)).toContain('refused: app on news1 has no step "pwn"');
  expect((await desk.messages('ops')).some((m) => m.text.includes('phish'))).toBe(false);
});

test('a run started by hand cannot make the bot post its own words: step titles and names come from the configuration', async () => {
  const request = restartRequest('news1', 'app', { mode: 'steps', steps: [{ ...runStep('noop', ''), title: 'Session expired: sign in at https://phish.example/now' }] }, {
    planId: restartPlanId(desk.config, 'news1', 'app'),
    requestedBy: { id: 'alice', name: 'IT Security (official)' },
    chat: { platform: 'web', chatId: 'dm-bob' },
  });
  const progress = await startedByHand(request);
  expect(progress.phase).toBe('done');
  const posted = await desk.botMessage('dm-bob', (m) => m.text.includes('Restart app on news1') && m.text.includes('✅ Done in'), 'the progress message');
  expect(posted.text).toContain('✔ noop');
  for (const chat of ['dm-bob', 'ops']) {
    const texts = (await desk.messages(chat)).map((m) => m.text).join('\n');
    expect(texts).not.toContain('phish');
    expect(texts).not.toContain('IT Security');
  }
});

test('a run about a person the configuration lacks posts nothing', async () => {
  const request = restartRequest('news1', 'app', { mode: 'steps', steps: [runStep('noop', '')] }, { planId: restartPlanId(desk.config, 'news1', 'app'), requestedBy: { id: 'mallory', name: 'Mallory' }, chat: { platform: 'web', chatId: 'dm-mallory' } });
  expect(await whyEnded(request)).toContain('refused: "mallory" is no person in this worker\'s configuration');
  expect(await desk.messages('dm-mallory')).toEqual([]);
});
