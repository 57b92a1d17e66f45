/**
 * The incident's buttons as updates: Acknowledge (takes the ticket), Silence
 * and Unsilence (Alertmanager silences, one at a time). Each runs while the
 * main loop waits; the loop continues as new only once all have finished.
 */
import { ApplicationFailure, condition, setHandler, type ActivityInterfaceFor } from '@temporalio/workflow';
import type { createIncidentActivities } from '../../activities/incidents/activities';
import type { createTicketActivities } from '../../activities/tickets/activities';
import { rootMessage } from '../../lib/failure';
import { acknowledgeUpdate, silenceUpdate, unsilenceUpdate, type IncidentState } from './definitions';
import { firingSeries } from './series';

type Activities = ReturnType<typeof createIncidentActivities> & Pick<ReturnType<typeof createTicketActivities>, 'takeTicket'>;

export interface IncidentUpdateContext {
  workflowId: string;
  host?: string;
  state: IncidentState;
  prompt: ActivityInterfaceFor<Activities>;
  showMessage(): Promise<void>;
}

/** A silence that has run out is no silence: its buttons and text go, and a new one may be made. */
export function currentSilence(state: IncidentState) {
  return state.silence && state.silence.until > Date.now() ? state.silence : undefined;
}

export function installIncidentUpdates({ workflowId, host, state, prompt, showMessage }: IncidentUpdateContext): void {
  let silencing = false;
  /** Silence and Unsilence one at a time: two at once would make two silences and track one. */
  async function oneSilenceChange<T>(work: () => Promise<T>): Promise<T> {
    await condition(() => !silencing);
    silencing = true;
    try {
      return await work();
    } finally {
      silencing = false;
    }
  }

  setHandler(acknowledgeUpdate, async (request) => {
    if (state.acknowledgedBy) return { acknowledged: false, by: state.acknowledgedBy.person.name, at: state.acknowledgedBy.at };
    if (state.phase === 'quiet') throw ApplicationFailure.nonRetryable('this incident is not open', 'IncidentNotOpen');
    state.acknowledgedBy = { person: request.person, at: Date.now(), login: request.login };
    if (state.ticket) {
      try {
        await prompt.takeTicket({ system: state.ticket.system, id: state.ticket.id, owner: request.login, by: request.person.name, mode: request.login ? 'me' : 'group' });
      } catch (err) {
        state.acknowledgedBy = undefined;
        throw ApplicationFailure.nonRetryable(rootMessage(err), 'AcknowledgeFailed');
      }
    }
    await showMessage();
    return { acknowledged: true };
  });

  setHandler(silenceUpdate, (request) =>
    oneSilenceChange(async () => {
      const labels = firingSeries(state.series)[0]?.last.labels ?? Object.values(state.series)[0]?.last.labels ?? {};
      const previous = currentSilence(state);
      try {
        state.silence = await prompt.createIncidentSilence({ workflowId, host, labels, durationMs: request.durationMs, by: request.person.name, ticketUrl: state.ticket?.url });
      } catch (err) {
        throw ApplicationFailure.nonRetryable(rootMessage(err), 'SilenceFailed');
      }
      // The newer silence stands alone: the older one would end it early or outlast it.
      if (previous) await prompt.expireIncidentSilence({ id: previous.id }).catch(() => undefined);
      await showMessage();
      return state.silence;
    }),
  );

  setHandler(unsilenceUpdate, () =>
    oneSilenceChange(async () => {
      const silence = currentSilence(state);
      if (!silence) {
        state.silence = undefined;
        return false;
      }
      try {
        await prompt.expireIncidentSilence({ id: silence.id });
      } catch (err) {
        throw ApplicationFailure.nonRetryable(rootMessage(err), 'UnsilenceFailed');
      }
      state.silence = undefined;
      await showMessage();
      return true;
    }),
  );
}
