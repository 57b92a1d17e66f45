/**
 * The worker process: `npm run worker -- [--config file] [--queues desk,hosts]`.
 * Stops cleanly on SIGINT/SIGTERM, letting running activities finish first.
 */
import { Client, Connection } from '@temporalio/client';
import { NativeConnection, Runtime, makeTelemetryFilterString } from '@temporalio/worker';
import { configPathFromEnv, loadConfig, ConfigError } from '../config/load';
import { temporalConnectionOptions } from '../config/temporal-connection';
import { createWorkers, type QueueName } from './create-workers';
import { TASK_QUEUES } from './task-queues';
import { syncReminderSchedules } from './reminder-schedules';
import { ensureTicketPollers } from './ticket-pollers';
import { syncIncidentReconciler } from './incident-reconciler';
import { syncActionSchedules } from './action-schedules';
import { syncInventoryPublication } from './inventory-publication';
import { checkClosableQueues } from './ticket-close-check';
import { freeLoopbackPort, serveWorkerMetrics } from './metrics-server';
import { reportFailure } from '../activities/failures/report';
import { createTicketSystems } from '../activities/tickets/systems';

function queuesFromArgs(argv: string[]): QueueName[] | undefined {
  const arg = argv.find((a) => a.startsWith('--queues='))?.slice('--queues='.length) ?? process.env.DUTYDESK_QUEUES;
  if (!arg) return undefined;
  const names = arg.split(',').map((s) => s.trim());
  const bad = names.filter((n) => !(n in TASK_QUEUES));
  if (bad.length) throw new Error(`--queues: unknown queue(s) ${bad.join(', ')}; expected ${Object.keys(TASK_QUEUES).join(', ')}`);
  return names as QueueName[];
}

async function main() {
  const config = loadConfig(configPathFromEnv());
  // With worker.metricsListen, Core's own metrics are exported on a loopback port and served with dutydesk's.
  const corePort = config.worker.metricsListen ? await freeLoopbackPort() : undefined;
  Runtime.install({
    telemetryOptions: {
      logging: { filter: makeTelemetryFilterString({ core: 'WARN' }) },
      ...(corePort ? { metrics: { prometheus: { bindAddress: `127.0.0.1:${corePort}` } } } : {}),
    },
  });
  if (config.worker.metricsListen && corePort) {
    await serveWorkerMetrics(config.worker.metricsListen, corePort);
    console.log(`dutydesk worker: metrics on http://${config.worker.metricsListen}/metrics`);
  }
  const temporal = temporalConnectionOptions(config);
  const connection = await NativeConnection.connect(temporal);
  const client = new Client({ connection: await Connection.connect(temporal), namespace: config.temporal.namespace });
  // A failure nobody awaited is a bug: told to ops (and ticketed) rather than taking every running activity down with the process.
  process.on('unhandledRejection', (err) => {
    console.error(`dutydesk worker: unhandled failure (kept running): ${(err as Error)?.stack ?? String(err)}`);
    void reportFailure(client, config, { source: 'worker', workflowType: 'unhandled', error: err });
  });
  const queueNames = queuesFromArgs(process.argv);
  if ((queueNames ?? ['desk']).includes('desk')) {
    const problems = await checkClosableQueues(config, createTicketSystems(config));
    if (problems.length) throw new ConfigError(config.source, problems);
  }
  if (!process.env.DUTYDESK_WORKFLOW_BUNDLE && (queueNames ?? ['desk']).includes('desk')) console.log('dutydesk worker: bundling the workflows (a few seconds)…');
  const { workers, close } = await createWorkers({
    config,
    connection,
    client,
    queues: queueNames,
    workflowBundlePath: process.env.DUTYDESK_WORKFLOW_BUNDLE,
  });
  const queues = workers.map((w) => w.options.taskQueue);
  if (queues.includes(TASK_QUEUES.desk)) {
    const pollers = await ensureTicketPollers(client, config);
    if (pollers.length) console.log(`dutydesk: polling ${pollers.map((p) => p.replace(/^ticket-poller-/, '')).join(', ')} for ticket changes`);
    const schedules = await syncReminderSchedules(client, config);
    for (const [what, ids] of Object.entries(schedules)) if (ids.length) console.log(`dutydesk: reminder schedules ${what}: ${ids.join(', ')}`);
    const actionSchedules = await syncActionSchedules(client, config);
    for (const [what, ids] of Object.entries(actionSchedules)) if (ids.length) console.log(`dutydesk: action schedules ${what}: ${ids.join(', ')}`);
    const publication = await syncInventoryPublication(client, config);
    if (publication !== 'none') console.log(`dutydesk: inventory publication to Confluence ${publication} for this inventory`);
    const reconciler = await syncIncidentReconciler(client, config);
    if (reconciler !== 'none') console.log(`dutydesk: incident reconciler schedule ${reconciler}`);
  }
  console.log(`dutydesk worker ready (pid ${process.pid}) on ${workers.map((w) => w.options.taskQueue).join(', ')} (Temporal ${temporal.address})`);
  try {
    await Promise.all(workers.map((w) => w.run()));
  } finally {
    await close();
    await connection.close();
  }
}

main().catch((err) => {
  console.error(err instanceof ConfigError ? err.message : err);
  process.exit(1);
});
