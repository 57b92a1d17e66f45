/**
 * One incident's life: its first firing alert posts to the group and opens a
 * ticket; every alert resolved and held down (and confirmed by Prometheus when
 * the route says how) closes the ticket and says the host is up again; a
 * return within the reopen window reopens the same ticket; too many returns
 * mark it flapping and its chats hear no more until it settles. Acknowledge,
 * silence and unsilence come as updates from the group's buttons.
 */
import { ApplicationFailure, allHandlersFinished, condition, continueAsNew, proxyActivities, setHandler, workflowInfo } from '@temporalio/workflow';
import type { createIncidentActivities } from '../../activities/incidents/activities';
import type { createTicketActivities } from '../../activities/tickets/activities';
import { rootMessage } from '../../lib/failure';
import { TASK_QUEUES } from '../../workers/task-queues';
import {
  acknowledgeUpdate,
  alertsSignal,
  incidentStateQuery,
  presenceSignal,
  silenceUpdate,
  unsilenceUpdate,
  type IncidentInput,
  type IncidentRoute,
  type IncidentSignal,
  type IncidentState,
} from './definitions';
import { applyAlertEvent, firingSeries } from './series';
import type { IncidentView } from './view';

type Activities = ReturnType<typeof createIncidentActivities> & Pick<ReturnType<typeof createTicketActivities>, 'takeTicket'>;

/** Tickets and messages: the ticket system or the chat may be away a while; never lose the change. Refusals are final. */
const patient = proxyActivities<Activities>({
  taskQueue: TASK_QUEUES.desk,
  startToCloseTimeout: '1m',
  retry: { initialInterval: '1s', backoffCoefficient: 2, maximumInterval: '1m', nonRetryableErrorTypes: ['TicketSystemRefused', 'MonitoringRefused'] },
});
/** Someone pressed a button and waits: two minutes of retries, then they are told. */
const prompt = proxyActivities<Activities>({
  taskQueue: TASK_QUEUES.desk,
  startToCloseTimeout: '30s',
  scheduleToCloseTimeout: '2m',
  retry: { initialInterval: '1s', backoffCoefficient: 2, maximumInterval: '20s', nonRetryableErrorTypes: ['TicketSystemRefused', 'TicketSystemDenied', 'MonitoringRefused'] },
});

/** Events per run before continuing as new, to keep each history small. */
const EVENTS_PER_RUN = 500;
/** A reconciler round that misses a firing alert this many times in a row resolves it (Alertmanager does lose resolves). */
const ABSENT_ROUNDS = 2;
/** How long an incident that never fired (only resolves came) stays, so late repeats are still recognised. */
const QUIET_STAY_MS = 10 * 60_000;

