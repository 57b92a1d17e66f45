/**
 * A chat's incident digest: admits each incident message of the chat. Up to
 * the policy's number a window go out on their own; past it, in a storm (500
 * hosts down at once), the rest are listed, with their tickets and runs, in
 * one digest at the end of the window, so the chat stays readable and within
 * the platform's limits. Incidents are told their admission by signal; notes
 * ("up again") admitted on their own are posted from here. Ends after a quiet
 * day; continues as new when long.
 */
import { condition, continueAsNew, getExternalWorkflowHandle, proxyActivities, setHandler, workflowInfo } from '@temporalio/workflow';
import type { createIncidentActivities } from '../../activities/incidents/activities';
import { TASK_QUEUES } from '../../workers/task-queues';
import { admissionSignal, admitSignal, digestStateQuery, type DigestInput, type DigestState } from './digest-definitions';

const { postIncidentDigest, postIncidentNote } = proxyActivities<ReturnType<typeof createIncidentActivities>>({
  taskQueue: TASK_QUEUES.desk,
  startToCloseTimeout: '1m',
  // Enqueueing in the chat's outbox: Temporal itself. A note that cannot be put there in an hour is given up, not left to hold the answers back.
  scheduleToCloseTimeout: '1h',
  retry: { initialInterval: '1s', backoffCoefficient: 2, maximumInterval: '1m' },
});

const DAY = 86_400_000;
const ADMITS_PER_RUN = 2000;

export async function incidentDigestWorkflow(input: DigestInput): Promise<void> {
  const state: DigestState = input.state ?? { chat: input.chat, language: input.language, windowStart: 0, admittedInWindow: 0, pending: [], answered: {}, outgoing: [], digests: 0, policy: { individually: 5, windowMs: 60_000 } };
  state.outgoing ??= [];
  let admits = 0;
  let lastActivity = Date.now();
  const mark = workflowInfo().firstExecutionRunId.slice(0, 8);

  setHandler(digestStateQuery, () => state);
  setHandler(admitSignal, ({ key, entry, policy, reply, note }) => {
    lastActivity = Date.now();
    const known = Object.hasOwn(state.answered, key) ? state.answered[key] : undefined;
    if (known) {
      // Asked again (a retried activity): the same answer; a note is not posted twice.
      if (reply) state.outgoing.push({ key, admission: known.admission, reply });
      return;
    }
    admits++;
    state.policy = policy;
    const now = Date.now();
    if (now - state.windowStart >= policy.windowMs) {
      state.windowStart = now;
      state.admittedInWindow = 0;
    }
    const admission = state.admittedInWindow < policy.individually ? 'own' : 'digest';
    if (admission === 'own') state.admittedInWindow++;
    else {
      state.pending.push(entry);
      state.digestDueAt ??= state.windowStart + policy.windowMs;
    }
    state.answered[key] = { admission, at: now };
    state.outgoing.push({ key, admission, reply, note: admission === 'own' ? note : undefined });
  });

  /** Answers first, all at once (incidents wait on them), then the notes admitted on their own, in the order they came. */
  async function sendOutgoing() {
    const batch = state.outgoing.splice(0, state.outgoing.length);
    await Promise.all(
      batch.flatMap((next) => (next.reply ? [getExternalWorkflowHandle(next.reply.workflowId).signal(admissionSignal, { round: next.reply.round, admission: next.admission, key: next.key }).catch(() => undefined)] : [])),
    );
    for (const next of batch) if (next.note) await postIncidentNote({ chat: state.chat, key: next.key, message: next.note }).catch(() => undefined);
  }

  const busy = () => state.outgoing.length > 0 || state.pending.length > 0;
  for (;;) {
    const quietFor = DAY - (Date.now() - lastActivity);
    const woke = await condition(() => busy() || admits >= ADMITS_PER_RUN || workflowInfo().continueAsNewSuggested, Math.max(quietFor, 1));
    await sendOutgoing();
    if (state.pending.length > 0) {
      // The digest goes when its window ends, listing everything that came in it; answers go meanwhile.
      const left = (state.digestDueAt ?? 0) - Date.now();
      if (left > 0 && (await condition(() => state.outgoing.length > 0, left))) continue;
      const entries = state.pending.splice(0, state.pending.length);
      state.digestDueAt = undefined;
      state.digests++;
      // The first run's id tells this digest workflow's keys from those of one that ended before.
      await postIncidentDigest({ chat: state.chat, language: state.language, entries, key: `${workflowInfo().workflowId}/${mark}/${state.digests}` });
      continue;
    }
    // Forget answers older than a day: their messages are long delivered.
    const now = Date.now();
    for (const [key, answer] of Object.entries(state.answered)) if (now - answer.at > DAY) delete state.answered[key];
    if (!woke && Object.keys(state.answered).length === 0 && !busy()) return;
    // Pending entries and answers go with the state: a storm that never stops still continues as new.
    if (admits >= ADMITS_PER_RUN || workflowInfo().continueAsNewSuggested) break;
  }
  await continueAsNew<typeof incidentDigestWorkflow>({ chat: state.chat, language: state.language, state });
}
