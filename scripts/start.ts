/**
 * Runs the embedded default: Temporal dev server (SQLite persistence in the
 * data folder, Web UI), the worker and the gateway, as child processes.
 * Prints where the console and the Temporal UI are; Ctrl-C stops everything.
 */
import { spawnSync } from 'node:child_process';
import { randomBytes } from 'node:crypto';
import { existsSync, mkdirSync, readFileSync, writeFileSync } from 'node:fs';
import net from 'node:net';
import path from 'node:path';
import { configPathFromEnv, ConfigError, loadConfig } from '../config/load';
import { searchAttributeArgs } from '../lib/search-attributes';
import { seedDemoDeadlines } from './rt/demo-deadlines';
import { ensureDemoQueues } from './rt/demo-queues';
import { startDemoMonitoring } from './monitoring/demo-monitoring';
import type { LocalMonitoring } from './monitoring/local-monitoring';
import { localRtInstalled, startLocalRt, type LocalRt } from './rt/local-rt';
import { loadDemoTaskData } from './forecast/demo-taskdb';
import { ChildExited, Children, type Child } from './start-children';
import { LOCAL_POSTGRES_DATABASE, LOCAL_POSTGRES_PASSWORD, localPostgresInstalled, startLocalPostgres, type LocalPostgres } from './postgres/local-postgres';

const root = path.resolve(__dirname, '..');
const dataDir = process.env.DUTYDESK_DATA_DIR ?? path.join(root, '.data');
const logDir = path.join(dataDir, 'logs');
const children = new Children(root, logDir);
const startedAt = Date.now();
let stopping = false;
let localRt: LocalRt | undefined;
/** RT and PostgreSQL starting up, for a stop to wait on. */
const starting: Promise<unknown>[] = [];
let localPostgres: LocalPostgres | undefined;
let localMonitoring: LocalMonitoring | undefined;

function hostPort(address: string): [string, number] {
  const i = address.lastIndexOf(':');
  return [address.slice(0, i), Number(address.slice(i + 1))];
}

function run(name: string, command: string, args: string[], env: NodeJS.ProcessEnv = {}): Child {
  return children.run(name, command, args, env, (child, why) => {
    if (stopping) return;
    console.error(`dutydesk: ${name} exited (${why}); stopping everything. Its last lines (all of them in ${shown(child.logFile)}):`);
    console.error(children.tail(child));
    void stop(1);
  });
}

/** A path as the user sees it: relative to the project when inside it. */
function shown(file: string): string {
  const relative = path.relative(root, file);
  return relative.startsWith('..') ? file : relative;
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
  // The dev server's shutdown (and the clients' reconnect attempts) belong in the logs, not on screen.
  children.quiet = true;
  if (code === 0) console.log('\ndutydesk: stopping…');
  // Gateway and worker first, so in-flight work ends before the servers go.
  await children.stopInOrder(['gateway', 'worker', 'temporal']);
  // Ctrl-C while RT or PostgreSQL were starting: they are stopped once started, not left behind.
  await Promise.allSettled(starting);
  await localRt?.stop();
  await localPostgres?.stop();
  await localMonitoring?.stop();
  if (code === 0) console.log(`dutydesk: stopped. Logs are in ${shown(logDir)}/.`);
  process.exit(code);
}

/** A secret kept in the data folder, so a restart keeps the same one. */
function keptSecret(file: string): string {
  if (existsSync(file)) return readFileSync(file, 'utf8').trim();
  const secret = randomBytes(12).toString('hex');
  writeFileSync(file, `${secret}\n`, { mode: 0o600 });
  return secret;
}

/**
 * Runs the Request Tracker the config points at when it is a loopback RT this
 * machine can run (the demo's); a remote or unconfigured one is left alone.
 */
async function maybeStartLocalRt(config: ReturnType<typeof loadConfig>, env: Record<string, string>): Promise<string | undefined> {
  const [name, rt] = Object.entries(config.tickets?.systems ?? {}).find(([, s]) => s.type === 'rt' && new URL(s.url).hostname === '127.0.0.1') ?? [];
  if (!name || !rt) return undefined;
  if (!localRtInstalled()) {
    console.log('dutydesk: Request Tracker 5 is not installed, so the demo runs without tickets (see README, "Tickets").');
    return undefined;
  }
  const dir = path.join(dataDir, 'rt');
  mkdirSync(dir, { recursive: true });
  const password = process.env.DUTYDESK_RT_PASSWORD ?? keptSecret(path.join(dir, 'password'));
  env.DUTYDESK_RT_PASSWORD = password;
  const secret = process.env.DUTYDESK_RT_WEBHOOK_SECRET ?? keptSecret(path.join(dir, 'webhook-secret'));
  env.DUTYDESK_RT_WEBHOOK_SECRET = secret;
  // RT's scrip tells the gateway of each change at once; the poller is the safety net.
  const webhook = rt.webhookSecret ? { url: `http://${config.gateway.intakeListen ?? config.gateway.listen}/tickets/${name}/webhook`, secret } : undefined;
  console.log(`dutydesk: starting Request Tracker 5 (data in ${shown(dir)})…`);
  localRt = await startLocalRt({ dir, port: Number(new URL(rt.url).port || 80), password, webhook });
  // The bot signs in with the auth token RT made for it at this start (the password is the fallback).
  env.DUTYDESK_RT_TOKEN = localRt.token;
  await ensureDemoQueues(localRt, config, name).catch((err: Error) => console.log(`dutydesk: the incident queue was not made in RT: ${err.message}`));
  // Something for the deadline reminders to tell (`remind now` as Bob).
  await seedDemoDeadlines(localRt, path.join(dir, 'demo-deadlines.json')).catch((err: Error) => console.log(`dutydesk: demo tickets with deadlines not made: ${err.message}`));
  const where = process.env.DUTYDESK_RT_PASSWORD ? 'from DUTYDESK_RT_PASSWORD' : `in ${shown(path.join(dir, 'password'))}`;
  return `${localRt.url}/  (user ${localRt.user}, password ${where})`;
}

