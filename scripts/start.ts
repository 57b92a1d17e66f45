/**
 * Runs the embedded default: Temporal dev server (SQLite persistence in the
 * data folder, Web UI), the worker and the gateway, as child processes.
 * Prints where the console and the Temporal UI are; Ctrl-C stops everything.
 */
import { spawn, type ChildProcess } from 'node:child_process';
import { randomBytes } from 'node:crypto';
import { mkdirSync } from 'node:fs';
import net from 'node:net';
import path from 'node:path';
import { configPathFromEnv, ConfigError, loadConfig } from '../config/load';
import { searchAttributeArgs } from '../lib/search-attributes';

const root = path.resolve(__dirname, '..');
const dataDir = process.env.DUTYDESK_DATA_DIR ?? path.join(root, '.data');
const children: { name: string; proc: ChildProcess }[] = [];
let stopping = false;

function hostPort(address: string): [string, number] {
  const i = address.lastIndexOf(':');
  return [address.slice(0, i), Number(address.slice(i + 1))];
}

function run(name: string, command: string, args: string[], env: NodeJS.ProcessEnv = {}) {
  const proc = spawn(command, args, { cwd: root, env: { ...process.env, ...env }, stdio: ['ignore', 'inherit', 'inherit'] });
  proc.on('exit', (code, signal) => {
    if (stopping) return;
    console.error(`dutydesk: ${name} exited (${signal ?? code}); stopping everything.`);
    void stop(1);
  });
  children.push({ name, proc });
  return proc;
}

function waitForPort(host: string, port: number, timeoutMs: number): Promise<void> {
  const deadline = Date.now() + timeoutMs;
  return new Promise((resolve, reject) => {
    const attempt = () => {
      const socket = net.connect({ host, port });
      socket.once('connect', () => (socket.destroy(), resolve()));
      socket.once('error', () => {
        socket.destroy();
        if (Date.now() > deadline) reject(new Error(`nothing listens on ${host}:${port} after ${timeoutMs / 1000} s`));
        else setTimeout(attempt, 200);
      });
    };
    attempt();
  });
}

async function stop(code: number) {
  if (stopping) return;
  stopping = true;
  // Gateway and worker first, so in-flight work ends before the server goes.
  for (const name of ['gateway', 'worker', 'temporal']) {
    const child = children.find((c) => c.name === name);
    if (!child || child.proc.exitCode !== null) continue;
    child.proc.kill('SIGTERM');
    await new Promise<void>((resolve) => {
      const force = setTimeout(() => (child.proc.kill('SIGKILL'), resolve()), 10_000);
      child.proc.once('exit', () => (clearTimeout(force), resolve()));
    });
  }
  process.exit(code);
}

async function main() {
  const configPath = configPathFromEnv();
  const config = loadConfig(configPath);
  const temporalCli = process.env.TEMPORAL_CLI ?? 'temporal';
  const [tHost, tPort] = hostPort(config.temporal.address);
  const uiPort = Number(new URL(config.temporal.uiUrl).port || 8233);
  mkdirSync(dataDir, { recursive: true });
  const env = {
    DUTYDESK_CONFIG: configPath,
    DUTYDESK_DATA_DIR: dataDir,
    DUTYDESK_CONSOLE_TOKEN: process.env.DUTYDESK_CONSOLE_TOKEN ?? randomBytes(24).toString('hex'),
  };

  process.on('SIGINT', () => void stop(0));
  process.on('SIGTERM', () => void stop(0));

  console.log(`dutydesk: starting the Temporal dev server (data in ${path.relative(root, dataDir) || '.'}/temporal.db)…`);
  run('temporal', temporalCli, [
    'server', 'start-dev',
    '--ip', tHost, '--port', String(tPort), '--ui-port', String(uiPort),
    '--db-filename', path.join(dataDir, 'temporal.db'),
    '--namespace', config.temporal.namespace,
    '--log-level', 'warn',
    ...searchAttributeArgs(),
  ]);
  await waitForPort(tHost, tPort, 60_000);

  // node with tsx's loader (not the tsx wrapper), so signals reach the process itself.
  run('worker', process.execPath, ['--import', 'tsx', 'workers/main.ts'], env);
  run('gateway', process.execPath, ['--import', 'tsx', 'chat-gateway/main.ts'], env);
  const [gHost, gPort] = hostPort(config.gateway.listen);
  await waitForPort(gHost, gPort, 60_000);

  console.log('');
  console.log(`  Web chat console:  http://${config.gateway.listen}/`);
  console.log(`  Temporal Web UI:   ${config.temporal.uiUrl}`);
  console.log(`  Config:            ${path.relative(root, configPath)}`);
  console.log('  Try: pick "Alice", type "restart demo-web". Ctrl-C stops everything.');
  console.log('');
}

main().catch((err) => {
  console.error(err instanceof ConfigError ? err.message : `dutydesk: ${(err as Error).message}`);
  void stop(1);
});
