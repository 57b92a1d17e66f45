/**
 * The outbox's queue and its memory of what was delivered: pure functions
 * over the workflow's state, so they are deterministic and tested alone.
 */
import type { OutboxItem, OutboxState, SentEntry } from './definitions';

/** Keys of new messages remembered, to drop a repeated enqueue. */
export const KEEP_SENT = 1000;
/** Keys of live messages (upserts) remembered apart, so a ticket's message is still edited after a busy day in its chat. */
export const KEEP_EDITABLE = 5000;

/** Adds an item; a pending edit of the same message is replaced in place (latest state wins). */
export function enqueue(state: OutboxState, item: OutboxItem): void {
  if (item.mode === 'upsert') {
    const pending = state.queue.find((q) => q.mode === 'upsert' && q.key === item.key);
    if (pending) {
      pending.message = item.message;
      return;
    }
  } else if (state.queue.some((q) => q.key === item.key)) {
    return; // a retried enqueue of a message still waiting
  }
  state.queue.push(item);
}

/**
 * The messages at the head of the queue that are posted, not edited, up to
 * `max` (taken off the queue): new ones not yet sent and, with `firstPosts`,
 * live messages (upserts) not yet posted, such as a burst of ticket
 * announcements. An edit or a file ends the batch.
 */
export function takeBatch(state: OutboxState, max: number, firstPosts = false): OutboxItem[] {
  const batch: OutboxItem[] = [];
  const posted = (item: OutboxItem) => !item.message.file && (item.mode === 'new' || (firstPosts && !sentId(state, item.key)));
  while (batch.length < max && state.queue.length && posted(state.queue[0])) {
    const item = state.queue.shift() as OutboxItem;
    if (!sentId(state, item.key)) batch.push(item);
  }
  return batch;
}

/** The platform message id a key was delivered as, if it is still remembered. */
export function sentId(state: OutboxState, key: string): string | undefined {
  for (let i = state.sent.length - 1; i >= 0; i--) if (state.sent[i][0] === key) return state.sent[i][1];
  return undefined;
}

/**
 * Records a delivered key. New messages' keys and live messages' keys are
 * kept up to limits of their own (`apart`; runs from before kept one list).
 */
export function remember(state: OutboxState, key: string, messageId: string, editable: boolean, apart = true): void {
  const sent = [...state.sent.filter(([k]) => k !== key), (editable ? [key, messageId, 1] : [key, messageId]) as SentEntry];
  if (!apart) {
    state.sent = sent.slice(-KEEP_SENT);
    return;
  }
  // Oldest first: drop what is over each kind's limit.
  let [extraNew, extraEditable] = [-KEEP_SENT, -KEEP_EDITABLE];
  for (const entry of sent) entry[2] ? extraEditable++ : extraNew++;
  state.sent = sent.filter((entry) => (entry[2] ? extraEditable-- <= 0 : extraNew-- <= 0));
}