/**
 * Runs the task database the forecast section points at when it is a
 * loopback PostgreSQL this machine can run (the demo's), and loads the demo
 * request's statuses and history into it, relative to now.
 */
async function maybeStartDemoTaskDb(config: ReturnType<typeof loadConfig>, env: Record<string, string>): Promise<string | undefined> {
  const db = config.forecast?.database;
  if (!db || db.type !== 'postgres') return undefined;
  const url = new URL(db.connectString);
  if (url.hostname !== '127.0.0.1') return undefined;
  if (!localPostgresInstalled()) {
    console.log('dutydesk: PostgreSQL is not installed, so the demo runs without forecasts (apt-get install postgresql).');
    return undefined;
  }
  const dir = path.join(dataDir, 'postgres');
  console.log(`dutydesk: starting PostgreSQL for the forecast demo (data in ${shown(dir)})…`);
  const port = Number(url.port || 5432);
  localPostgres = await startLocalPostgres({ dir, port });
  const xml = path.resolve(path.dirname(config.source), config.forecast!.requests.replace('{request}', 'REQ-2041'));
  const connection = { host: '127.0.0.1', port, user: localPostgres.user, password: localPostgres.password, database: LOCAL_POSTGRES_DATABASE };
  const { request, subtasks } = await loadDemoTaskData(connection, xml);
  return `Forecasts: type "forecast ${request}" (${subtasks} subtasks, part way through, with a Gantt chart).`;
}

/**
 * Starts the demo's Java service (the JVM that `dump heap demo-java` dumps)
 * when the config has it and java is installed; it keeps running after
 * Ctrl-C, as a host's service would, and the next start reuses it.
 */
function maybeStartDemoJava(config: ReturnType<typeof loadConfig>): string | undefined {
  if (!config.hosts['demo-java']) return undefined;
  const started = spawnSync('bash', ['demo/bin/demo-service.sh', 'start', 'inventory', '18083', 'java'], { cwd: root, encoding: 'utf8' });
  if (started.status !== 0) {
    console.log(`dutydesk: the demo's Java service did not start (${(started.stderr || started.stdout).trim()}); dumps of demo-java will say so.`);
    return undefined;
  }
  return 'Try: "dump threads demo-java" or "dump heap demo-java" (heap and thread dumps of a real JVM).';
}

/**
 * Runs the demo's Prometheus and Alertmanager (when the config points at loopback ones) and the demo web
 * shop they watch, so stopping the shop makes an incident in the Ops group and a ticket in RT.
 */
async function maybeStartDemoMonitoring(config: ReturnType<typeof loadConfig>, env: Record<string, string>): Promise<string | undefined> {
  if (!config.monitoring) return undefined;
  const dir = path.join(dataDir, 'monitoring');
  mkdirSync(dir, { recursive: true });
  const token = process.env.DUTYDESK_ALERTS_TOKEN ?? keptSecret(path.join(dir, 'receiver-token-secret'));
  env.DUTYDESK_ALERTS_TOKEN = token;
  if (config.hosts['demo-web']) spawnSync('bash', ['demo/bin/demo-service.sh', 'start', 'shop', '18081'], { cwd: root, encoding: 'utf8' });
  const started = await startDemoMonitoring(config, { dataDir, receiverToken: token });
  if (!started) return undefined;
  if ('skipped' in started) {
    console.log(`dutydesk: ${started.skipped}`);
    return undefined;
  }
  localMonitoring = started.monitoring;
  return started.line;
}

