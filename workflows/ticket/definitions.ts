/**
 * The ticket workflows' contract: one workflow per ticket (ticket-<system>-<id>)
 * fed by observations from polling and webhooks, taken with an update; one
 * poller per ticket system. Types and definitions only.
 */
import { defineQuery, defineSignal, defineUpdate } from '@temporalio/workflow';
import type { Ticket } from '../../activities/tickets/port';
import type { ChatRef, Person } from '../restart/definitions';

export const ticketWorkflowId = (system: string, id: string) => `ticket-${system}-${id}`;

/** A ticket seen for the first time needs the group's attention only when nobody has answered it yet. */
export const needsGroup = (ticket: Ticket) => ticket.state === 'new' && !ticket.owner;
export const ticketPollerWorkflowId = (system: string) => `ticket-poller-${system}`;

/**
 * A change seen by a poll (with the ticket as read) or announced by a webhook
 * (the workflow reads it), or the workflow's own periodic check-up.
 */
export interface Observation {
  source: 'poll' | 'webhook' | 'checkup';
  ticket?: Ticket;
  /** The system's check-up interval as configured now (from polls), so a changed configuration reaches running tickets. */
  checkUpMs?: number;
}

/** What the group message shows besides the ticket: who had it before, who took it. */
export interface Announcement {
  round: number;
  chat: ChatRef;
  language: string;
  title: string;
  urgency?: string;
  due?: string;
  url: string;
  /** Display name of the engineer who worked on it before, if any. */
  previous?: string;
}

export interface TakenBy {
  person: Person;
  mode: 'me' | 'group';
  at: number;
}

export interface TicketWorkflowState {
  system: string;
  id: string;
  /** The ticket as last seen. */
  ticket?: Ticket;
  /** The group message of the current round, once posted. */
  announcement?: Announcement;
  takenBy?: TakenBy;
  /** Observations not yet handled when the run continued as new. */
  inbox: Observation[];
  /** Read the ticket again after this long without news; from the latest observation. */
  checkUpMs?: number;
}

export interface TicketWorkflowInput {
  system: string;
  id: string;
  state?: TicketWorkflowState;
}

export interface TakeRequest {
  person: Person;
  mode: 'me' | 'group';
  /** The person's login in the ticket system ("me" only). */
  login?: string;
}

export type TakeResult = { taken: true } | { taken: false; by: string; mode: 'me' | 'group'; at: number };

export const observedSignal = defineSignal<[Observation]>('observed');
export const takeUpdate = defineUpdate<TakeResult, [TakeRequest]>('take');
/** Sends the ticket's text to a chat; the text goes through an activity, never the workflow's history. */
export const describeUpdate = defineUpdate<void, [{ chat: ChatRef; language: string; key: string }]>('describe');
export const ticketStateQuery = defineQuery<TicketWorkflowState>('ticket');

export interface PollerSettings {
  queues: string[];
  intervalMs: number;
  lookbackMs: number;
}

/** Polls failing in a row: since when, the latest error, how many. */
export interface IntakeFailing {
  since: number;
  error: string;
  attempts: number;
}

export interface PollerInput {
  system: string;
  settings: PollerSettings;
  cursor?: string;
  failing?: IntakeFailing;
}

export interface PollerStatus {
  cursor?: string;
  polls: number;
  lastPollAt?: number;
  lastChanges: number;
  /** Set while polls fail. */
  failing?: IntakeFailing;
}

/** New intervals or queues from a changed configuration; interval 0 stops the poller. */
export const reconfigureSignal = defineSignal<[PollerSettings]>('reconfigure');
export const pollNowSignal = defineSignal('pollNow');
export const pollerStatusQuery = defineQuery<PollerStatus>('poller');

export interface NewTicketRequest {
  system: string;
  queue: string;
  title: string;
  text: string;
  requester?: string;
  requestedBy: Person;
  /** Where to answer with the number and link. */
  chat: ChatRef;
  language: string;
}
