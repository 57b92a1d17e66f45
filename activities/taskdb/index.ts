/** Builds the task database's adapter from its settings: PostgreSQL or Oracle behind one interface. */
import { createOracleTaskDatabase } from './oracle';
import type { TaskDatabase, TaskDbSettings } from './port';
import { createPostgresTaskDatabase } from './postgres';

export type { TaskDatabase, TaskDbSettings } from './port';
export { TaskDbError } from './errors';

/** Checks both configured queries now (an unknown bind fails here, not on first use); connects on first query. */
export function createTaskDatabase(settings: TaskDbSettings): TaskDatabase {
  return settings.type === 'oracle' ? createOracleTaskDatabase(settings) : createPostgresTaskDatabase(settings);
}
