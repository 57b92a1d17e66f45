/**
 * Incident activities: the group message and the "up again" notes through
 * the chats' outboxes (keys tie each to its incident and round, so a retry
 * never posts twice), the incident's ticket, Prometheus's confirmation,
 * Alertmanager's silences, and the reconciler's comparison.
 */
import { ApplicationFailure, Context } from '@temporalio/activity';
import type { Client } from '@temporalio/client';
import type { LoadedConfig } from '../../config/load';
import { routeAlert } from '../../config/incident-routing';
import { alertEvent, heldAlertSchema, payloadProblem } from '../../lib/alerts/alertmanager-webhook';
import { digestEntry, incidentTicketText, incidentTicketTitle, renderIncidentDigest, renderIncidentMessage, renderRecovery } from '../../lib/messages/incidents';
import { TASK_QUEUES } from '../../workers/task-queues';
import { admitSignal, incidentDigestId, type AdmitRequest, type DigestEntry, type StormPolicy } from '../../workflows/incident/digest-definitions';
import type { ChatMessage } from '../chat/port';
import { t } from '../../lib/i18n';
import { runLink } from '../../lib/temporal-ui';
import type { ChatRef } from '../../workflows/restart/definitions';
import { INCIDENT_PREFIX, presenceSignal, type AlertEvent, type IncidentRoute, type IncidentSilence, type IncidentTicket } from '../../workflows/incident/definitions';
import type { IncidentView } from '../../workflows/incident/view';
import { enqueueChatMessage } from '../chat/outbox-client';
import { guard, refused } from '../tickets/guard';
import type { TicketSystem } from '../tickets/port';
import type { TicketSystems } from '../tickets/systems';
import { deliverAlertEvents } from './intake';
import { metrics } from '../../lib/metrics';
import { MonitoringRefused, monitoringPeers } from './monitoring-http';

export interface IncidentActivityDeps {
  config: LoadedConfig;
  client: Client;
  systems: TicketSystems;
  log?: (line: string) => void;
}

/** Monitoring's refusals (a bad query, an unknown silence) are final; outages are retried. */
async function monitoringCall<T>(work: () => Promise<T>): Promise<T> {
  try {
    return await work();
  } catch (err) {
    if (err instanceof MonitoringRefused) throw ApplicationFailure.nonRetryable(err.message, 'MonitoringRefused');
    throw err;
  }
}

