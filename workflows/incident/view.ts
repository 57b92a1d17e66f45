/** What an incident's messages and ticket are made from: a snapshot the workflow hands its activities. */
import type { ChatRef } from '../restart/definitions';
import type { AlertEvent, IncidentPhase, IncidentSilence, IncidentTicket } from './definitions';

export interface IncidentView {
  workflowId: string;
  /** The incident's own mark: with the round, it keys the incident's messages. */
  chain: string;
  host?: string;
  round: number;
  phase: IncidentPhase;
  since?: number;
  resolvedAt?: number;
  clearedAt?: number;
  /** The firing alerts (the last known ones once none fires), at most 20. */
  alerts: AlertEvent[];
  moreAlerts: number;
  ticket?: IncidentTicket;
  acknowledgedBy?: { name: string; at: number };
  silence?: IncidentSilence;
  flapping: boolean;
  /** Returns within the flapping window, and the window, for the flapping note. */
  returns?: number;
  flapWindowMs?: number;
  holdDownMs?: number;
  confirmation?: 'up' | 'down';
  chat: ChatRef;
  language: string;
}
