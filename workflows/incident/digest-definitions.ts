/**
 * The incident digest's contract: one workflow per chat that admits each
 * incident message. The first few a window go out on their own; in a storm
 * the rest are listed in one digest a window. Signals only, both ways: a storm
 * of hundreds of incidents never waits on a limit of requests in flight.
 * Types and definitions only.
 */
import { defineQuery, defineSignal } from '@temporalio/workflow';
import type { ChatMessage } from '../../activities/chat/port';
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

export type Admission = 'own' | 'digest';

export interface AdmitRequest {
  /** The message's outbox key: the same request again gets the same answer. */
  key: string;
  entry: DigestEntry;
  policy: StormPolicy;
  /** A group message the incident posts and edits itself: the incident is told its admission for this round. */
  reply?: { workflowId: string; round: number };
  /** A note the digest posts itself when admitted on its own ("up again"). */
  note?: ChatMessage;
}

export interface DigestState {
  chat: ChatRef;
  language: string;
  windowStart: number;
  admittedInWindow: number;
  pending: DigestEntry[];
  /** Recent answers by key, so a retried request is answered alike (kept for a day). */
  answered: Record<string, { admission: Admission; at: number }>;
  /** Answers and notes still to send, in the order admitted. */
  outgoing: { key: string; admission: Admission; reply?: AdmitRequest['reply']; note?: ChatMessage }[];
  digests: number;
  policy: StormPolicy;
  /** When the digest of what is pending is due: set by its first entry, so admits after the window cannot push it back. */
  digestDueAt?: number;
}

export interface DigestInput {
  chat: ChatRef;
  language: string;
  state?: DigestState;
}

export const admitSignal = defineSignal<[AdmitRequest]>('admit');
/** To the incident: how its round's group message was admitted. */
export const admissionSignal = defineSignal<[{ round: number; admission: Admission; key?: string }]>('admission');
export const digestStateQuery = defineQuery<DigestState>('digest');
