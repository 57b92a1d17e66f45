/** The gateway process: `npm run gateway -- [--config file]`. */
import path from 'node:path';
import { Client, Connection } from '@temporalio/client';
import { configPathFromEnv, ConfigError, loadConfig, readSecret } from '../config/load';
import { temporalConnectionOptions } from '../config/temporal-connection';
import { createGateway } from './app';

async function main() {
  const config = loadConfig(configPathFromEnv());
  const botToken = config.gateway.consoleToken ? readSecret(config.gateway.consoleToken, config).trim() : process.env.DUTYDESK_CONSOLE_TOKEN ?? '';
  if (!botToken) throw new Error('gateway.consoleToken is not set (or DUTYDESK_CONSOLE_TOKEN is empty): the worker could not post to the web console');
  const connection = await Connection.connect(temporalConnectionOptions(config));
  const client = new Client({ connection, namespace: config.temporal.namespace });
  const dataDir = process.env.DUTYDESK_DATA_DIR ?? path.join(process.cwd(), '.data');
  const gateway = createGateway({ config, client, botToken, consoleFile: path.join(dataDir, 'console-messages.json') });
  const [host, port] = [config.gateway.listen.slice(0, config.gateway.listen.lastIndexOf(':')), Number(config.gateway.listen.split(':').pop())];
  const { app, store } = gateway;
  const server = app.listen(port, host, () => console.log(`dutydesk gateway: web chat console on http://${config.gateway.listen}/`));
  server.on('error', (err) => {
    console.error(`dutydesk gateway cannot listen on ${config.gateway.listen}: ${err.message}`);
    process.exit(1);
  });
  if (config.telegram) {
    await gateway.startPlatforms();
    console.log(`dutydesk gateway: Telegram bot ${config.telegram.webhook ? `webhook at ${config.telegram.webhook.publicUrl}/telegram/webhook` : 'polling for updates'}`);
  }
  const stop = () => {
    gateway.stopPlatforms();
    store.flush();
    server.close();
    server.closeAllConnections();
    void connection.close().finally(() => process.exit(0));
  };
  process.on('SIGINT', stop);
  process.on('SIGTERM', stop);
}

main().catch((err) => {
  console.error(err instanceof ConfigError ? err.message : err instanceof Error ? err.message : err);
  process.exit(1);
});
