/**
 * Dumps from the inventory: the gateway's request (names, what chat shows,
 * and the identity of the java settings) and, on the worker, the java
 * settings themselves, resolved by host and service name.
 */
import os from 'node:os';
import { own } from '../lib/own';
import type { DumpKind, DumpRequest, JavaTarget } from '../workflows/dump/definitions';
import type { ChatRef, Person } from '../workflows/restart/definitions';
import { configuredHost, configuredService, NotInConfiguration, planIdOf } from './inventory';
import { can } from './access';
import type { DutydeskConfig } from './schema';

/** The services of a host that have java settings. */
export function dumpableServices(config: DutydeskConfig, hostName: string): string[] {
  return Object.entries(own(config.hosts, hostName)?.services ?? {})
    .filter(([, s]) => s.java)
    .map(([name]) => name);
}

/** hosts.<host>.services.<service>.java as the worker uses it; a service without java settings is refused. */
export function configuredJava(config: DutydeskConfig, hostName: string, serviceName: string): JavaTarget {
  const host = configuredHost(config, hostName);
  const java = configuredService(config, hostName, serviceName).java;
  if (!java) throw new NotInConfiguration(`${serviceName} on ${hostName} has no java settings in this worker's configuration`);
  const loginUser = host.transport === 'local' ? os.userInfo().username : host.user;
  return {
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
  };
}

/** From the settings as configured (not the derived runAs, which depends on who computes it). */
export function dumpPlanId(config: DutydeskConfig, hostName: string, serviceName: string): string {
  configuredJava(config, hostName, serviceName);
  const host = configuredHost(config, hostName);
  return planIdOf({ transport: host.transport, user: host.user ?? null, java: configuredService(config, hostName, serviceName).java });
}

export function buildDumpRequest(config: DutydeskConfig, hostName: string, serviceName: string, kind: DumpKind, who: { person: Person; language: string }, chat: ChatRef): DumpRequest {
  const java = configuredJava(config, hostName, serviceName);
  return {
    host: hostName,
    service: serviceName,
    kind,
    requestedBy: who.person,
    chat,
    language: who.language,
    planId: dumpPlanId(config, hostName, serviceName),
    java: { threadCount: java.threadCount, threadIntervalMs: java.threadIntervalMs, removeAfterFetch: java.removeAfterFetch },
  };
}

/**
 * Whether a dump (which holds the JVM's secrets) may be handed over in this chat, for this person: someone the
 * configuration lets dump this host, in a configured chat or their own direct chat (on Slack, any direct-message
 * channel with the app, whose ids the configuration cannot name). The reason when not.
 */
export function dumpRecipientRefusal(config: DutydeskConfig, hostName: string, personId: unknown, chat: ChatRef | undefined): string | undefined {
  const host = configuredHost(config, hostName);
  const user = config.users.find((u) => u.id === personId);
  if (!user || !can(config, user, 'dump', host)) return `${JSON.stringify(personId)} may not take dumps of ${hostName}`;
  const id = String(chat?.chatId ?? '');
  if (!id) return 'the dump names no chat to hand it over in';
  const configured = Object.values(config.chats).some((c) => (chat?.platform === 'web' ? c.web : chat?.platform === 'telegram' ? c.telegram : c.slack) === id);
  const direct =
    (chat?.platform === 'web' && id === `dm-${user.id}`) ||
    (chat?.platform === 'telegram' && id === String(user.telegram ?? '')) ||
    (chat?.platform === 'slack' && (id === user.slack || /^D[A-Z0-9]+$/.test(id)));
  return configured || direct ? undefined : `a dump of ${hostName} is handed over only in a configured chat or ${user.id}'s direct chat, not ${JSON.stringify(chat)}`;
}
