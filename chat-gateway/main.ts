/** The gateway process: `npm run gateway -- [--config file]`. */
import type { Server } from 'node:http';
import path from 'node:path';
import { Client, Connection } from '@temporalio/client';
import type { Express } from 'express';
import { listenHost, listenPort } from '../config/console-schema';
import { configPathFromEnv, ConfigError, consoleToken, loadConfig } from '../config/load';
import { temporalConnectionOptions } from '../config/temporal-connection';
import { createGateway } from './app';

async function main() {
  const config = loadConfig(configPathFromEnv());
  const botToken = consoleToken(config);
  if (!botToken) throw new Error('gateway.consoleToken is not set (or DUTYDESK_CONSOLE_TOKEN is empty): the worker could not post to the web console');
  // The console and the webhooks are up even while Temporal is not; calls made meanwhile fail and are logged.
  const connection = Connection.lazy(temporalConnectionOptions(config));
  const client = new Client({ connection, namespace: config.temporal.namespace });
  const dataDir = process.env.DUTYDESK_DATA_DIR ?? path.join(process.cwd(), '.data');
  const gateway = createGateway({ config, client, botToken, consoleFile: path.join(dataDir, 'console-messages.json') });
  const servers = [listenOn(gateway.app, config.gateway.listen, gateway.intakeApp ? 'web chat console and HTTP API' : 'web chat console, HTTP API and public intake')];
  if (gateway.intakeApp && config.gateway.intakeListen) servers.push(listenOn(gateway.intakeApp, config.gateway.intakeListen, 'public intake (Slack, Telegram, ticket webhooks, dump links)'));
  const { store } = gateway;
  if (config.telegram) {
    const how = config.telegram.webhook ? `webhook at ${config.telegram.webhook.publicUrl}/telegram/webhook` : 'polling for updates';
    // Telegram away at start: the console and the webhooks stay up, and the bot connects when Telegram answers.
    void untilItWorks('Telegram', () => gateway.startPlatforms()).then(() => console.log(`dutydesk gateway: Telegram bot ${how}`));
  }
  const stop = () => {
    gateway.stopPlatforms();
    store.flush();
    for (const server of servers) {
      server.close();
      server.closeAllConnections();
    }
    void connection.close().finally(() => process.exit(0));
  };
  // A failure nobody awaited is a bug to log, not a reason to take the console and every webhook down.
  process.on('unhandledRejection', (err) => {
    console.error(`dutydesk gateway: unhandled failure (kept running): ${(err as Error)?.stack ?? String(err)}`);
    void gateway.reportFailure({ source: 'gateway', workflowType: 'unhandled', error: err });
  });
  process.on('SIGINT', stop);
  process.on('SIGTERM', stop);
}

/** Tries again with backoff (1 s doubling to a minute), saying so on each failure, until it works. */
async function untilItWorks(what: string, work: () => Promise<void>): Promise<void> {
  for (let waitMs = 1000; ; waitMs = Math.min(waitMs * 2, 60_000)) {
    try {
      return await work();
    } catch (err) {
      console.error(`dutydesk gateway: ${what} does not answer (${(err as Error).message}); trying again in ${waitMs / 1000} s`);
      await new Promise((r) => setTimeout(r, waitMs));
    }
  }
}

function listenOn(app: Express, listen: string, what: string): Server {
  const server = app.listen(listenPort(listen), listenHost(listen), () => console.log(`dutydesk gateway: ${what} on http://${listen}/`));
  server.on('error', (err) => {
    console.error(`dutydesk gateway cannot listen on ${listen} (${what}): ${err.message}`);
    process.exit(1);
  });
  return server;
}

main().catch((err) => {
  console.error(err instanceof ConfigError ? err.message : err instanceof Error ? err.message : err);
  process.exit(1);
});
