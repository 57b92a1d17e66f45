/**
 * A chat's incident digest: admits each incident message of the chat. Up to
 * the policy's number a window go out on their own; past it, in a storm (500
 * hosts down at once), the rest are listed, with their tickets and runs, in
 * one digest at the end of the window, so the chat stays readable and within
 * the platform's limits. Ends after a quiet day; continues as new when long.
 */
import { allHandlersFinished, condition, continueAsNew, proxyActivities, setHandler, sleep, workflowInfo } from '@temporalio/workflow';
import type { createIncidentActivities } from '../../activities/incidents/activities';
import { TASK_QUEUES } from '../../workers/task-queues';
import { admitUpdate, digestStateQuery, type DigestInput, type DigestState } from './digest-definitions';

const { postIncidentDigest } = proxyActivities<ReturnType<typeof createIncidentActivities>>({
  taskQueue: TASK_QUEUES.desk,
  startToCloseTimeout: '1m',
  retry: { initialInterval: '1s', backoffCoefficient: 2, maximumInterval: '1m' },
});

const DAY = 86_400_000;
const ADMITS_PER_RUN = 2000;

export async function incidentDigestWorkflow(input: DigestInput): Promise<void> {
  const state: DigestState = input.state ?? { chat: input.chat, language: input.language, windowStart: 0, admittedInWindow: 0, pending: [], answered: {}, digests: 0, policy: { individually: 5, windowMs: 60_000 } };
  let admits = 0;
  let lastActivity = Date.now();

  setHandler(digestStateQuery, () => state);
  setHandler(admitUpdate, ({ key, entry, policy }) => {
    lastActivity = Date.now();
    const known = Object.hasOwn(state.answered, key) ? state.answered[key] : undefined;
    if (known) return known.admission;
    admits++;
    state.policy = policy;
    const now = Date.now();
    if (now - state.windowStart >= policy.windowMs) {
      state.windowStart = now;
      state.admittedInWindow = 0;
    }
    const admission = state.admittedInWindow < policy.individually ? 'own' : 'digest';
    if (admission === 'own') state.admittedInWindow++;
    else state.pending.push(entry);
    state.answered[key] = { admission, at: now };
    return admission;
  });

  for (;;) {
    const quietFor = DAY - (Date.now() - lastActivity);
    const woke = await condition(() => state.pending.length > 0 || admits >= ADMITS_PER_RUN || workflowInfo().continueAsNewSuggested, Math.max(quietFor, 1));
    if (state.pending.length > 0) {
      // The window's digest goes when the window ends, listing everything that came in it.
      const left = state.windowStart + state.policy.windowMs - Date.now();
      if (left > 0) await sleep(left);
      const entries = state.pending.splice(0, state.pending.length);
      state.digests++;
      // The first run's id tells this digest workflow's keys from those of one that ended before.
      await postIncidentDigest({ chat: state.chat, language: state.language, entries, key: `${workflowInfo().workflowId}/${workflowInfo().firstExecutionRunId.slice(0, 8)}/${state.digests}` });
      continue;
    }
    // Forget answers older than a day: their messages are long delivered.
    const now = Date.now();
    for (const [key, answer] of Object.entries(state.answered)) if (now - answer.at > DAY) delete state.answered[key];
    if (!woke && Object.keys(state.answered).length === 0) {
      await condition(allHandlersFinished);
      if (state.pending.length === 0) return;
      continue;
    }
    if (admits >= ADMITS_PER_RUN || workflowInfo().continueAsNewSuggested) break;
  }
  await condition(allHandlersFinished);
  await continueAsNew<typeof incidentDigestWorkflow>({ chat: state.chat, language: state.language, state });
}