export async function incidentWorkflow(input: IncidentInput): Promise<void> {
  const { host } = input;
  const workflowId = workflowInfo().workflowId;
  let route: IncidentRoute = input.route;
  const state: IncidentState = input.state ?? { phase: 'quiet', series: {}, round: 0, returns: [], flapping: false, inbox: [], events: 0 };
  let busy = 0;

  setHandler(alertsSignal, ({ events, route: current }) => {
    for (const event of events) state.inbox.push({ kind: 'alert', event, route: current });
  });
  setHandler(presenceSignal, ({ firing, at, route: current }) => void state.inbox.push({ kind: 'presence', firing, at, route: current }));
  setHandler(incidentStateQuery, () => ({ ...state, host, route }));

  const view = (): IncidentView => {
    const firing = firingSeries(state.series);
    const shown = (firing.length ? firing : Object.values(state.series)).map((s) => s.last);
    return {
      workflowId,
      host,
      round: state.round,
      phase: state.phase,
      since: state.since,
      resolvedAt: state.resolvedAt,
      clearedAt: state.clearedAt,
      alerts: shown.slice(0, 20),
      moreAlerts: Math.max(0, shown.length - 20),
      ticket: state.ticket,
      acknowledgedBy: state.acknowledgedBy && { name: state.acknowledgedBy.person.name, at: state.acknowledgedBy.at },
      silence: state.silence,
      flapping: state.flapping,
      returns: state.returns.length,
      flapWindowMs: route.flapWindowMs,
      holdDownMs: route.holdDownMs,
      confirmation: state.confirmation,
      chat: route.chat,
      language: route.language,
    };
  };
  /** Edits the group message of the round (posts it when new); a round that went into the chat's digest has none. */
  const showMessage = async () => {
    if (state.digestedRound !== state.round) await patient.postIncidentMessage({ view: view() });
  };
  /** A new round's message: on its own, or (a storm in its chat) listed in the minute's digest. */
  const newRoundMessage = async () => {
    if ((await patient.admitIncidentMessage({ view: view(), policy: route.storm })) === 'digest') state.digestedRound = state.round;
    await showMessage();
  };

  /** Runs an update's work while the main loop waits, so a continue-as-new never cuts it off. */
  async function handling<T>(work: () => Promise<T>): Promise<T> {
    busy++;
    try {
      return await work();
    } finally {
      busy--;
    }
  }

  setHandler(acknowledgeUpdate, (request) =>
    handling(async () => {
      if (state.acknowledgedBy) return { acknowledged: false, by: state.acknowledgedBy.person.name, at: state.acknowledgedBy.at };
      if (state.phase === 'quiet') throw ApplicationFailure.nonRetryable('this incident is not open', 'IncidentNotOpen');
      state.acknowledgedBy = { person: request.person, at: Date.now() };
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
    }),
  );

  setHandler(silenceUpdate, (request) =>
    handling(async () => {
      const labels = firingSeries(state.series)[0]?.last.labels ?? Object.values(state.series)[0]?.last.labels ?? {};
      try {
        const previous = state.silence;
        const silence = await prompt.createIncidentSilence({ workflowId, host, labels, durationMs: request.durationMs, by: request.person.name, ticketUrl: state.ticket?.url });
        state.silence = silence;
        // The newer silence stands alone: the older one would end it early or outlast it.
        if (previous) await prompt.expireIncidentSilence({ id: previous.id }).catch(() => undefined);
      } catch (err) {
        throw ApplicationFailure.nonRetryable(rootMessage(err), 'SilenceFailed');
      }
      await showMessage();
      return state.silence;
    }),
  );

  setHandler(unsilenceUpdate, () =>
    handling(async () => {
      const silence = state.silence;
      if (!silence) return false;
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

  /** Takes in the signals that came; true when the set of firing alerts changed. */
  function takeInbox(): boolean {
    let changed = false;
    for (let s: IncidentSignal | undefined; (s = state.inbox.shift()); ) {
      state.events++;
      if (s.route) route = s.route;
      if (s.kind === 'alert') {
        if (applyAlertEvent(state.series, s.event) !== 'ignored') changed = true;
        continue;
      }
      // What Alertmanager holds counts as news too: a firing whose webhook was lost opens or joins the incident.
      for (const event of s.firing) if (applyAlertEvent(state.series, event) !== 'ignored') changed = true;
      const present = new Set(s.firing.map((e) => e.fingerprint));
      for (const series of firingSeries(state.series)) {
        if (present.has(series.last.fingerprint)) series.absentRounds = 0;
        else if (++series.absentRounds >= ABSENT_ROUNDS) {
          series.last = { ...series.last, status: 'resolved', endsAt: s.at };
          changed = true;
        }
      }
    }
    return changed;
  }

  /** A return after resolving: counted, and more than the route allows within its window is flapping. */
  function noteReturn(now: number) {
    state.returns = [...state.returns.filter((at) => now - at < route.flapWindowMs), now];
    if (state.returns.length > route.flapCount) state.flapping = true;
  }

  async function open() {
    const firing = firingSeries(state.series);
    state.phase = 'firing';
    state.round = 1;
    state.since = Math.min(...firing.map((s) => s.last.startsAt));
    if (route.ticket) {
      try {
        state.ticket = await patient.openIncidentTicket({ view: view(), ticket: route.ticket, requestors: route.client?.requestors ?? [] });
      } catch (err) {
        // The ticket system refused (no such queue, no right): the group still hears, and is told why there is no ticket.
        await patient.reportIncidentProblem({ view: view(), problem: rootMessage(err) });
      }
    }
    await newRoundMessage();
  }

  async function close() {
    state.phase = 'cleared';
    state.clearedAt = Date.now();
    const muted = state.flapping;
    if (state.ticket) {
      // The requestors' reply first (RT mails it to them), then the close, each retried on its own.
      if (!muted && (route.client?.requestors.length ?? 0) > 0) await patient.correspondIncidentTicket({ view: view() });
      await patient.closeIncidentTicket({ view: view() });
    }
    await showMessage();
    if (!muted) await patient.announceRecovery({ view: view(), clientChat: route.client?.chat, policy: route.storm });
  }

  async function reopen() {
    const now = Date.now();
    noteReturn(now);
    const withinWindow = state.clearedAt !== undefined && now - state.clearedAt <= route.reopenWindowMs;
    state.phase = 'firing';
    state.since = Math.min(...firingSeries(state.series).map((s) => s.last.startsAt));
    state.resolvedAt = undefined;
    state.confirmation = undefined;
    state.acknowledgedBy = undefined;
    if (state.ticket && withinWindow) await patient.reopenIncidentTicket({ view: view() });
    // A flapping incident keeps editing its one message instead of posting a new one each time.
    if (state.flapping) return showMessage();
    state.round++;
    await newRoundMessage();
  }

  const eventsAtStart = state.events;
  const firing = () => firingSeries(state.series).length > 0;
  const news = () => state.inbox.length > 0;
  const timeToContinue = () => (state.events - eventsAtStart >= EVENTS_PER_RUN || workflowInfo().continueAsNewSuggested) && busy === 0;
  for (;;) {
    // Before the inbox is taken in: what is still in it goes to the next run with the state.
    if (timeToContinue()) break;
    const changed = takeInbox();

    if (state.phase === 'quiet') {
      if (firing()) await open();
      else if (!(await condition(news, QUIET_STAY_MS)) && !news()) return;
      continue;
    }
    if (state.phase === 'firing') {
      if (!firing()) {
        state.phase = 'recovering';
        state.resolvedAt = Date.now();
        await showMessage();
        continue;
      }
      if (changed) await showMessage();
      await condition(() => news() || timeToContinue());
      continue;
    }
    if (state.phase === 'recovering') {
      if (firing()) {
        noteReturn(Date.now());
        state.phase = 'firing';
        state.resolvedAt = undefined;
        state.confirmation = undefined;
        await showMessage();
        continue;
      }
      const left = (state.resolvedAt ?? 0) + route.holdDownMs - Date.now();
      if (left > 0 && (await condition(news, left))) continue;
      if (news()) continue;
      if (route.confirm) {
        const answer = await patient.confirmRecovery({ query: route.confirm });
        if (answer === 'down') {
          // Alertmanager says resolved, Prometheus says not yet: hold down again and ask again.
          const first = state.confirmation !== 'down';
          state.confirmation = 'down';
          state.resolvedAt = Date.now();
          if (first) await showMessage();
          continue;
        }
        state.confirmation = 'up';
      }
      await close();
      continue;
    }
    // Cleared: a return within the reopen window reopens the ticket; after it, the run ends and a new incident starts fresh.
    if (firing()) {
      await reopen();
      continue;
    }
    const left = (state.clearedAt ?? 0) + route.reopenWindowMs - Date.now();
    if (left > 0 && (await condition(news, left))) continue;
    if (news()) continue;
    if (state.flapping) {
      state.flapping = false;
      await patient.announceRecovery({ view: view(), clientChat: route.client?.chat, settled: true, policy: route.storm });
    }
    await condition(allHandlersFinished);
    return;
  }
  await condition(allHandlersFinished);
  await continueAsNew<typeof incidentWorkflow>({ host, route, state });
}
