/**
 * The incident digest's contract: one workflow per chat that admits each
 * incident message. The first few a minute go out on their own; in a storm
 * the rest are listed in one digest a minute. Types and definitions only.
 */
import { defineQuery, defineUpdate } from '@temporalio/workflow';
import type { ChatRef } from '../restart/definitions';

export const incidentDigestId = (chat: ChatRef) => `digest-incidents-${chat.platform}-${chat.chatId}`;

export interface DigestEntry {
  kind: 'down' | 'up';
  subject: string;
  /** The alert (down) or how long it was down (up). */
  line: string;
  ticket?: { id: string; url: string };
  runUrl: string;
}

export interface StormPolicy {
  /** Messages of their own per window; the rest go into the window's digest. */
  individually: number;
  windowMs: number;
}

export interface AdmitRequest {
  /** The message's outbox key: the same request again gets the same answer. */
  key: string;
  entry: DigestEntry;
  policy: StormPolicy;
}

export type Admission = 'own' | 'digest';

export interface DigestState {
  chat: ChatRef;
  language: string;
  windowStart: number;
  admittedInWindow: number;
  pending: DigestEntry[];
  /** Recent answers by key, so a retried request is answered alike (kept for a day). */
  answered: Record<string, { admission: Admission; at: number }>;
  digests: number;
  policy: StormPolicy;
}

export interface DigestInput {
  chat: ChatRef;
  language: string;
  state?: DigestState;
}

export const admitUpdate = defineUpdate<Admission, [AdmitRequest]>('admit');
export const digestStateQuery = defineQuery<DigestState>('digest');
