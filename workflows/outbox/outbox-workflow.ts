/**
 * Delivers one chat's messages in order. Deterministic: pacing is a workflow
 * timer, retries (429 retry_after, 5xx, network) are the activity's retry
 * policy, so a crash or restart loses nothing and repeats nothing it recorded.
 */
import { condition, continueAsNew, patched, proxyActivities, setHandler, sleep, workflowInfo } from '@temporalio/workflow';
import type { createChatActivities } from '../../activities/chat/activities';
import type { createDeliveryActivities } from '../../activities/chat/delivery';
import { TASK_QUEUES } from '../../workers/task-queues';
import { rootMessage } from '../../lib/failure';
import { chatTaskQueue, enqueueSignal, outboxQuery, type OutboxItem, type OutboxState } from './definitions';
import { enqueue, remember, sentId, takeBatch } from './queue';

const KEEP_FAILED = 50;
/** Least time between two reports to the admins of messages set aside in one chat. */
const REPORT_EVERY_MS = 10 * 60_000;
/**
 * Deliveries per run before continuing as new, to keep each history small: a
 * worker that starts replays every busy outbox from its history, and 300
 * deliveries (about 4,500 events) each held up a 25-chat burst for a minute.
 */
const DELIVERIES_PER_RUN = 100;
/** As runs started before kept it. */
const DELIVERIES_PER_RUN_BEFORE = 300;

export async function outboxWorkflow(initial: OutboxState): Promise<void> {
  const state: OutboxState = initial;
  const delivery = proxyActivities<ReturnType<typeof createDeliveryActivities>>({
    taskQueue: chatTaskQueue(state.chat.platform),
    // Room for a wait for the platform's rate and a 50 MB upload (120 s); a
    // worker that dies is noticed by its missing heartbeats instead.
    startToCloseTimeout: '3m',
    heartbeatTimeout: '10s',
    // Never give up on a message that can still be delivered: the activity
    // sets the platform's retry_after as the next delay, otherwise back off,
    // to at most 10 s: a delivery whose worker died after a few 429s would
    // otherwise wait out a long backoff, holding up its chat.
    retry: { initialInterval: '1s', backoffCoefficient: 2, maximumInterval: '10s' },
  });

  // Telling the admins is worth a few tries, never a chat held up for long (no desk worker polling: 15 s).
  const admins = proxyActivities<Pick<ReturnType<typeof createChatActivities>, 'reportUndelivered'>>({
    taskQueue: TASK_QUEUES.desk,
    scheduleToCloseTimeout: '15s',
    retry: { maximumAttempts: 3 },
  });
  /**
   * Set aside for ops to see (the outbox query), and told to the admins at most once in
   * REPORT_EVERY_MS per chat, so a chat the bot was removed from does not flood them.
   */
  const setAside = async (key: string, error: string) => {
    state.failed = [...state.failed, { key, error }].slice(-KEEP_FAILED);
    if (!patched('outbox-reports-undelivered')) return;
    if (state.lastReportedAt !== undefined && Date.now() - state.lastReportedAt < REPORT_EVERY_MS) return;
    state.lastReportedAt = Date.now();
    await admins.reportUndelivered({ chat: state.chat, runId: workflowInfo().runId, key, error }).catch(() => undefined);
  };

  setHandler(enqueueSignal, (item) => enqueue(state, item));
  setHandler(outboxQuery, () => ({ queue: state.queue, delivered: state.delivered, failed: state.failed }));

  // Repeats (dropped by key) and signals grow the history too: a flood of them continues as new, even with nothing to send.
  const continueOnRepeats = patched('outbox-continue-on-repeats');
  const historyFull = () => continueOnRepeats && workflowInfo().continueAsNewSuggested;
  let deliveredThisRun = 0;
  const perRun = patched('outbox-shorter-runs') ? DELIVERIES_PER_RUN : DELIVERIES_PER_RUN_BEFORE;
  for (;;) {
    await condition(() => state.queue.length > 0 || historyFull());
    if (historyFull()) await continueAsNew<typeof outboxWorkflow>(state);
    const wait = (state.lastDeliveredAt ?? 0) + state.policy.minIntervalMs - Date.now();
    if (wait > 0) await sleep(wait);
    // New messages waiting together go in one delivery where the platform allows it.
    if ((state.policy.batch ?? 1) > 1 && patched('outbox-batches')) {
      const batch = takeBatch(state, state.policy.batch as number, patched('outbox-batch-first-posts'));
      if (batch.length > 1) {
        const prefix = workflowInfo().workflowId;
        try {
          const { messageIds } = await delivery.deliverChatMessages({ chat: state.chat, items: batch.map((b) => ({ key: `${prefix}/${b.key}`, message: b.message })) });
          batch.forEach((b, i) => remember(state, b.key, messageIds[i], b.mode === 'upsert', patched('outbox-keep-editable')));
          state.delivered += batch.length;
        } catch (err) {
          for (const b of batch) await setAside(b.key, rootMessage(err));
        }
        state.lastDeliveredAt = Date.now();
        deliveredThisRun += batch.length;
        if (deliveredThisRun >= perRun || workflowInfo().continueAsNewSuggested) await continueAsNew<typeof outboxWorkflow>(state);
        continue;
      }
      state.queue.unshift(...batch);
      if (!state.queue.length) continue; // every one of them was a repeat
    }
    // Taken only now, so edits that arrived while pacing are already merged into it.
    const item = state.queue.shift() as OutboxItem;
    const messageId = sentId(state, item.key);
    if (item.mode === 'new' && messageId) continue;
    try {
      const result = await delivery.deliverChatMessage({ chat: state.chat, key: `${workflowInfo().workflowId}/${item.key}`, message: item.message, editMessageId: messageId, backlog: state.queue.length });
      remember(state, item.key, result.messageId, item.mode === 'upsert', patched('outbox-keep-editable'));
      state.delivered++;
      // Delivered without its file (gone, or its upload always timed out): the words went, the file is missing.
      if (result.fileNotSent) await setAside(item.key, `delivered without its file: ${result.fileNotSent}`);
    } catch (err) {
      await setAside(item.key, rootMessage(err));
    }
    state.lastDeliveredAt = Date.now();
    if (++deliveredThisRun >= perRun || workflowInfo().continueAsNewSuggested) {
      await continueAsNew<typeof outboxWorkflow>(state);
    }
  }
}
