/**
 * One incident's life: its first firing alert posts to the group and opens a
 * ticket (in the background: the chat hears at once, even while the ticket
 * system is away); every alert resolved and held down (and confirmed by
 * Prometheus when the route says how) closes the ticket and says the host is
 * up again; a return within the reopen window reopens the same ticket; too
 * many returns mark it flapping and its chats hear no more until it settles.
 * A refusal from the ticket system or Prometheus is told in the chat, never
 * the end of the incident.
 */
import { allHandlersFinished, condition, continueAsNew, proxyActivities, setHandler, workflowInfo } from '@temporalio/workflow';
import type { createIncidentActivities } from '../../activities/incidents/activities';
import type { createTicketActivities } from '../../activities/tickets/activities';
import { rootMessage } from '../../lib/failure';
import { TASK_QUEUES } from '../../workers/task-queues';
import { alertsSignal, incidentStateQuery, presenceSignal, type IncidentInput, type IncidentRoute, type IncidentSignal, type IncidentState } from './definitions';
import { admissionSignal } from './digest-definitions';
import { currentSilence, installIncidentUpdates } from './incident-updates';
import { applyAlertEvent, firingSeries, forgetOldSeries } from './series';
import type { IncidentView } from './view';

type Activities = ReturnType<typeof createIncidentActivities> & Pick<ReturnType<typeof createTicketActivities>, 'takeTicket'>;
const REFUSALS = ['TicketSystemRefused', 'MonitoringRefused'];

/** Messages: the chat may be away a while; never lose one. */
const patient = proxyActivities<Activities>({
  taskQueue: TASK_QUEUES.desk,
  startToCloseTimeout: '1m',
  retry: { initialInterval: '1s', backoffCoefficient: 2, maximumInterval: '1m', nonRetryableErrorTypes: REFUSALS },
});
/** The ticket system: an hour of retries (refused credentials included), then the chat is told there is no ticket. */
const ticketing = proxyActivities<Activities>({
  taskQueue: TASK_QUEUES.desk,
  startToCloseTimeout: '1m',
  scheduleToCloseTimeout: '1h',
  retry: { initialInterval: '1s', backoffCoefficient: 2, maximumInterval: '1m', nonRetryableErrorTypes: REFUSALS },
});
/** Prometheus's confirmation: asked again at the next hold-down when it does not answer. */
const checking = proxyActivities<Activities>({
  taskQueue: TASK_QUEUES.desk,
  startToCloseTimeout: '20s',
  scheduleToCloseTimeout: '1m',
  retry: { initialInterval: '1s', maximumInterval: '10s', nonRetryableErrorTypes: REFUSALS },
});
/** Someone pressed a button and waits: two minutes of retries, then they are told. */
const prompt = proxyActivities<Activities>({
  taskQueue: TASK_QUEUES.desk,
  startToCloseTimeout: '30s',
  scheduleToCloseTimeout: '2m',
  retry: { initialInterval: '1s', backoffCoefficient: 2, maximumInterval: '20s', nonRetryableErrorTypes: [...REFUSALS, 'TicketSystemDenied'] },
});

/** Events per run before continuing as new, to keep each history small. */
const EVENTS_PER_RUN = 500;
/** A reconciler round that misses a firing alert this many times in a row resolves it (Alertmanager does lose resolves). */
const ABSENT_ROUNDS = 2;
/** How long an incident that never fired (only resolves came) stays, so late repeats are still recognised. */
const QUIET_STAY_MS = 10 * 60_000;
/** How long a new round's message waits for the chat's digest to admit it. */
const ADMISSION_WAIT_MS = 2 * 60_000;
/** While Prometheus says "not yet", it is asked again no sooner than this. */
const MIN_RECHECK_MS = 30_000;

