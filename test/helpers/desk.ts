/**
 * A whole dutydesk for a test: the real Temporal dev server (Temporal CLI via
 * @temporalio/testing's existing-path), the gateway with its web console on a
 * loopback port, and a worker (in this process, or a separate one that a test
 * can kill). Tests talk to it over HTTP as a user of the console would.
 */
import { spawn, type ChildProcess } from 'node:child_process';
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import type { Server } from 'node:http';
import os from 'node:os';
import path from 'node:path';
import { TestWorkflowEnvironment } from '@temporalio/testing';
import { DefaultLogger, Runtime, type Worker } from '@temporalio/worker';
import { stringify } from 'yaml';
import { parseConfig, type LoadedConfig } from '../../config/load';
import { createGateway } from '../../chat-gateway/app';
import type { ConsoleMessage } from '../../chat-gateway/web-console/store';
import { SEARCH_ATTRIBUTES } from '../../lib/search-attributes';
import { createWorkers } from '../../workers/create-workers';
import { syncReminderSchedules } from '../../workers/reminder-schedules';
import { syncActionSchedules } from '../../workers/action-schedules';
import { ensureTicketPollers } from '../../workers/ticket-pollers';
import { freePort, waitFor } from './wait';

const ROOT = path.resolve(__dirname, '../..');
const BOT_TOKEN = 'test-console-token';

// Workers in tests log errors only.
try {
  Runtime.install({ logger: new DefaultLogger('ERROR') });
} catch {
  /* already installed by an earlier test file in this process */
}

export function temporalCliPath(): string {
  const cli = process.env.TEMPORAL_CLI;
  if (!cli) throw new Error('TEMPORAL_CLI is not set: run the tests with `npm test`, which provides the Temporal CLI');
  return cli;
}

/** `dynamicConfig`: more of the server's dynamic config, e.g. a low limit a test needs to reach. */
export async function startTemporal(dynamicConfig: string[] = []): Promise<TestWorkflowEnvironment> {
  return TestWorkflowEnvironment.createLocal({
    server: {
      executable: { type: 'existing-path', path: temporalCliPath() },
      ip: '127.0.0.1',
      searchAttributes: SEARCH_ATTRIBUTES,
      log: { format: 'pretty', level: 'error' },
      // As config/temporal/dynamicconfig.yaml does in production.
      extraArgs: ['system.enableActivityEagerExecution=true', ...dynamicConfig].flatMap((value) => ['--dynamic-config-value', value]),
    },
  });
}

/** Users, roles and chats shared by the tests; hosts come from each test. */
export function baseConfig(hosts: Record<string, unknown>, overrides: Record<string, unknown> = {}) {
  return {
    roles: {
      viewer: { can: ['status'] },
      engineer: { can: ['status', 'restart'], hostGroups: ['test'] },
      lead: { can: ['status', 'restart', 'approve'], hostGroups: ['*'] },
    },
    users: [
      { id: 'alice', name: 'Alice', roles: ['engineer'] },
      { id: 'bob', name: 'Bob', roles: ['lead'] },
      { id: 'carol', name: 'Carol', roles: ['viewer'] },
      { id: 'dan', name: 'Dan', roles: ['lead'] },
    ],
    chats: { ops: { title: 'Ops', web: 'ops' } },
    notify: { approvals: 'ops' },
    worker: { stickyQueueTimeout: '1s' },
    restart: { heartbeatTimeout: '3s' },
    hosts,
    ...overrides,
  };
}

export interface Desk {
  env: TestWorkflowEnvironment;
  config: LoadedConfig;
  configFile: string;
  url: string;
  say(user: string, chat: string, text: string): Promise<ConsoleMessage>;
  /** As say, with a file sent along (the console's 📎). */
  sayWithFile(user: string, chat: string, text: string, file: { name: string; content: string | Buffer }): Promise<ConsoleMessage>;
  press(user: string, chat: string, messageId: string, action: string): Promise<number>;
  messages(chat: string): Promise<ConsoleMessage[]>;
  /** Waits for a bot message in the chat that matches, and returns its latest version. */
  botMessage(chat: string, match: (m: ConsoleMessage) => boolean, what: string, timeoutMs?: number): Promise<ConsoleMessage>;
  startWorkerProcess(): Promise<ChildProcess>;
  stop(): Promise<void>;
}

