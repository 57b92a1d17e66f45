/** Builds each configured ticket system's client from config, with its secrets read at call time. */
import { readSecret, type LoadedConfig } from '../../config/load';
import type { TicketGroupConfig } from '../../config/tickets-schema';
import { JiraClient } from './jira';
import type { TicketSystem } from './port';
import { RtRest1 } from './rt-rest1';
import { RtRest2 } from './rt-rest2';

export type TicketSystems = Map<string, TicketSystem>;

export function createTicketSystems(config: LoadedConfig): TicketSystems {
  const systems: TicketSystems = new Map();
  for (const [name, s] of Object.entries(config.tickets?.systems ?? {})) {
    const secret = (ref: typeof s.password) => (ref ? () => readSecret(ref, config).trim() : undefined);
    if (s.type === 'rt') {
      const options = { url: s.url, webUrl: s.webUrl, user: s.user, password: secret(s.password), token: secret(s.token), priorities: s.priorities, timeZone: s.timeZone };
      systems.set(name, s.api === 'rest1' ? new RtRest1(options) : new RtRest2(options));
    } else {
      systems.set(name, new JiraClient({ url: s.url, webUrl: s.webUrl, email: s.user ?? '', token: secret(s.token) ?? (() => ''), version: s.api === 'v2' ? 2 : 3, responseField: s.responseField }));
    }
  }
  return systems;
}

/** The group a ticket belongs to: its system and queue (or Jira project). */
export function groupOf(config: LoadedConfig, system: string, queue: string): [string, TicketGroupConfig] | undefined {
  return Object.entries(config.tickets?.groups ?? {}).find(([, g]) => g.system === system && g.queue === queue);
}

/** How often a followed ticket of this system is read again on its own (tickets.systems.<name>.checkUp). */
export function checkUpInterval(config: LoadedConfig, system: string): number | undefined {
  return config.tickets?.systems[system]?.checkUp;
}

/** Queues each system is watched for. */
export function watchedQueues(config: LoadedConfig, system: string): string[] {
  return Object.values(config.tickets?.groups ?? {})
    .filter((g) => g.system === system)
    .map((g) => g.queue);
}

/** The dutydesk user whose login in this system is `login`. */
export function userByLogin(config: LoadedConfig, system: string, login: string) {
  return config.users.find((u) => u.tickets[system] === login);
}