export async function incidentWorkflow(input: IncidentInput): Promise<void> {
  const { host } = input;
  const workflowId = workflowInfo().workflowId;
  let route: IncidentRoute = input.route;
  const state: IncidentState = input.state ?? { phase: 'quiet', series: {}, round: 0, returns: [], flapping: false, inbox: [], events: 0 };
  state.chain ??= workflowInfo().firstExecutionRunId.slice(0, 8);
  let ticketOpening: Promise<void> | undefined;

  setHandler(alertsSignal, ({ events, route: current }) => {
    for (const event of events) state.inbox.push({ kind: 'alert', event, route: current });
  });
  setHandler(presenceSignal, ({ firing, present, at, route: current }) => void state.inbox.push({ kind: 'presence', firing, present, at, route: current }));
  setHandler(incidentStateQuery, () => ({ ...state, host, route }));
  // Only the answer for this incident's own round: a late one for an earlier incident of the host (same id, same round number) has another key.
  setHandler(admissionSignal, ({ round, admission, key }) => {
    const mine = key === undefined || key === `${workflowId}/${state.chain}/${round}`;
    if (mine && round === state.round && state.admission?.round !== round) state.admission = { round, admission };
  });

  const view = (): IncidentView => {
    const firing = firingSeries(state.series);
    const shown = (firing.length ? firing : Object.values(state.series)).map((s) => s.last);
    return {
      workflowId,
      chain: state.chain as string,
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
      silence: currentSilence(state),
      flapping: state.flapping,
      returns: state.returns.length,
      flapWindowMs: route.flapWindowMs,
      holdDownMs: route.holdDownMs,
      confirmation: state.confirmation,
      chat: route.chat,
      language: route.language,
    };
  };
  /**
   * Edits the group message of the round (posts it when new); a round that went into the chat's digest has none.
   * One at a time, each showing the state when it runs: the buttons' updates and the loop never land out of order.
   */
  let publishing: Promise<void> = Promise.resolve();
  const admitted = () => state.admission?.round === state.round && state.admission.admission === 'own';
  const showMessage = (): Promise<void> => {
    publishing = publishing.then(async () => {
      if (admitted()) await patient.postIncidentMessage({ view: view() });
    });
    return publishing;
  };
  /**
   * A new round's message: on its own, or (a storm in its chat) listed in the window's digest. The digest
   * answers by signal; one that does not answer in two minutes lets the message go on its own.
   */
  const newRoundMessage = async () => {
    await patient.admitIncidentMessage({ view: view(), policy: route.storm });
    const answered = await condition(() => state.admission?.round === state.round, ADMISSION_WAIT_MS);
    if (!answered) state.admission = { round: state.round, admission: 'own' };
    if (state.admission?.admission === 'digest') state.digestedRound = state.round;
    await showMessage();
  };
  /** Says in the group what went wrong beside the incident, and goes on. */
  const problem = async (text: string) => {
    state.problems = (state.problems ?? 0) + 1;
    await patient.reportIncidentProblem({ view: view(), problem: text, n: state.problems });
  };

  installIncidentUpdates({ workflowId, host, state, prompt, showMessage });

  /** Opens the ticket beside the main loop: events and buttons go on while the ticket system is slow or away. */
  function openTicket() {
    const where = route.ticket;
    if (!where || ticketOpening) return;
    ticketOpening = (async () => {
      try {
        state.ticket = await ticketing.openIncidentTicket({ view: view(), ticket: where, requestors: route.client?.requestors ?? [] });
        // Acknowledged while the ticket was being opened: it is taken now.
        const ack = state.acknowledgedBy;
        if (ack) {
          const login = ack.login;
          await ticketing.takeTicket({ system: state.ticket.system, id: state.ticket.id, owner: login, by: ack.person.name, mode: login ? 'me' : 'group' }).catch((err) => problem(`ticket #${state.ticket?.id} could not be taken for ${ack.person.name}: ${rootMessage(err)}`));
        }
        await showMessage();
      } catch (err) {
        await problem(`no ticket was opened: ${rootMessage(err)}`);
      } finally {
        ticketOpening = undefined;
      }
    })();
  }

  /**
   * Takes in the signals that came: whether the set of firing alerts changed, and the start of the earliest
   * episode that fired among them (one that fired and resolved within the same batch, say after a worker
   * outage, still happened: it opens the incident, which then recovers).
   */
  function takeInbox(): { changed: boolean; firedSince?: number } {
    let changed = false;
    let firedSince: number | undefined;
    const apply = (event: (typeof state.series)[string]['last']) => {
      const change = applyAlertEvent(state.series, event);
      if (change !== 'ignored') changed = true;
      if (change === 'fired') firedSince = Math.min(firedSince ?? event.startsAt, event.startsAt);
    };
    for (let s: IncidentSignal | undefined; (s = state.inbox.shift()); ) {
      state.events++;
      // The route is settled when the incident opens: its alerts may match several, and one chat follows it.
      if (s.route && state.phase === 'quiet') route = s.route;
      if (s.kind === 'alert') {
        apply(s.event);
        continue;
      }
      // What Alertmanager sends on counts as news too: a firing whose webhook was lost opens or joins the incident.
      for (const event of s.firing) apply(event);
      const present = new Set([...(s.present ?? []), ...s.firing.map((e) => e.fingerprint)]);
      for (const series of firingSeries(state.series)) {
        if (present.has(series.last.fingerprint)) series.absentRounds = 0;
        else if (++series.absentRounds >= ABSENT_ROUNDS) {
          series.last = { ...series.last, status: 'resolved', endsAt: s.at };
          series.assumedResolved = true;
          changed = true;
        }
      }
    }
    forgetOldSeries(state.series, Date.now());
    return { changed, firedSince };
  }

  /** A return after resolving: counted, and more than the route allows within its window is flapping. */
  function noteReturn(now: number) {
    state.returns = [...state.returns.filter((at) => now - at < route.flapWindowMs), now];
    if (state.returns.length > route.flapCount) state.flapping = true;
  }

  async function open(firedSince?: number) {
    state.phase = 'firing';
    state.round = 1;
    state.quietUntil = undefined;
    state.since = Math.min(firedSince ?? Infinity, ...firingSeries(state.series).map((s) => s.last.startsAt));
    // The ticket opens beside the chat's admission: in a storm, tickets do not wait on the chat.
    openTicket();
    await newRoundMessage();
  }

  async function close() {
    if (ticketOpening) await ticketOpening;
    state.phase = 'cleared';
    state.clearedAt = Date.now();
    const muted = state.flapping;
    const ticket = state.ticket;
    if (ticket) {
      try {
        // The requestors' reply first (RT mails it to them), then the close, each retried on its own.
        if (!muted && (route.client?.requestors.length ?? 0) > 0) await ticketing.correspondIncidentTicket({ view: view() });
        await ticketing.closeIncidentTicket({ view: view() });
      } catch (err) {
        await problem(`ticket #${ticket.id} could not be closed: ${rootMessage(err)}`);
      }
    }
    await showMessage();
    if (!muted) await patient.announceRecovery({ view: view(), clientChat: route.client?.chat, policy: route.storm });
  }

  async function reopen(firedSince?: number) {
    if (ticketOpening) await ticketOpening;
    noteReturn(Date.now());
    state.phase = 'firing';
    state.since = Math.min(firedSince ?? Infinity, ...firingSeries(state.series).map((s) => s.last.startsAt));
    state.resolvedAt = undefined;
    state.confirmation = undefined;
    state.acknowledgedBy = undefined;
    const ticket = state.ticket;
    if (ticket) {
      try {
        await ticketing.reopenIncidentTicket({ view: view() });
      } catch (err) {
        // Refused (merged, deleted, no transition back): a ticket of its own for this return.
        await problem(`ticket #${ticket.id} could not be reopened, so a new one is opened: ${rootMessage(err)}`);
        state.ticket = undefined;
      }
    }
    // A flapping incident keeps editing its one message instead of posting a new one each time.
    if (state.flapping) await showMessage();
    else {
      state.round++;
      await newRoundMessage();
    }
    if (!state.ticket) openTicket();
  }

  /** Prometheus's word after the hold-down: a refused query cannot confirm anything, and is said once. */
  async function confirmed(): Promise<boolean> {
    if (!route.confirm) return true;
    try {
      return (await checking.confirmRecovery({ query: route.confirm })) === 'up';
    } catch (err) {
      const refused = (err as { cause?: { type?: string } }).cause?.type === 'MonitoringRefused';
      if (!refused) return false; // not answering: asked again after the next hold-down
      if (state.confirmation !== 'up') await problem(`Prometheus refused the recovery check (${rootMessage(err)}); closing on Alertmanager's word`);
      return true;
    }
  }

  const eventsAtStart = state.events;
  const firing = () => firingSeries(state.series).length > 0;
  const news = () => state.inbox.length > 0;
  const timeToContinue = () => (state.events - eventsAtStart >= EVENTS_PER_RUN || workflowInfo().continueAsNewSuggested) && !ticketOpening && allHandlersFinished();
  for (;;) {
    // Before the inbox is taken in: what is still in it goes to the next run with the state.
    if (timeToContinue()) break;
    const { changed, firedSince } = takeInbox();

    if (state.phase === 'quiet') {
      if (firing() || firedSince !== undefined) {
        await open(firedSince);
        continue;
      }
      state.quietUntil ??= Date.now() + QUIET_STAY_MS;
      const left = state.quietUntil - Date.now();
      if (left > 0 && (await condition(news, left))) continue;
      if (news()) continue;
      await condition(allHandlersFinished);
      if (news()) continue;
      return;
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
      if (firing() || firedSince !== undefined) {
        noteReturn(Date.now());
        state.phase = 'firing';
        state.resolvedAt = undefined;
        state.confirmation = undefined;
        await showMessage();
        continue;
      }
      const holdDown = state.confirmation === 'down' ? Math.max(route.holdDownMs, MIN_RECHECK_MS) : route.holdDownMs;
      const left = (state.resolvedAt ?? 0) + holdDown - Date.now();
      if (left > 0 && (await condition(news, left))) continue;
      if (news()) continue;
      if (!(await confirmed())) {
        // Alertmanager says resolved, Prometheus says not yet (or does not answer): hold down again and ask again.
        const first = state.confirmation !== 'down';
        state.confirmation = 'down';
        state.resolvedAt = Date.now();
        if (first) await showMessage();
        continue;
      }
      if (route.confirm) state.confirmation = 'up';
      await close();
      continue;
    }
    // Cleared: a return within the reopen window reopens the ticket; after it, the run ends and a new incident starts fresh.
    if (firing() || firedSince !== undefined) {
      await reopen(firedSince);
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
    if (news()) continue;
    return;
  }
  await condition(allHandlersFinished);
  await continueAsNew<typeof incidentWorkflow>({ host, route, state });
}