export function createIncidentActivities({ config, client, systems, log = console.error }: IncidentActivityDeps) {
  const runUrl = (workflowId: string) => runLink(config.temporal.uiUrl, config.temporal.namespace, workflowId);
  const system = (name: string): TicketSystem => systems.get(name) ?? refused(`no ticket system "${name}" in the configuration`);
  const { prometheus, alertmanager } = monitoringPeers(config);
  // The chain tells this incident from an earlier one of the same host (same workflow id, a new run).
  const messageKey = (view: IncidentView) => `${view.workflowId}/${view.chain}/${view.round}`;
  const requireAlertmanager = () => alertmanager ?? refused('Alertmanager is not configured: set monitoring.alertmanager.url');

  /** Hands a message to the chat's digest, which admits it on its own or lists it (a storm); signal-with-start, never waiting. */
  const admit = (chat: ChatRef, language: string, request: AdmitRequest): Promise<unknown> =>
    client.workflow.signalWithStart('incidentDigestWorkflow', {
      workflowId: incidentDigestId(chat),
      taskQueue: TASK_QUEUES.desk,
      args: [{ chat, language }],
      signal: admitSignal,
      signalArgs: [request],
    });

  return {
    /** Posts the round's group message, or edits it to match the incident now. */
    async postIncidentMessage(input: { view: IncidentView }): Promise<void> {
      const message = renderIncidentMessage(input.view, { now: Date.now(), runUrl: runUrl(input.view.workflowId) });
      await enqueueChatMessage(client, input.view.chat, { key: messageKey(input.view), mode: 'upsert', message });
    },

    /** Asks the chat's digest whether the round's group message goes on its own or, in a storm, into the digest; the answer comes by signal. */
    async admitIncidentMessage(input: { view: IncidentView; policy: StormPolicy }): Promise<void> {
      const { view } = input;
      await admit(view.chat, view.language, { key: messageKey(view), entry: digestEntry(view, 'down', runUrl(view.workflowId)), policy: input.policy, reply: { workflowId: view.workflowId, round: view.round } });
    },

    /** A note the digest admitted on its own. */
    async postIncidentNote(input: { chat: ChatRef; key: string; message: ChatMessage }): Promise<void> {
      await enqueueChatMessage(client, input.chat, { key: input.key, mode: 'new', message: input.message });
    },

    /** One digest message listing what came in the window, with tickets and runs linked. */
    async postIncidentDigest(input: { chat: ChatRef; language: string; entries: DigestEntry[]; key: string }): Promise<void> {
      await enqueueChatMessage(client, input.chat, { key: input.key, mode: 'new', message: { text: renderIncidentDigest(input.entries, input.language) } });
    },

    /** Says in the group what went wrong beside the incident (its ticket could not be opened), once per round. */
    async reportIncidentProblem(input: { view: IncidentView; problem: string; n?: number }): Promise<void> {
      log(`dutydesk worker: incident ${input.view.workflowId}: ${input.problem}`);
      const text = t(input.view.language, 'incident.problem', { problem: input.problem.slice(0, 500) });
      await enqueueChatMessage(client, input.view.chat, { key: `${messageKey(input.view)}/problem/${input.n ?? 1}`, mode: 'new', message: { text } });
    },

    /**
     * Opens the incident's ticket with the alert's facts. Ticket systems take no idempotency key,
     * so a retry first looks for the ticket an earlier attempt may have opened (its title names
     * the host and the minute the outage began). Later, the incident knows its ticket by id.
     */
    async openIncidentTicket(input: { view: IncidentView; ticket: { system: string; queue: string }; requestors: string[] }): Promise<IncidentTicket> {
      const sys = system(input.ticket.system);
      const title = incidentTicketTitle(input.view);
      const info = Context.current().info;
      if (info.attempt > 1) {
        const since = new Date(info.scheduledTimestampMs - 60_000);
        const recent = await guard(() => sys.changes([input.ticket.queue], undefined, since));
        const earlier = recent.tickets.find((ticket) => ticket.title === title);
        if (earlier) return { system: input.ticket.system, id: earlier.id, url: earlier.url };
      }
      // Requestors are RT's: it mails them its replies. Jira's one reporter is an account, never a list of addresses.
      const rt = config.tickets?.systems[input.ticket.system]?.type === 'rt';
      const created = await guard(() =>
        sys.create({ queue: input.ticket.queue, title, text: incidentTicketText(input.view, runUrl(input.view.workflowId)), requester: (rt && input.requestors.join(', ')) || undefined }),
      );
      metrics.incidentTickets().inc({ action: 'opened' });
      return { system: input.ticket.system, ...created };
    },

    /** The requestors' reply: RT mails its correspondence to them. */
    async correspondIncidentTicket(input: { view: IncidentView }): Promise<void> {
      const ticket = input.view.ticket;
      if (!ticket) return;
      await guard(() => system(ticket.system).correspond(ticket.id, renderRecovery(input.view, 'client')));
    },

    async closeIncidentTicket(input: { view: IncidentView }): Promise<void> {
      const ticket = input.view.ticket;
      if (!ticket) return;
      const note = `Resolved by dutydesk: every alert of this incident has been resolved for the hold-down${input.view.confirmation === 'up' ? ' and Prometheus confirms the recovery' : ''}. ${runUrl(input.view.workflowId)}`;
      await guard(() => system(ticket.system).close(ticket.id, note));
      metrics.incidentTickets().inc({ action: 'closed' });
    },

    async reopenIncidentTicket(input: { view: IncidentView }): Promise<void> {
      const ticket = input.view.ticket;
      if (!ticket) return;
      await guard(() => system(ticket.system).reopen(ticket.id, `Reopened by dutydesk: the alert fired again. ${runUrl(input.view.workflowId)}`));
      metrics.incidentTickets().inc({ action: 'reopened' });
    },

    /** "Up again" to the group (a new message, so people see it) and to the client's chat when there is one. */
    async announceRecovery(input: { view: IncidentView; clientChat?: ChatRef; settled?: boolean; policy: StormPolicy }): Promise<void> {
      const { view } = input;
      const suffix = input.settled ? 'settled' : 'up';
      const entry = digestEntry(view, 'up', runUrl(view.workflowId));
      // Through each chat's digest: in a storm, "up again" notes are listed like the firing ones.
      await admit(view.chat, view.language, { key: `${messageKey(view)}/${suffix}`, entry, policy: input.policy, note: { text: renderRecovery(view, 'group', input.settled) } });
      if (input.clientChat) await admit(input.clientChat, view.language, { key: `${messageKey(view)}/client/${suffix}`, entry, policy: input.policy, note: { text: renderRecovery(view, 'client', input.settled) } });
    },

    /** "up" when the route's query returns at least one series, "down" when it returns none. */
    async confirmRecovery(input: { query: string }): Promise<'up' | 'down'> {
      if (!prometheus) return 'up';
      const samples = await monitoringCall(() => prometheus.query(input.query));
      return samples.length > 0 ? 'up' : 'down';
    },

    /**
     * An Alertmanager silence for the incident's alerts: its host's (by the host label) or, for an
     * alert of no host, that alert's labels. createdBy is the person, the comment links the ticket.
     */
    async createIncidentSilence(input: { workflowId: string; host?: string; labels: Record<string, string>; durationMs: number; by: string; ticketUrl?: string }): Promise<IncidentSilence> {
      const am = requireAlertmanager();
      const hostLabel = config.monitoring?.hostLabel ?? 'host';
      // An alert of no host: its labels, and no host label at all, so the same alert on a host is not silenced with it.
      const matchers = input.host
        ? [{ name: hostLabel, value: input.host, isRegex: false, isEqual: true }]
        : [...Object.entries(input.labels).map(([name, value]) => ({ name, value, isRegex: false, isEqual: true })), ...(Object.hasOwn(input.labels, hostLabel) ? [] : [{ name: hostLabel, value: '', isRegex: false, isEqual: true }])];
      if (matchers.length === 0) refused('the alert has no labels to silence it by');
      const now = Date.now();
      const until = now + input.durationMs;
      const id = await monitoringCall(() =>
        am.createSilence({ matchers, startsAt: new Date(now).toISOString(), endsAt: new Date(until).toISOString(), createdBy: input.by, comment: `dutydesk: ${input.ticketUrl ?? runUrl(input.workflowId)}` }),
      );
      return { id, until, by: input.by };
    },

    /** Expires the silence; one already expired (or gone) is done, as Alertmanager refuses to expire it again. */
    async expireIncidentSilence(input: { id: string }): Promise<void> {
      const am = requireAlertmanager();
      const silence = await am.silence(input.id).catch((err) => (err instanceof MonitoringRefused ? undefined : Promise.reject(err)));
      if (!silence || silence.status.state === 'expired') return;
      await monitoringCall(() => am.expireSilence(input.id));
    },

    /**
     * The reconciler's round: every alert Alertmanager holds goes to its incident (a firing whose
     * webhook was lost opens one), and each running incident hears which of its alerts are there,
     * so one whose alert has gone for two rounds resolves it (Alertmanager does lose resolves).
     */
    async reconcileAlerts(): Promise<{ alerts: number; incidents: number; started: number }> {
      const am = requireAlertmanager();
      const held = await monitoringCall(() => am.alerts());
      // Per incident: what Alertmanager sends on (active), and all it holds (silenced and inhibited ones are not gone).
      const byIncident = new Map<string, { route: IncidentRoute; events: AlertEvent[]; present: string[] }>();
      for (const raw of held) {
        const parsed = heldAlertSchema.safeParse(raw);
        if (!parsed.success) {
          log(`dutydesk worker: reconciler skipped an alert Alertmanager holds: ${payloadProblem(parsed.error)}`);
          continue;
        }
        const alert = parsed.data;
        const event = alertEvent({ ...alert, status: 'firing' });
        const routed = routeAlert(config, event);
        if (!routed) continue;
        const entry = byIncident.get(routed.incidentId) ?? { route: routed.route, events: [], present: [] };
        entry.present.push(event.fingerprint);
        if (alert.status.state === 'active') entry.events.push(event);
        byIncident.set(routed.incidentId, entry);
      }
      const running = new Set<string>();
      for await (const wf of client.workflow.list({ query: `WorkflowType = 'incidentWorkflow' AND ExecutionStatus = 'Running'` })) {
        if (wf.workflowId.startsWith(INCIDENT_PREFIX)) running.add(wf.workflowId);
      }
      const at = Date.now();
      for (const workflowId of running) {
        const entry = byIncident.get(workflowId);
        // An incident none of whose alerts Alertmanager holds hears so too, and keeps its route.
        await client.workflow
          .getHandle(workflowId)
          .signal(presenceSignal, { firing: entry?.events ?? [], present: entry?.present ?? [], at, route: entry?.route })
          .catch((err) => log(`dutydesk worker: reconciler could not reach ${workflowId}: ${(err as Error).message}`));
        Context.current().heartbeat();
      }
      const missing = [...byIncident].filter(([id]) => !running.has(id)).flatMap(([, entry]) => entry.events);
      const delivery = missing.length ? await deliverAlertEvents(client, config, missing) : { incidents: 0 };
      return { alerts: held.length, incidents: running.size, started: delivery.incidents };
    },
  };
}
