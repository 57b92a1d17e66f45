/**
 * The incident workflows' contract: one workflow per incident key (a
 * configured host, else the alert's fingerprint), fed alert events by
 * signal-with-start from the Alertmanager receiver and the reconciler.
 * Types and definitions only.
 */
import { defineQuery, defineSignal, defineUpdate } from '@temporalio/workflow';
import type { ChatRef, Person } from '../restart/definitions';
import type { StormPolicy } from './digest-definitions';

export const INCIDENT_PREFIX = 'incident-';
/** A host's incident: all its alerts make one. */
export const hostIncidentId = (host: string) => `${INCIDENT_PREFIX}host-${host}`;
/** An alert that names no configured host is an incident of its own. */
export const alertIncidentId = (fingerprint: string) => `${INCIDENT_PREFIX}alert-${fingerprint}`;
export const INCIDENT_RECONCILER_SCHEDULE = 'incident-reconciler';

/** One alert's news, as Alertmanager (or its API, read by the reconciler) tells it. Times in ms since the epoch. */
export interface AlertEvent {
  fingerprint: string;
  status: 'firing' | 'resolved';
  startsAt: number;
  /** Set when resolved: when the alert stopped. */
  endsAt?: number;
  alertname: string;
  severity?: string;
  summary?: string;
  description?: string;
  /** http(s) only: what a button may open. */
  runbookUrl?: string;
  generatorUrl?: string;
  /** The alert's labels, clipped, for the ticket's facts and silences. */
  labels: Record<string, string>;
}

/** Where an incident goes and how it behaves, resolved from the configuration when each event is handed over. */
export interface IncidentRoute {
  chat: ChatRef;
  language: string;
  ticket?: { system: string; queue: string };
  client?: { chat?: ChatRef; requestors: string[] };
  /** The PromQL that confirms recovery, with the host filled in. */
  confirm?: string;
  holdDownMs: number;
  reopenWindowMs: number;
  flapCount: number;
  flapWindowMs: number;
  /** How many messages a chat takes a minute before the rest are digested. */
  storm: StormPolicy;
}

export interface IncidentInput {
  /** The configured host, for host incidents. */
  host?: string;
  route: IncidentRoute;
  state?: IncidentState;
}

/** What the workflow knows of one alert series (one fingerprint). */
export interface SeriesState {
  last: AlertEvent;
  /** Reconciler rounds in a row that did not find it in Alertmanager. */
  absentRounds: number;
  /** Resolved by dutydesk (gone from Alertmanager two rounds running), not by Alertmanager: the same episode firing again undoes it. */
  assumedResolved?: boolean;
}

export type IncidentPhase = 'quiet' | 'firing' | 'recovering' | 'cleared';

export interface IncidentTicket {
  system: string;
  id: string;
  url: string;
}

export interface IncidentSilence {
  id: string;
  until: number;
  by: string;
}

export interface IncidentState {
  phase: IncidentPhase;
  /** This incident's own mark (its first run's id, kept through continue-as-new): message keys of a later incident of the same host differ. */
  chain?: string;
  /** Problems told in the chat (a ticket not opened or closed), numbering their messages. */
  problems?: number;
  /** While quiet (only resolves seen): when the workflow ends. */
  quietUntil?: number;
  series: Record<string, SeriesState>;
  /** Firing since (this round). */
  since?: number;
  /** When every alert was last seen resolved, while recovering. */
  resolvedAt?: number;
  clearedAt?: number;
  ticket?: IncidentTicket;
  /** The round of the group message: a new message after each close. */
  round: number;
  /** When the incident came back after resolving, within the flapping window. */
  returns: number[];
  flapping: boolean;
  acknowledgedBy?: { person: Person; at: number; login?: string };
  silence?: IncidentSilence;
  /** The latest Prometheus answer while recovering, when the route names a query. */
  confirmation?: 'up' | 'down';
  /** The round whose group message went into the chat's digest instead (a storm): it has no message of its own. */
  digestedRound?: number;
  /** The chat's digest's answer for a round: its group message goes on its own, or into the digest. */
  admission?: { round: number; admission: 'own' | 'digest' };
  inbox: IncidentSignal[];
  /** Events handled over the incident's life, for the history's sake. */
  events: number;
}

export type IncidentSignal = { kind: 'alert'; event: AlertEvent; route: IncidentRoute } | { kind: 'presence'; firing: AlertEvent[]; present?: string[]; at: number; route?: IncidentRoute };

/** Alert news: events for this incident (from one payload) with the route as configured now. */
export const alertsSignal = defineSignal<[{ events: AlertEvent[]; route: IncidentRoute }]>('alerts');
/**
 * A reconciler round: this incident's alerts that Alertmanager sends on (active), which open or join it, and the
 * fingerprints of all it holds (silenced and inhibited too); a firing series held by none of two rounds is resolved.
 */
export const presenceSignal = defineSignal<[{ firing: AlertEvent[]; present?: string[]; at: number; route?: IncidentRoute }]>('presence');
export const incidentStateQuery = defineQuery<IncidentState & { host?: string; route: IncidentRoute }>('incident');

export interface AcknowledgeRequest {
  person: Person;
  /** The person's login in the ticket system, to become the owner; absent: taken for the group. */
  login?: string;
}
export type AcknowledgeResult = { acknowledged: true } | { acknowledged: false; by: string; at: number };
export const acknowledgeUpdate = defineUpdate<AcknowledgeResult, [AcknowledgeRequest]>('acknowledge');

export interface SilenceRequest {
  person: Person;
  durationMs: number;
}
export const silenceUpdate = defineUpdate<IncidentSilence, [SilenceRequest]>('silence');
export const unsilenceUpdate = defineUpdate<boolean, [{ person: Person }]>('unsilence');
