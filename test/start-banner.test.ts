/**
 * `npm start` as a newcomer sees it: progress while things start, the banner
 * last (after the worker is ready, with nothing scrolling it away), and a quiet
 * Ctrl-C. A child that dies stops everything and says why.
 */
import { spawn, type ChildProcess } from 'node:child_process';
import { mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { Connection } from '@temporalio/client';
import { stringify } from 'yaml';
import { freePort, portOpen, waitFor } from './helpers/wait';

jest.setTimeout(120_000);

const ROOT = path.resolve(__dirname, '..');

interface Started {
  proc: ChildProcess;
  output: () => string;
  exited: Promise<number | null>;
  dir: string;
  temporalPort: number;
  gatewayPort: number;
}

async function startDemo(extraEnv: Record<string, string> = {}): Promise<Started> {
  const dir = mkdtempSync(path.join(os.tmpdir(), 'dutydesk-start-'));
  const [temporal, ui, gateway] = [await freePort(), await freePort(), await freePort()];
  const config = {
    temporal: { address: `127.0.0.1:${temporal}`, namespace: 'default', uiUrl: `http://127.0.0.1:${ui}` },
    gateway: { listen: `127.0.0.1:${gateway}`, consoleToken: { env: 'DUTYDESK_CONSOLE_TOKEN' } },
    roles: { engineer: { can: ['status', 'restart'], hostGroups: ['demo'] } },
    users: [{ id: 'alice', name: 'Alice', roles: ['engineer'] }],
    chats: { ops: { title: 'Ops', web: 'ops' } },
    hosts: {
      'demo-web': {
        address: '127.0.0.1',
        transport: 'local',
        groups: ['demo'],
        services: { web: { steps: [{ name: 'check', title: 'Check', run: 'true' }] } },
      },
    },
  };
  const configFile = path.join(dir, 'dutydesk.yaml');
  writeFileSync(configFile, stringify(config));
  // Its own process group, so the test can send Ctrl-C to all of it as a terminal does.
  // As a user's start: the worker bundles the workflows itself (the suite's prebuilt bundle is left out).
  const { DUTYDESK_WORKFLOW_BUNDLE: _prebuilt, ...userEnv } = process.env;
  const proc = spawn(process.execPath, ['--import', 'tsx', 'scripts/start.ts'], {
    cwd: ROOT,
    detached: true,
    env: { ...userEnv, DUTYDESK_CONFIG: configFile, DUTYDESK_DATA_DIR: path.join(dir, 'data'), DUTYDESK_VERBOSE: '', ...extraEnv },
    stdio: ['ignore', 'pipe', 'pipe'],
  });
  let output = '';
  proc.stdout!.on('data', (d: Buffer) => (output += d.toString()));
  proc.stderr!.on('data', (d: Buffer) => (output += d.toString()));
  const exited = new Promise<number | null>((resolve) => proc.on('exit', (code) => resolve(code)));
  return { proc, output: () => output, exited, dir, temporalPort: temporal, gatewayPort: gateway };
}

/** Waits for the banner; if it does not come, says what the supervisor printed and the worker's last lines. */
async function banner(s: Started): Promise<void> {
  try {
    await waitFor(() => s.output().includes(BANNER_END), 'the banner', 90_000);
  } catch (err) {
    let worker = '';
    try {
      worker = readFileSync(path.join(s.dir, 'data', 'logs', 'worker.log'), 'utf8').split('\n').slice(-30).join('\n');
    } catch {
      worker = '(no worker log)';
    }
    throw new Error(`${(err as Error).message}\nsupervisor said:\n${s.output().slice(-3000)}\nworker log ends:\n${worker}`);
  }
}

const BANNER_END = 'Ctrl-C stops everything.';

describe('npm start', () => {
  let started: Started | undefined;
  afterEach(async () => {
    if (started && started.proc.exitCode === null && started.proc.signalCode === null) process.kill(-started.proc.pid!, 'SIGKILL');
    if (started) rmSync(started.dir, { recursive: true, force: true });
    started = undefined;
  });

  test('shows progress, then the banner once the worker is ready, and stays quiet on Ctrl-C', async () => {
    started = await startDemo();
    const s = started;
    await banner(s);
    const atBanner = s.output();
    // Progress came first, in order: the server, the bundling, the worker ready, then the banner.
    const order = ['starting the Temporal dev server', 'bundling the workflows', 'dutydesk worker ready', 'dutydesk is ready', BANNER_END];
    const positions = order.map((line) => atBanner.indexOf(line));
    expect(positions.every((p) => p >= 0)).toBe(true);
    expect([...positions].sort((a, b) => a - b)).toEqual(positions);
    // The bundler's and the SDK's chatter went to the worker's log, not the terminal.
    expect(atBanner).not.toMatch(/webpack|modules by path|Worker state changed/);
    const logs = path.join(s.dir, 'data', 'logs');
    expect(readFileSync(path.join(logs, 'worker.log'), 'utf8')).toMatch(/Workflow bundle created/);
    expect(atBanner).toContain(`Logs:              ${logs}/`);

    // The worker really polls once the banner is shown (its first long poll reaches the server a moment after the
    // line is printed, so within seconds): a restart typed at once is picked up.
    const { temporalPort } = s;
    const connection = await Connection.connect({ address: `127.0.0.1:${temporalPort}` });
    const pollers = async () => (await connection.workflowService.describeTaskQueue({ namespace: 'default', taskQueue: { name: 'dutydesk-desk' }, taskQueueType: 1 })).pollers?.length ?? 0;
    await waitFor(async () => (await pollers()) > 0, 'the worker to poll the desk queue', 10_000, 100);
    await connection.close();

    process.kill(-s.proc.pid!, 'SIGINT');
    expect(await s.exited).toBe(0);
    const afterBanner = s.output().slice(atBanner.length).trim().split('\n').filter(Boolean);
    expect(afterBanner).toEqual(['dutydesk: stopping…', `dutydesk: stopped. Logs are in ${logs}/.`]);
    expect(await portOpen(temporalPort)).toBe(false);
    // What the dev server said while stopping is still in its log.
    expect(readFileSync(path.join(logs, 'temporal.log'), 'utf8').length).toBeGreaterThan(0);
  });

  test('a worker that dies stops everything and shows its last lines', async () => {
    started = await startDemo();
    const s = started;
    await banner(s);
    const pid = Number(/dutydesk worker ready \(pid (\d+)\)/.exec(readFileSync(path.join(s.dir, 'data', 'logs', 'worker.log'), 'utf8'))?.[1]);
    expect(pid).toBeGreaterThan(0);
    process.kill(pid, 'SIGKILL');
    expect(await s.exited).toBe(1);
    expect(s.output()).toMatch(/dutydesk: worker exited \(SIGKILL\); stopping everything\. Its last lines \(all of them in .*worker\.log\):\n {2}\| /);
  });

  test('a worker that fails at start stops everything, shows its last lines, and leaves nothing running', async () => {
    started = await startDemo({ DUTYDESK_WORKFLOW_BUNDLE: '/nonexistent/workflow-bundle.js' });
    const s = started;
    expect(await s.exited).toBe(1);
    expect(s.output()).toMatch(/dutydesk: worker exited \(1\); stopping everything\. Its last lines .*\n {2}\| /);
    expect(s.output()).not.toContain(BANNER_END);
    expect([await portOpen(s.temporalPort), await portOpen(s.gatewayPort)]).toEqual([false, false]);
  });

  test('a supervisor killed outright (SIGKILL) takes its children with it', async () => {
    started = await startDemo();
    const s = started;
    await banner(s);
    s.proc.kill('SIGKILL');
    await s.exited;
    await waitFor(async () => !(await portOpen(s.temporalPort)) && !(await portOpen(s.gatewayPort)), 'the dev server and the gateway to be gone', 15_000);
  });
});