async function main() {
  const configPath = configPathFromEnv();
  const config = loadConfig(configPath);
  const temporalCli = process.env.TEMPORAL_CLI ?? 'temporal';
  const [tHost, tPort] = hostPort(config.temporal.address);
  const uiPort = Number(new URL(config.temporal.uiUrl).port || 8233);
  mkdirSync(dataDir, { recursive: true });
  const env: Record<string, string> = {
    DUTYDESK_CONFIG: configPath,
    DUTYDESK_DATA_DIR: dataDir,
    DUTYDESK_CONSOLE_TOKEN: process.env.DUTYDESK_CONSOLE_TOKEN ?? randomBytes(24).toString('hex'),
    DUTYDESK_DUMP_LINK_SECRET: process.env.DUTYDESK_DUMP_LINK_SECRET ?? keptSecret(path.join(dataDir, 'dump-link-secret')),
    // The demo's local PostgreSQL (loopback only, demo data) has a fixed password.
    DUTYDESK_TASKDB_PASSWORD: process.env.DUTYDESK_TASKDB_PASSWORD ?? LOCAL_POSTGRES_PASSWORD,
  };

  // A second Ctrl-C ends everything at once. One within a second is the same Ctrl-C twice (npm passes on
  // the terminal's SIGINT, which reached this process too where npm's shell runs it directly).
  let firstSignalAt = 0;
  const onSignal = () => {
    if (!stopping) return ((firstSignalAt = Date.now()), void stop(0));
    if (Date.now() - firstSignalAt < 1000) return;
    children.killAll();
    process.exit(130);
  };
  process.on('SIGINT', onSignal);
  process.on('SIGTERM', onSignal);

  console.log(`dutydesk: starting the Temporal dev server (data in ${shown(path.join(dataDir, 'temporal.db'))})…`);
  run('temporal', temporalCli, [
    'server', 'start-dev',
    '--ip', tHost, '--port', String(tPort), '--ui-port', String(uiPort),
    '--db-filename', path.join(dataDir, 'temporal.db'),
    '--namespace', config.temporal.namespace,
    '--log-level', 'warn',
    // As config/temporal/dynamicconfig.yaml does for docker-compose.
    '--dynamic-config-value', 'system.enableActivityEagerExecution=true',
    ...searchAttributeArgs(),
  ]);
  const rtStarted = maybeStartLocalRt(config, env);
  const javaLine = maybeStartDemoJava(config);
  const taskDbStarted = maybeStartDemoTaskDb(config, env);
  const monitoringStarted = maybeStartDemoMonitoring(config, env);
  starting.push(rtStarted, taskDbStarted, monitoringStarted);
  await waitForPort(tHost, tPort, 60_000);
  const rtLine = await rtStarted;
  const forecastLine = await taskDbStarted.catch((err: Error) => {
    console.log(`dutydesk: the forecast demo's PostgreSQL did not start (${err.message.split('\n')[0]}); forecasts will say the database is unreachable.`);
    return undefined;
  });

  const monitoringLine = await monitoringStarted.catch((err: Error) => {
    console.log(`dutydesk: the demo's Prometheus and Alertmanager did not start (${err.message.split('\n')[0]}); the demo runs without incidents.`);
    return undefined;
  });

  if (stopping) return; // Ctrl-C while the servers started
  // node with tsx's loader (not the tsx wrapper), so signals reach the process itself.
  const worker = run('worker', process.execPath, ['--import', 'tsx', 'workers/main.ts'], env);
  const workerReady = worker.lineMatching(/^dutydesk worker ready/);
  workerReady.catch(() => undefined); // a worker that dies first is told by its exit, with its last lines
  run('gateway', process.execPath, ['--import', 'tsx', 'chat-gateway/main.ts'], env);
  const [gHost, gPort] = hostPort(config.gateway.listen);
  await waitForPort(gHost, gPort, 60_000);
  // The banner comes last, once the worker polls: until then a restart typed in the console would wait.
  // A worker slow to get there (bundling on a busy machine, a Temporal it cannot reach) is said, with where to look.
  const slow = setTimeout(() => console.log(`dutydesk: still waiting for the worker to be ready (its log: ${shown(path.join(logDir, 'worker.log'))})…`), 30_000);
  await workerReady.finally(() => clearTimeout(slow));

  console.log('');
  console.log(`  dutydesk is ready (${Math.round((Date.now() - startedAt) / 1000)} s).`);
  console.log(`  Web chat console:  http://${config.gateway.listen}/`);
  console.log(`  Temporal Web UI:   ${config.temporal.uiUrl}`);
  if (rtLine) console.log(`  Request Tracker:   ${rtLine}`);
  if (monitoringLine) console.log(`  Monitoring:        ${monitoringLine}`);
  console.log(`  Config:            ${shown(configPath)}`);
  console.log(`  Logs:              ${shown(logDir)}/ (DUTYDESK_VERBOSE=1 shows them here too)`);
  console.log('  Try: pick "Alice", type "restart demo-web". Ctrl-C stops everything.');
  if (rtLine) console.log('  Tickets: type "ticket Printer on fire", or create one in RT; it appears in the Ops group.');
  if (javaLine) console.log(`  ${javaLine}`);
  if (forecastLine) console.log(`  ${forecastLine}`);
  if (monitoringLine) console.log('  Incidents: run "demo/bin/demo-service.sh stop shop 18081"; the Ops group and RT hear of it, and of its return on "start".');
  console.log('');
}

main().catch((err) => {
  if (stopping || err instanceof ChildExited) return; // a child's exit says why, with its last lines
  console.error(err instanceof ConfigError ? err.message : `dutydesk: ${(err as Error).message}`);
  void stop(1);
});
