/** A dump request resolved from the inventory, so the workflow reads no config and its run shows everything it used. */
import os from 'node:os';
import type { DumpKind, DumpRequest } from '../workflows/dump/definitions';
import type { ChatRef, Person } from '../workflows/restart/definitions';
import type { DutydeskConfig } from './schema';

/** The services of a host that have java settings. */
export function dumpableServices(config: DutydeskConfig, hostName: string): string[] {
  return Object.entries(config.hosts[hostName]?.services ?? {})
    .filter(([, s]) => s.java)
    .map(([name]) => name);
}

export function buildDumpRequest(config: DutydeskConfig, hostName: string, serviceName: string, kind: DumpKind, who: { person: Person; language: string }, chat: ChatRef): DumpRequest {
  const host = config.hosts[hostName];
  const java = host.services[serviceName].java;
  if (!java) throw new Error(`hosts.${hostName}.services.${serviceName} has no java settings`);
  const loginUser = host.transport === 'local' ? os.userInfo().username : host.user;
  return {
    host: hostName,
    service: serviceName,
    kind,
    requestedBy: who.person,
    chat,
    language: who.language,
    java: {
      match: java.match,
      unit: java.unit,
      runAs: java.user && java.user !== loginUser ? java.user : undefined,
      dumpDir: java.dumpDir,
      reserveBytes: java.reserve,
      safetyFactor: java.safetyFactor,
      jcmd: java.jcmd,
      threadCount: java.threadDumps.count,
      threadIntervalMs: java.threadDumps.interval,
      removeAfterFetch: java.removeAfterFetch,
    },
  };
}