export async function startDesk(rawConfig: Record<string, unknown>, options: { inProcessWorker?: boolean; env?: TestWorkflowEnvironment; port?: number; gatewayLog?: (line: string) => void } = {}): Promise<Desk> {
  const env = options.env ?? (await startTemporal());
  const port = options.port ?? (await freePort());
  const dir = mkdtempSync(path.join(os.tmpdir(), 'dutydesk-desk-'));
  // Files sent in chat, charts, dumps and pinned host keys of this desk alone: not the checkout's .data of earlier runs.
  const dataDir = path.join(dir, '.data');
  process.env.DUTYDESK_DATA_DIR = dataDir;
  const raw = {
    ...rawConfig,
    temporal: { address: env.address, namespace: 'default', uiUrl: 'http://127.0.0.1:8233' },
    // The console's identity picker (demo mode, loopback), unless a test says how people sign in.
    gateway: { listen: `127.0.0.1:${port}`, consoleToken: { env: 'DUTYDESK_CONSOLE_TOKEN' }, console: { signIn: 'demo' }, ...(rawConfig.gateway as object | undefined) },
  };
  const configFile = path.join(dir, 'dutydesk.yaml');
  writeFileSync(configFile, stringify(raw));
  process.env.DUTYDESK_CONSOLE_TOKEN = BOT_TOKEN;
  const config = parseConfig(raw, configFile);

  // Kept under a dot-folder, as npm start keeps it in .data/.
  const gateway = createGateway({ config, client: env.client, botToken: BOT_TOKEN, log: options.gatewayLog ?? (() => undefined), consoleFile: path.join(dataDir, 'console-messages.json') });
  const { app } = gateway;
  const server: Server = await new Promise((resolve) => {
    const s = app.listen(port, '127.0.0.1', () => resolve(s));
  });
  const url = `http://127.0.0.1:${port}`;

  let workers: Worker[] = [];
  let runs: Promise<unknown>[] = [];
  let closeExecutors = async () => {};
  if (options.inProcessWorker !== false) {
    const created = await createWorkers({
      config,
      connection: env.nativeConnection,
      client: env.client,
      workflowBundlePath: process.env.DUTYDESK_WORKFLOW_BUNDLE,
    });
    workers = created.workers;
    closeExecutors = () => created.close();
    runs = workers.map((w) => w.run());
  }
  const processes: ChildProcess[] = [];
  await gateway.startPlatforms();
  await ensureTicketPollers(env.client, config);
  await syncReminderSchedules(env.client, config);
  await syncActionSchedules(env.client, config);

  const post = async (route: string, body: unknown) => {
    const res = await fetch(`${url}${route}`, { method: 'POST', headers: { 'content-type': 'application/json' }, body: JSON.stringify(body) });
    return { status: res.status, body: (await res.json()) as unknown };
  };
  const messages = async (chat: string) => (await (await fetch(`${url}/console/api/messages?chat=${encodeURIComponent(chat)}`)).json()) as ConsoleMessage[];

  return {
    env,
    config,
    configFile,
    url,
    async say(user, chat, text) {
      const { status, body } = await post('/console/api/messages', { user, chat, text });
      if (status !== 202) throw new Error(`console refused the message: ${status} ${JSON.stringify(body)}`);
      return body as ConsoleMessage;
    },
    async sayWithFile(user, chat, text, file) {
      const upload = await fetch(`${url}/console/api/upload?name=${encodeURIComponent(file.name)}`, { method: 'POST', body: file.content });
      const uploaded = (await upload.json()) as { uploadId?: string; error?: string };
      if (upload.status !== 201 || !uploaded.uploadId) throw new Error(`console refused the file: ${upload.status} ${JSON.stringify(uploaded)}`);
      const { status, body } = await post('/console/api/messages', { user, chat, text, uploadId: uploaded.uploadId });
      if (status !== 202) throw new Error(`console refused the message: ${status} ${JSON.stringify(body)}`);
      return body as ConsoleMessage;
    },
    async press(user, chat, messageId, action) {
      return (await post('/console/api/press', { user, chat, messageId, action })).status;
    },
    messages,
    async botMessage(chat, match, what, timeoutMs = 60_000) {
      // Newest first, so an earlier message of the same kind never answers for a later one.
      try {
        return await waitFor(async () => (await messages(chat)).reverse().find((m) => m.from === 'bot' && match(m)), what, timeoutMs);
      } catch (err) {
        const last = (await messages(chat)).slice(-3).map((m) => `  ${m.from}: ${m.text.slice(0, 400)}`);
        throw new Error(`${(err as Error).message}\nlast messages in ${chat}:\n${last.join('\n')}`);
      }
    },
    async startWorkerProcess() {
      // node itself (not the tsx wrapper), so a kill reaches the worker and nothing else.
      const child = spawn(process.execPath, ['--import', 'tsx', path.join(ROOT, 'workers/main.ts'), '--config', configFile], {
        cwd: ROOT,
        env: { ...process.env, DUTYDESK_CONSOLE_TOKEN: BOT_TOKEN, DUTYDESK_DATA_DIR: dataDir },
        stdio: ['ignore', 'pipe', 'pipe'],
      });
      let output = '';
      child.stdout?.on('data', (c) => (output += c));
      child.stderr?.on('data', (c) => (output += c));
      processes.push(child);
      await waitFor(() => {
        if (child.exitCode !== null) throw new Error(`worker exited: ${output}`);
        return output.includes('dutydesk worker ready');
      }, 'the worker process to be ready', 60_000);
      return child;
    },
    async stop() {
      gateway.stopPlatforms();
      for (const p of processes) if (p.exitCode === null && p.signalCode === null) p.kill('SIGKILL');
      workers.forEach((w) => w.shutdown());
      await Promise.allSettled(runs);
      await closeExecutors();
      server.closeAllConnections();
      await new Promise((r) => server.close(r));
      if (!options.env) await env.teardown();
      rmSync(dir, { recursive: true, force: true });
    },
  };
}
