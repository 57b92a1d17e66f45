/** The task database the forecast section of the config describes, with the default queries for its type; none without that section. */
import { readSecret, type LoadedConfig } from '../../config/load';
import { ORACLE_QUERIES, POSTGRES_QUERIES } from './default-queries';
import { createTaskDatabase } from './index';
import type { TaskDatabase } from './port';

export function taskDatabaseFromConfig(config: LoadedConfig): TaskDatabase | undefined {
  const forecast = config.forecast;
  if (!forecast) return undefined;
  const { database } = forecast;
  const defaults = database.type === 'oracle' ? ORACLE_QUERIES : POSTGRES_QUERIES;
  const password = database.password;
  return createTaskDatabase({
    type: database.type,
    connectString: database.connectString,
    user: database.user,
    // Read when a connection is made, never kept in the settings or logged.
    password: password ? () => readSecret(password, config).trim() : undefined,
    poolSize: database.poolSize,
    queries: { status: forecast.queries.status ?? defaults.status, history: forecast.queries.history ?? defaults.history },
    states: forecast.states,
  });
}
