/**
 * The dump workflow's contract: one run per service process at a time
 * (dump-<host>-<service>), its request resolved from config by the gateway,
 * its live progress, and the cancel signal. Types and definitions only.
 */
import { defineQuery, defineSignal } from '@temporalio/workflow';
import type { ChatRef, Person, StepProgress } from '../restart/definitions';

export type DumpKind = 'heap' | 'threads';

export const dumpWorkflowId = (host: string, service: string) => `dump-${host}-${service}`;

/** How to find and dump the service's JVM, from hosts.<host>.services.<service>.java. */
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

export interface DumpRequest {
  host: string;
  service: string;
  kind: DumpKind;
  requestedBy: Person;
  chat: ChatRef;
  language: string;
  java: JavaTarget;
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
