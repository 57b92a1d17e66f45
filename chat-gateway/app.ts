/**
 * The gateway's express apps: the web console, its bot API and the HTTP API on
 * one; public intake (Slack events, the Telegram webhook, ticket webhooks, dump
 * links) on the same one, or on an app of its own when gateway.intakeListen is set.
 */
import os from 'node:os';
import path from 'node:path';
import express, { type Express } from 'express';
import type { Client } from '@temporalio/client';
import { readSecret, type LoadedConfig } from '../config/load';
import { createSlackApp } from './slack/slack-app';
import { createTelegramBot } from './telegram/telegram-bot';
import { enqueueChatMessage } from '../activities/chat/outbox-client';
import { namedChat } from '../config/restart-plan';
import { t } from '../lib/i18n';
import { Dispatcher, type Incoming } from './dispatcher';
import { AuditTrail } from './audit';
import { bodyErrors } from './body-errors';
import { ConsoleIdentity } from './web-console/identity';
import { ConsoleSessions } from './web-console/sessions';
import { consoleSessionKey } from './web-console/session-key';
import { RestartClient } from './restart/restart-client';
import { TicketClient } from './tickets/ticket-client';
import { DeadlineClient } from './deadlines/deadline-client';
import { apiRouter } from './api/routes';
import { DumpClient } from './dumps/dump-client';
import { ForecastClient } from './forecast/forecast-client';
import { ActionClient } from './actions/action-client';
import { IncidentClient } from './incidents/incident-client';
import { dumpLinkRouter } from './dumps/links';
import { ticketWebhookRouter } from './tickets/webhook';
import { alertReceiverRouter } from './alerts/receiver';
import { reportFailure, type FailureReport } from '../activities/failures/report';
import { collectProcessMetrics, metricsText } from '../lib/metrics';
import { consoleRouter } from './web-console/routes';
import { ConsoleStore } from './web-console/store';
import { hasTeams } from '../config/teams';

export interface GatewayDeps {
  config: LoadedConfig;
  client: Client;
  botToken: string;
  /** File that keeps the console's messages across restarts; in memory when absent. */
  consoleFile?: string;
  /** The audit trail's JSON lines; beside consoleFile (else in the system's temp folder) when absent. */
  auditFile?: string;
  log?: (line: string) => void;
}

export interface Gateway {
  /** What gateway.listen serves: the console and the HTTP API, and public intake unless intakeApp is there. */
  app: Express;
  /** What gateway.intakeListen serves, when set: public intake alone. */
  intakeApp?: Express;
  store: ConsoleStore;
  dispatcher: Dispatcher;
  /** Reports an unexpected failure of the gateway itself. */
  reportFailure(report: FailureReport): Promise<void>;
  /** Starts the chat platforms configured beside the web console (Telegram polling). */
  startPlatforms(): Promise<void>;
  stopPlatforms(): void;
}

export function createGateway(deps: GatewayDeps): Gateway {
  const store = new ConsoleStore(deps.consoleFile);
  const admins = deps.config.notify.admins;
  const notifyAdmins = admins
    ? async (stranger: Incoming) => {
        const chat = namedChat(deps.config, admins, stranger.chat.platform);
        const text = t('en', 'admin.stranger', { who: stranger.displayName ?? stranger.userId, id: stranger.userId, platform: stranger.chat.platform });
        // One key per stranger: the outbox drops repeats, so admins hear of each once.
        await enqueueChatMessage(deps.client, chat, { key: `stranger/${stranger.userId}`, mode: 'new', message: { text } });
      }
    : undefined;
  const restarts = new RestartClient(deps.client);
  const tickets = new TicketClient(deps.client);
  const deadlines = new DeadlineClient(deps.client);
  const forecastTiming = { recheckMs: deps.config.forecast?.recheck ?? 5 * 60_000, watchForMs: deps.config.forecast?.watchFor ?? 7 * 86_400_000 };
  const services = { restarts, tickets, deadlines, dumps: new DumpClient(deps.client), forecasts: new ForecastClient(deps.client, forecastTiming), incidents: new IncidentClient(deps.client), actions: new ActionClient(deps.client, hasTeams(deps.config)) };
  const audit = new AuditTrail(deps.auditFile ?? path.join(deps.consoleFile ? path.dirname(deps.consoleFile) : path.join(os.tmpdir(), 'dutydesk'), 'audit.jsonl'), deps.log ?? console.log);
  const revoked = deps.consoleFile ? path.join(path.dirname(deps.consoleFile), 'console-signed-out.json') : undefined;
  const identity = new ConsoleIdentity(deps.config, new ConsoleSessions(consoleSessionKey(deps.config, deps.consoleFile), deps.config.gateway.console.sessionTtl, Date.now, revoked));
  const failed = (report: FailureReport) => reportFailure(deps.client, deps.config, report, deps.log);
  const dispatcher = new Dispatcher(deps.config, services, deps.log, notifyAdmins, audit, (userId) => identity.signInUrl(identity.sessions.link(userId)), failed);
  const app = newApp();
  const intakeApp = deps.config.gateway.intakeListen ? newApp() : undefined;
  const intake = intakeApp ?? app;
  // Slack first: its receiver needs the raw body to check request signatures.
  if (deps.config.slack) intake.use(createSlackApp({ config: deps.config, client: deps.client, dispatcher, services, log: deps.log, audit }).router);
  app.use(apiRouter(deps.config, services, deps.log ?? console.error, audit));
  // Prometheus scrapes the gateway here, on the internal listener only (never public intake).
  collectProcessMetrics('gateway');
  app.get('/metrics', async (_req, res) => void res.type('text/plain; version=0.0.4').send(await metricsText()));
  intake.use(dumpLinkRouter(deps.config));
  // Before the console: webhooks are checked against the raw body.
  if (deps.config.tickets) intake.use(ticketWebhookRouter(deps.config, tickets, deps.log));
  if (deps.config.monitoring) intake.use(alertReceiverRouter(deps.config, deps.client, deps.log));
  const filesDir = deps.consoleFile ? path.join(path.dirname(deps.consoleFile), 'console-files') : path.join(os.tmpdir(), 'dutydesk-console-files');
  app.use(consoleRouter({ config: deps.config, store, dispatcher, botToken: deps.botToken, filesDir, identity, audit, services }));
  const telegram = deps.config.telegram
    ? createTelegramBot({ config: deps.config, client: deps.client, dispatcher, token: readSecret(deps.config.telegram.token, deps.config).trim(), log: deps.log })
    : undefined;
  if (telegram && deps.config.telegram?.webhook) intake.post('/telegram/webhook', ...telegram.webhookHandlers);
  // Last, so body parsers' refusals anywhere are answered as JSON.
  for (const each of intakeApp ? [app, intakeApp] : [app]) each.use(bodyErrors(deps.log ?? console.error));
  return {
    app,
    intakeApp,
    store,
    dispatcher,
    reportFailure: failed,
    startPlatforms: async () => {
      await telegram?.start();
    },
    stopPlatforms: () => telegram?.stop(),
  };
}

function newApp(): Express {
  const app = express();
  app.disable('x-powered-by');
  app.get('/healthz', (_req, res) => res.json({ ok: true }));
  return app;
}
