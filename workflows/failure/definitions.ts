/**
 * Failure reports' contract: one workflow per failure fingerprint (what
 * failed, where, the error's class and its message with ids and numbers
 * taken out), fed each occurrence by signal-with-start. Types only.
 */
import { defineQuery, defineSignal } from '@temporalio/workflow';
import type { ChatRef, Person } from '../restart/definitions';

export const FAILURE_PREFIX = 'failure-';

/** What failed, as reporters tell it; everything in it is already redacted and clipped. */
export interface FailureSummary {
  /** "restart", "dump", "delivery", "ticket intake", "deadline reminders", "gateway". */
  source: string;
  /** A workflow type or the gateway's part. */
  workflowType?: string;
  step?: string;
  errorClass: string;
  /** The message with numbers, ids and quoted values replaced: the same failure reads the same. */
  normalised: string;
}

export interface FailureOccurrence {
  at: number;
  /** The message as it happened (redacted, clipped). */
  message: string;
  /** What it was about: "web1 shop", "ops (telegram)". */
  subject?: string;
  person?: Person;
  runUrl?: string;
}

export interface FailureRoute {
  chat: ChatRef;
  ticket?: { system: string; queue: string };
  /** A repeat this soon after the ticket was resolved reopens it; later, a new ticket. */
  reopenWithinMs: number;
  /** At most one repeat notice this often (besides the 10th, 100th and 1000th). */
  repeatEveryMs: number;
}

export interface FailureState {
  count: number;
  /** Distinct people affected (ids; at most 10 000 kept). */
  people: string[];
  firstAt: number;
  lastAt: number;
  last?: FailureOccurrence;
  ticket?: { system: string; id: string; url: string };
  /** When the ticket was last read (a flood of repeats reads it at most every few seconds). */
  ticketCheckedAt?: number;
  /** The count and time of the last notice in the chat. */
  posted: { count: number; at: number; notices: number };
  inbox: FailureOccurrence[];
}

export interface FailureInput {
  fingerprint: string;
  summary: FailureSummary;
  route: FailureRoute;
  state?: FailureState;
}

export const occurredSignal = defineSignal<[FailureOccurrence, FailureRoute]>('occurred');
export const failureStateQuery = defineQuery<FailureState & { summary: FailureSummary }>('failure');
