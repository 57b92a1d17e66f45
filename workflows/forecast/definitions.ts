/**
 * The forecast workflow's contract: one run per request (forecast-<request>),
 * started or signalled by whoever asks, answering each asker and re-checking
 * on a timer for those who asked to be told when the forecast moves.
 * Types and definitions only.
 */
import { defineQuery, defineSignal } from '@temporalio/workflow';
import type { SubtaskState } from '../../lib/forecast/model';
import type { ChatRef, Person } from '../restart/definitions';

export const forecastWorkflowId = (request: string) => `forecast-${request}`;

/** Someone asking "when will it be ready?", where and how to answer them. */
export interface ForecastAsk {
  person: Person;
  chat: ChatRef;
  language: string;
  timeZone: string;
  /** Also tell them when the forecast moves by more than this (ms). */
  watchMarginMs?: number;
  /** The request's XML as sent in chat (a file the gateway saved): used from now on instead of forecast.requests. */
  xmlFile?: string;
}

/** A person told again whenever the ETA moves by more than the margin. */
export interface ForecastWatcher extends ForecastAsk {
  watchMarginMs: number;
  /** The ETA (median) they were last told. */
  lastToldEta?: number;
  since: number;
}

/** What a forecast round found: small enough for workflow history (the full forecast stays on the worker). */
export interface ForecastSummary {
  request: string;
  title?: string;
  computedAt: number;
  start: number;
  finished: boolean;
  eta: { median: number; low: number; high: number; confidence: number };
  counts: Record<SubtaskState, number> & { total: number };
  /** The first subtasks of the critical path (all of them up to a dozen). */
  criticalPath: { id: string; name: string; state: SubtaskState }[];
  criticalPathLength: number;
  noHistory: { type: string; count: number; assumedMs: number }[];
  failed: string[];
}

/** One round's work for the activity: who asked, who watches, and this round's number (for message keys). */
export interface ForecastRoundInput {
  request: string;
  round: number;
  asks: ForecastAsk[];
  watchers: ForecastWatcher[];
  workflowId: string;
  runId: string;
  /** The Monte Carlo seed: the same for every round of a request, so only new data moves the ETA. */
  seed: number;
  /** An XML file sent in chat, instead of forecast.requests. */
  xmlFile?: string;
}

export interface ForecastRoundResult {
  summary: ForecastSummary;
  /** Watchers told of a move (or of the finish) in this round, by watcherKey. */
  told: string[];
}

/** Why a request cannot be forecast, as a message key and its values, so each reader gets it in their language. */
export interface ForecastRefusal {
  key: string;
  vars: Record<string, string | number>;
  /** A mistake in the request's XML, put in as {error} in the reader's language (lib/forecast/task-xml-errors.ts). */
  xmlError?: { code: string; vars: Record<string, string | number> };
}

export interface ForecastWorkflowInput {
  request: string;
  recheckMs: number;
  watchForMs: number;
  /** Carried over continue-as-new. */
  watchers?: ForecastWatcher[];
  asks?: ForecastAsk[];
  round?: number;
  last?: ForecastSummary;
  xmlFile?: string;
}

export interface ForecastState {
  request: string;
  last?: ForecastSummary;
  watchers: { person: Person; chat: ChatRef; marginMs: number; since: number }[];
  round: number;
}

/** A watcher is one person in one chat. */
export const watcherKey = (w: { person: Person; chat: ChatRef }) => `${w.person.id}@${w.chat.platform}:${w.chat.chatId}`;

export const askForecastSignal = defineSignal<[ForecastAsk]>('askForecast');
export const stopWatchingSignal = defineSignal<[{ person: Person; chat: ChatRef }]>('stopWatching');
export const forecastStateQuery = defineQuery<ForecastState>('forecastState');
