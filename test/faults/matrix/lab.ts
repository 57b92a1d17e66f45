/**
 * The fault lab: every part of a dutydesk deployment as a process or peer the
 * matrix can kill, cut or stall and bring back. The Temporal dev server (its
 * own process, SQLite on disk, so a SIGKILL loses only what SQLite had not
 * committed), the worker and the gateway (processes of their own), a real sshd
 * reached through a TCP proxy that can cut every connection, a real JVM, and
 * the Telegram Bot API peer (a local server that can go away and come back on
 * the same port). Loopback only.
 */
import { spawn, type ChildProcess } from 'node:child_process';
import { chmodSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { Client, Connection } from '@temporalio/client';
import { stringify } from 'yaml';
import { searchAttributeArgs } from '../../../lib/search-attributes';
import { temporalCliPath } from '../../helpers/desk';
import { startFlakyProxy, type FlakyProxy } from '../../helpers/flaky-proxy';
import { startJvm, type TestJvm } from '../../helpers/jvm';
import { startSshd, type Sshd } from '../../helpers/sshd';
import { freePort, portOpen, waitFor } from '../../helpers/wait';
import { TelegramBotApi } from '../../peers/telegram-bot-api';

const ROOT = path.resolve(__dirname, '../../..');
const CONSOLE_TOKEN = 'fault-lab-console-token';
export const ALICE = { id: 1001, first_name: 'Alice' };
/** Seconds each restart step takes on the host: long enough to be caught in the act. */
export const STEP_SECONDS = 1.5;
export const RESTART_STEPS = ['drain', 'stop', 'migrate', 'start', 'enable'];

/** A process the lab can kill and start again with the same arguments. */
export class Restartable {
  proc?: ChildProcess;
  output = '';
  constructor(
    readonly name: string,
    private readonly launch: () => ChildProcess,
    private readonly ready: (self: Restartable) => Promise<unknown>,
  ) {}

  async start(): Promise<void> {
    this.output = '';
    const proc = this.launch();
    proc.stdout?.on('data', (c) => (this.output = (this.output + c).slice(-20_000)));
    proc.stderr?.on('data', (c) => (this.output = (this.output + c).slice(-20_000)));
    this.proc = proc;
    await this.ready(this);
  }

  get running(): boolean {
    return Boolean(this.proc && this.proc.exitCode === null && this.proc.signalCode === null);
  }

  async kill(): Promise<void> {
    const proc = this.proc;
    if (!proc || !this.running) return;
    const exited = new Promise((r) => proc.once('exit', r));
    proc.kill('SIGKILL');
    await exited;
  }
}

/**
 * A step on the host: logs its start and end with a timestamp, and says
 * "overlap" when another run of the same step is still running as it starts
 * (a lock with the holder's pid; a holder that died leaves a stale lock).
 */
function writeStepScript(dir: string): string {
  const file = path.join(dir, 'fault-step.sh');
  writeFileSync(
    file,
    [
      '#!/bin/sh',
      'log=$1; name=$2; seconds=$3; shift 3',
      'lock="$log.$name.lock"',
      'if ! mkdir "$lock" 2>/dev/null; then',
      '  other=$(cat "$lock/pid" 2>/dev/null)',
      // Alive, not a zombie waiting for its parent to reap it: that one has stopped running.
      '  state=$(sed "s/^.*) //" "/proc/$other/stat" 2>/dev/null | cut -d" " -f1)',
      '  if [ -n "$other" ] && [ -n "$state" ] && [ "$state" != Z ]; then echo "overlap $name $$ $other" >> "$log"; fi',
      '  rm -rf "$lock"; mkdir "$lock" 2>/dev/null',
      'fi',
      'echo $$ > "$lock/pid"',
      'echo "start $name $$ $(date +%s%3N)" >> "$log"',
      'sleep "$seconds"',
      'if [ $# -gt 0 ]; then "$@"; rc=$?; else rc=0; fi',
      'echo "end $name $$ $(date +%s%3N)" >> "$log"',
      'rm -rf "$lock"',
      'exit $rc',
    ].join('\n') + '\n',
  );
  chmodSync(file, 0o755);
  return file;
}

export interface Lab {
  dir: string;
  /** The host-side log of steps and jcmd runs. */
  hostLog: string;
  client: Client;
  api: TelegramBotApi;
  temporal: Restartable;
  worker: Restartable;
  gateway: Restartable;
  proxy: FlakyProxy;
  jvm: TestJvm;
  /** Brings a Telegram outage: the API refuses connections for this long, then answers again on the same port. */
  chatOutage(ms: number): Promise<void>;
  stop(): Promise<void>;
}

/** `dynamicConfig`: more of the dev server's dynamic config (e.g. a low continue-as-new suggestion). */
export async function startLab(dynamicConfig: string[] = []): Promise<Lab> {
  const dir = mkdtempSync(path.join(os.tmpdir(), 'dutydesk-faults-'));
  const hostLog = path.join(dir, 'host.log');
  const sshd: Sshd = await startSshd();
  const proxy = await startFlakyProxy({ host: '127.0.0.1', port: sshd.port }, Number.MAX_SAFE_INTEGER, 0);
  const jvm = await startJvm({ heapMiB: 16 });
  const api = await new TelegramBotApi({ perChatIntervalMs: 1000, perGroupPerMinute: 20, perBotPerSecond: 30 }).start();
  const apiPort = Number(new URL(api.apiRoot).port);
  const step = writeStepScript(dir);
  const [temporalPort, gatewayPort] = [await freePort(), await freePort()];

  const ssh = { address: '127.0.0.1', port: proxy.port, user: sshd.user, privateKey: { file: sshd.keyFile }, hostKey: sshd.hostKeyFingerprint, groups: ['test'] };
  const jcmd = path.join(dir, 'fault-jcmd.sh');
  // jcmd through the step script, named by what it does (jcmd-GC.heap_info, jcmd-GC.heap_dump, jcmd-Thread.print):
  // logged, checked for overlap, and slow enough (2 s) to be caught running.
  writeFileSync(jcmd, `#!/bin/sh\nexec ${step} ${hostLog} "jcmd-$2" 2 jcmd "$@"\n`);
  chmodSync(jcmd, 0o755);
  const java = { match: jvm.match, dumpDir: path.join(dir, 'host-dumps'), reserve: '1MiB', jcmd, threadDumps: { count: 2, interval: '1s' } };
  const config = {
    temporal: { address: `127.0.0.1:${temporalPort}`, namespace: 'default', uiUrl: 'http://127.0.0.1:8233' },
    gateway: { listen: `127.0.0.1:${gatewayPort}`, consoleToken: { env: 'DUTYDESK_CONSOLE_TOKEN' } },
    telegram: { token: { env: 'DD_FAULTS_TELEGRAM_TOKEN' }, apiRoot: api.apiRoot },
    roles: { engineer: { can: ['status', 'restart', 'dump'], hostGroups: ['test'] } },
    users: [{ id: 'alice', name: 'Alice', roles: ['engineer'], telegram: ALICE.id }],
    chats: {},
    worker: { stickyQueueTimeout: '1s' },
    restart: { heartbeatTimeout: '3s' },
    dumps: { dir: path.join(dir, 'dumps'), chatFileLimit: '40MiB' },
    hosts: {
      app1: { ...ssh, services: { app: { steps: RESTART_STEPS.map((name) => ({ name, title: name, run: `${step} ${hostLog} ${name} ${STEP_SECONDS}` })) } } },
      jvm1: { ...ssh, services: { app: { steps: [{ name: 'noop', run: 'true' }], java } } },
    },
  };
  const configFile = path.join(dir, 'dutydesk.yaml');
  writeFileSync(configFile, stringify(config));
  const env = { ...process.env, DUTYDESK_CONFIG: configFile, DUTYDESK_CONSOLE_TOKEN: CONSOLE_TOKEN, DD_FAULTS_TELEGRAM_TOKEN: api.token, DUTYDESK_DATA_DIR: path.join(dir, 'data') };

  const temporal = new Restartable(
    'temporal',
    () =>
      spawn(temporalCliPath(), [
        'server', 'start-dev', '--headless',
        '--ip', '127.0.0.1', '--port', String(temporalPort),
        '--db-filename', path.join(dir, 'temporal.db'),
        '--namespace', 'default', '--log-level', 'error',
        ...['system.enableActivityEagerExecution=true', ...dynamicConfig].flatMap((value) => ['--dynamic-config-value', value]),
        ...searchAttributeArgs(),
      ], { stdio: ['ignore', 'pipe', 'pipe'] }),
    (self) => waitFor(() => { if (!self.running) throw new Error(`temporal exited: ${self.output}`); return portOpen(temporalPort); }, 'the Temporal dev server', 60_000),
  );
  const node = (script: string) => () => spawn(process.execPath, ['--import', 'tsx', path.join(ROOT, script)], { cwd: ROOT, env, stdio: ['ignore', 'pipe', 'pipe'] });
  const worker = new Restartable('worker', node('workers/main.ts'), (self) =>
    waitFor(() => { if (!self.running) throw new Error(`worker exited: ${self.output}`); return self.output.includes('dutydesk worker ready'); }, 'the worker', 90_000),
  );
  const gateway = new Restartable('gateway', node('chat-gateway/main.ts'), (self) =>
    waitFor(() => { if (!self.running) throw new Error(`gateway exited: ${self.output}`); return self.output.includes('Telegram bot polling'); }, 'the gateway', 60_000),
  );
  await temporal.start();
  const client = new Client({ connection: Connection.lazy({ address: config.temporal.address }), namespace: 'default' });
  await worker.start();
  await gateway.start();

  return {
    dir,
    hostLog,
    client,
    api,
    temporal,
    worker,
    gateway,
    proxy,
    jvm,
    async chatOutage(ms) {
      await api.stop();
      await new Promise((r) => setTimeout(r, ms));
      await api.start(apiPort);
    },
    async stop() {
      for (const p of [gateway, worker, temporal]) await p.kill();
      await client.connection.close().catch(() => undefined);
      await api.stop();
      await jvm.stop();
      await proxy.stop();
      await sshd.stop();
      rmSync(dir, { recursive: true, force: true });
    },
  };
}
