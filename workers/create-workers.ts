/**
 * Builds dutydesk's workers over a Temporal connection: the desk worker
 * (workflows and chat) and the hosts worker (SSH steps, bounded concurrency).
 * Used by the worker process and by tests, so both run the same code.
 */
import path from 'node:path';
import { Client } from '@temporalio/client';
import { NativeConnection, Worker, type WorkerOptions } from '@temporalio/worker';
import type { LoadedConfig } from '../config/load';
import { consoleToken, readSecret } from '../config/load';
import { createChatActivities } from '../activities/chat/activities';
import { createDeliveryActivities, type DeliveryDeps } from '../activities/chat/delivery';
import { SendPacer } from '../activities/chat/send-pacer';
import type { ChatOutbound } from '../activities/chat/port';
import { SlackOutbound } from '../activities/chat/slack-outbound';
import { TelegramOutbound } from '../activities/chat/telegram-outbound';
import { WebConsoleOutbound } from '../activities/chat/web-console-outbound';
import { HostExecutors } from '../activities/hosts/executors';
import { createHostActivities } from '../activities/hosts/activities';
import { createDeadlineActivities } from '../activities/deadlines/activities';
import { createDumpActivities } from '../activities/dumps/activities';
import { createForecastActivities } from '../activities/forecast/activities';
import { taskDatabaseFromConfig } from '../activities/taskdb/from-config';
import { createTicketActivities } from '../activities/tickets/activities';
import { createIncidentActivities } from '../activities/incidents/activities';
import { createActionActivities } from '../activities/actions/activities';
import { createInventoryActivities } from '../activities/inventory/activities';
import { createFailureActivities } from '../activities/failures/activities';
import { createTicketSystems } from '../activities/tickets/systems';
import { chatTaskQueue } from '../workflows/outbox/definitions';
import type { Platform } from '../workflows/restart/definitions';
import { TASK_QUEUES } from './task-queues';

export type QueueName = keyof typeof TASK_QUEUES;

/** The server's cap on a chat queue, as a multiple of the bot's rate (see chatWorker). */
const SERVER_RATE_HEADROOM = 1.2;

export interface WorkerSetup {
  config: LoadedConfig;
  connection: NativeConnection;
  client: Client;
  queues?: QueueName[];
  /** Where web console messages go; defaults to the gateway's bot API. */
  webOutbound?: ChatOutbound;
  /** A prebuilt workflow bundle (path to its code), to skip bundling at start. */
  workflowBundlePath?: string;
}

export function consoleOutbound(config: LoadedConfig): ChatOutbound {
  const token = () => consoleToken(config);
  const url = config.gateway.internalUrl ?? `http://${config.gateway.listen.replace(/^0\.0\.0\.0:/, '127.0.0.1:')}`;
  return new WebConsoleOutbound(url, token);
}

export interface CreatedWorkers {
  workers: Worker[];
  executors: HostExecutors;
  /** Closes what the workers hold open: SSH connections, the task database's pool. */
  close(): Promise<void>;
}

export async function createWorkers(setup: WorkerSetup): Promise<CreatedWorkers> {
  const { config, connection, client } = setup;
  const queues = setup.queues ?? ['desk', 'hosts', 'chat'];
  const executors = new HostExecutors(config);
  const common: Pick<WorkerOptions, 'connection' | 'namespace' | 'stickyQueueScheduleToStartTimeout'> = {
    connection,
    namespace: config.temporal.namespace,
    stickyQueueScheduleToStartTimeout: config.worker.stickyQueueTimeout,
  };
  const workers: Worker[] = [];
  const taskDb = queues.includes('desk') ? taskDatabaseFromConfig(config) : undefined;
  if (queues.includes('desk')) {
    const systems = createTicketSystems(config);
    workers.push(
      await Worker.create({
        ...common,
        taskQueue: TASK_QUEUES.desk,
        ...(setup.workflowBundlePath
          ? { workflowBundle: { codePath: setup.workflowBundlePath } }
          : { workflowsPath: path.join(__dirname, '../workflows/index.ts') }),
        activities: {
          ...createChatActivities({ config, client }),
          ...createTicketActivities({ config, client, systems }),
          ...createDeadlineActivities({ config, client, systems }),
          ...createForecastActivities({ config, client, taskDb }),
          ...createIncidentActivities({ config, client, systems }),
          ...createFailureActivities({ config, client, systems }),
          ...createActionActivities({ config, client, executors }),
          ...createInventoryActivities({ config, client }),
        },
      }),
    );
  }
  if (queues.includes('hosts')) {
    workers.push(
      await Worker.create({
        ...common,
        taskQueue: TASK_QUEUES.hosts,
        activities: { ...createHostActivities({ config, executors, client }), ...createDumpActivities({ config, executors, client }), ...createActionActivities({ config, client, executors }) },
        maxConcurrentActivityTaskExecutions: config.worker.hostConcurrency,
        // Host work resumes from its heartbeats (a script's done steps, a dump series' place): sent
        // within a second, not up to 0.8 of the heartbeat timeout later, so a crash loses less of it.
        maxHeartbeatThrottleInterval: '1s',
      }),
    );
  }
  if (queues.includes('chat')) {
    // One worker per platform. Its pacer sends evenly at the bot's rate, busiest
    // chat first; the Temporal server caps the queue for all workers together,
    // a little above that rate so a few sends wait here for the pacer to choose
    // among (at exactly the rate, the server's first-come order would decide).
    const chatWorker = (platform: Platform, outbound: ChatOutbound, perSecond?: number, pacers?: DeliveryDeps['pacers']) =>
      Worker.create({
        ...common,
        taskQueue: chatTaskQueue(platform),
        activities: createDeliveryActivities({ outbound, pacers }),
        maxTaskQueueActivitiesPerSecond: perSecond && perSecond * SERVER_RATE_HEADROOM,
      });
    workers.push(await chatWorker('web', setup.webOutbound ?? consoleOutbound(config)));
    const { telegram, slack } = config;
    if (telegram) {
      const token = () => readSecret(telegram.token, config).trim();
      // Edits count toward Telegram's per-bot limit like new messages.
      const pacer = new SendPacer(telegram.messagesPerSecond);
      workers.push(await chatWorker('telegram', new TelegramOutbound(telegram.apiRoot, token, telegram.uploadTimeout), telegram.messagesPerSecond, { send: pacer, edit: pacer }));
    }
    if (slack) {
      const token = () => readSecret(slack.botToken, config).trim();
      // chat.update is in Slack's Tier 3 (about 50 a minute); pending edits of one message merge while they wait.
      const pacers = { send: new SendPacer(slack.messagesPerSecond), edit: new SendPacer(slack.updatesPerMinute / 60) };
      workers.push(await chatWorker('slack', new SlackOutbound(slack.apiUrl, token, slack.uploadTimeout), slack.messagesPerSecond, pacers));
    }
  }
  const close = async () => {
    await executors.closeAll();
    await taskDb?.close();
  };
  return { workers, executors, close };
}
