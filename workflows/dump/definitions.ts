/**
 * The dump workflow's contract: one run per service process at a time
 * (dump-<host>-<service>), its request (names and what chat shows) from the gateway,
 * its live progress, and the cancel signal. Types and definitions only.
 */
import { defineQuery, defineSignal } from '@temporalio/workflow';
import type { ChatRef, Person, StepProgress } from '../restart/definitions';

export type DumpKind = 'heap' | 'threads';

export const dumpWorkflowId = (host: string, service: string) => `dump-${host}-${service}`;

/**
 * How to find and dump the service's JVM, from hosts.<host>.services.<service>.java:
 * resolved by the hosts worker from its own configuration, never taken from a run's input.
 */
export interface JavaTarget {
  match?: string;
  unit?: string;
  /** Run jcmd and file commands as this user (sudo -n -u), when it is not the login user. */
  runAs?: string;
  dumpDir: string;
  reserveBytes: number;
  safetyFactor: number;
  jcmd: string;
  threadCount: number;
  threadIntervalMs: number;
  removeAfterFetch: boolean;
}

/** What the run shows of the java settings (its title and steps). */
export type JavaSummary = Pick<JavaTarget, 'threadCount' | 'threadIntervalMs' | 'removeAfterFetch'>;

export interface DumpRequest {
  host: string;
  service: string;
  kind: DumpKind;
  requestedBy: Person;
  chat: ChatRef;
  language: string;
  /**
   * Digest of the service's java settings when the run started: the worker
   * refuses once its own configuration differs. Absent in runs started before
   * the worker resolved java settings itself; those carry the whole JavaTarget
   * in `java`, which the worker checks against its configuration.
   */
  planId?: string;
  java: JavaSummary & Partial<JavaTarget>;
}

/** Names the dump activities get: the worker resolves the rest from its configuration. */
export interface DumpTargetInput {
  host: string;
  service?: string;
  planId?: string;
  /** Runs started before: the java settings they carry, refused unless they are the configured ones. */
  java?: Partial<JavaTarget>;
}

export interface FoundProcess {
  pid: number;
  user: string;
  command: string;
}

/** A file fetched to the worker and checked. */
export interface FetchedDump {
  localPath: string;
  name: string;
  size: number;
  sha256: string;
  /** How long the transfer itself took (without the SHA-256 check). */
  transferMs?: number;
}

export type DumpPhase = 'running' | 'done' | 'failed' | 'cancelled';

export interface DumpProgress {
  workflowId: string;
  runId: string;
  request: DumpRequest;
  requestedAt: number;
  steps: StepProgress[];
  phase: DumpPhase;
  error?: string;
  cancelledBy?: Person;
  finishedAt?: number;
  process?: FoundProcess;
  fetched?: FetchedDump;
}

export const dumpProgressQuery = defineQuery<DumpProgress>('dumpProgress');
/** Stops the dump after its current step; partial files on the host are removed. */
export const cancelDumpSignal = defineSignal<[Person]>('cancelDump');
