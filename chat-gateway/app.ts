/** The gateway's express app: web console today; Telegram, Slack and the REST API plug in beside it. */
import express, { type Express } from 'express';
import type { Client } from '@temporalio/client';
import type { LoadedConfig } from '../config/load';
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

export function createGateway(deps: GatewayDeps): { app: Express; store: ConsoleStore; dispatcher: Dispatcher } {
  const store = new ConsoleStore(deps.consoleFile);
  const dispatcher = new Dispatcher(deps.config, new RestartClient(deps.client), deps.log);
  const app = express();
  app.disable('x-powered-by');
  app.get('/healthz', (_req, res) => res.json({ ok: true }));
  app.use(consoleRouter({ config: deps.config, store, dispatcher, botToken: deps.botToken }));
  return { app, store, dispatcher };
}
