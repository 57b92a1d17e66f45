/**
 * Which incident an alert belongs to (its host's, else its own) and where
 * that incident goes: the first route whose labels and host groups match.
 */
import type { DutydeskConfig } from './schema';
import type { RouteConfig } from './monitoring-schema';
import { own } from '../lib/own';
import { primaryChat } from './restart-plan';
import { alertIncidentId, hostIncidentId, type AlertEvent, type IncidentRoute } from '../workflows/incident/definitions';

export interface RoutedAlert {
  incidentId: string;
  host?: string;
  route: IncidentRoute;
}

/** The configured host an alert names by monitoring.hostLabel, if any. */
export function alertHost(config: DutydeskConfig, labels: Record<string, string>): string | undefined {
  const label = config.monitoring?.hostLabel ?? 'host';
  const value = Object.hasOwn(labels, label) ? labels[label] : undefined;
  return value !== undefined && own(config.hosts, value) ? value : undefined;
}

/** Whether a receiver restricted to host groups may raise this alert's incident; host-less alerts only when it names none. */
export function receiverTakes(config: DutydeskConfig, hostGroups: readonly string[] | undefined, labels: Record<string, string>): boolean {
  if (!hostGroups) return true;
  const host = alertHost(config, labels);
  return inHostGroups(config, hostGroups, host);
}

function inHostGroups(config: DutydeskConfig, hostGroups: readonly string[], host: string | undefined): boolean {
  const groups = host ? (own(config.hosts, host)?.groups ?? []) : [];
  return hostGroups.some((g) => (g === '*' ? host !== undefined : groups.includes(g)));
}

function matches(config: DutydeskConfig, route: RouteConfig, labels: Record<string, string>, host: string | undefined): boolean {
  for (const [key, value] of Object.entries(route.match)) if (!Object.hasOwn(labels, key) || labels[key] !== value) return false;
  for (const [key, pattern] of Object.entries(route.matchRe)) if (!new RegExp(`^(?:${pattern})$`).test(Object.hasOwn(labels, key) ? labels[key] : '')) return false;
  return !route.hostGroups || inHostGroups(config, route.hostGroups, host);
}

/** The incident and route of an alert; undefined when no route takes it. */
export function routeAlert(config: DutydeskConfig, event: AlertEvent): RoutedAlert | undefined {
  const monitoring = config.monitoring;
  if (!monitoring) return undefined;
  const host = alertHost(config, event.labels);
  const route = monitoring.routes.find((r) => matches(config, r, event.labels, host));
  if (!route) return undefined;
  const groups = host ? (own(config.hosts, host)?.groups ?? []) : [];
  const clientGroup = groups.find((g) => own(monitoring.clients, g));
  const client = clientGroup ? own(monitoring.clients, clientGroup) : undefined;
  return {
    incidentId: host ? hostIncidentId(host) : alertIncidentId(event.fingerprint),
    host,
    route: {
      chat: primaryChat(config, route.chat),
      language: route.language ?? 'en',
      ticket: route.ticket,
      client: client && { chat: client.chat ? primaryChat(config, client.chat) : undefined, requestors: client.requestors },
      // Host names are configuration names (letters, digits, . _ -): safe inside a PromQL string.
      confirm: route.confirm && host ? route.confirm.replaceAll('{host}', host) : route.confirm && !route.confirm.includes('{host}') ? route.confirm : undefined,
      holdDownMs: monitoring.holdDown,
      reopenWindowMs: monitoring.reopenWindow,
      flapCount: monitoring.flapping.count,
      flapWindowMs: monitoring.flapping.window,
      storm: { individually: (route.storm ?? monitoring.storm).individually, windowMs: (route.storm ?? monitoring.storm).window },
    },
  };
}
