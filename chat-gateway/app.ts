/** The gateway's express app: web console today; Telegram, Slack and the REST API plug in beside it. */
import express, { type Express } from 'express';
import type { Client } from '@temporalio/client';
import { readSecret, type LoadedConfig } from '../config/load';
import { createTelegramBot } from './telegram/telegram-bot';
import { Dispatcher } from './dispatcher';
import { RestartClient } from './restart/restart-client';
import { consoleRouter } from './web-console/routes';
import { ConsoleStore } from './web-console/store';

export interface GatewayDeps {
  config: LoadedConfig;
  client: Client;
  botToken: string;
  /** File that keeps the console's messages across restarts; in memory when absent. */
  consoleFile?: string;
  log?: (line: string) => void;
}

export interface Gateway {
  app: Express;
  store: ConsoleStore;
  dispatcher: Dispatcher;
  /** Starts the chat platforms configured beside the web console (Telegram polling). */
  startPlatforms(): Promise<void>;
  stopPlatforms(): void;
}

export function createGateway(deps: GatewayDeps): Gateway {
  const store = new ConsoleStore(deps.consoleFile);
  const dispatcher = new Dispatcher(deps.config, new RestartClient(deps.client), deps.log);
  const app = express();
  app.disable('x-powered-by');
  app.get('/healthz', (_req, res) => res.json({ ok: true }));
  app.use(consoleRouter({ config: deps.config, store, dispatcher, botToken: deps.botToken }));
  const telegram = deps.config.telegram
    ? createTelegramBot({ config: deps.config, client: deps.client, dispatcher, token: readSecret(deps.config.telegram.token, deps.config).trim(), log: deps.log })
    : undefined;
  return {
    app,
    store,
    dispatcher,
    startPlatforms: async () => {
      await telegram?.start();
    },
    stopPlatforms: () => telegram?.stop(),
  };
}
