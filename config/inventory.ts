/**
 * The worker's own inventory, looked up by name for a host operation. A name
 * that is not configured is refused (NotInConfiguration), so a workflow
 * started by hand can name only what the configuration allows.
 */
import { createHash } from 'node:crypto';
import { own } from '../lib/own';
import type { DutydeskConfig, HostConfig, ServiceConfig } from './schema';

/** A host operation that the configuration does not allow; never retried. */
export class NotInConfiguration extends Error {
  override name = 'NotInConfiguration';
}

export function configuredHost(config: DutydeskConfig, hostName: unknown): HostConfig {
  const host = own(config.hosts, hostName);
  if (!host) throw new NotInConfiguration(`host ${JSON.stringify(hostName)} is not in this worker's configuration (hosts: ${Object.keys(config.hosts).join(', ')})`);
  return host;
}

export function configuredService(config: DutydeskConfig, hostName: string, serviceName: unknown): ServiceConfig {
  const host = configuredHost(config, hostName);
  const service = own(host.services, serviceName);
  if (!service) throw new NotInConfiguration(`${hostName} has no service ${JSON.stringify(serviceName)} in this worker's configuration (services: ${Object.keys(host.services).join(', ')})`);
  return service;
}

/** A short digest of what a run will do, carried by the run so the worker can tell when its configuration changed since. */
export function planIdOf(plan: unknown): string {
  return createHash('sha256').update(JSON.stringify(plan)).digest('hex').slice(0, 16);
}
