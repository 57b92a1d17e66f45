/**
 * Hands alert events to their incidents: grouped by incident, one
 * signal-with-start each (started on first sight), a few at a time. Used by
 * the Alertmanager receiver and by the reconciler, so both act alike.
 */
import type { Client } from '@temporalio/client';
import type { DutydeskConfig } from '../../config/schema';
import { routeAlert } from '../../config/incident-routing';
import { inParallel } from '../../lib/in-parallel';
import { TASK_QUEUES } from '../../workers/task-queues';
import { alertsSignal, type AlertEvent, type IncidentInput, type IncidentRoute } from '../../workflows/incident/definitions';

export interface Delivery {
  /** Incidents signalled. */
  incidents: number;
  accepted: number;
  /** Alerts no route takes: left alone, named here so the log can say so. */
  unrouted: string[];
}

/** Temporal's own limit on a signal's payload is 2 MiB; batches stay well under it. */
const EVENTS_PER_SIGNAL = 200;

export async function deliverAlertEvents(client: Client, config: DutydeskConfig, events: AlertEvent[], parallel = 16): Promise<Delivery> {
  const byIncident = new Map<string, { host?: string; route: IncidentRoute; events: AlertEvent[] }>();
  const unrouted: string[] = [];
  for (const event of events) {
    const routed = routeAlert(config, event);
    if (!routed) {
      unrouted.push(`${event.alertname} (${event.fingerprint})`);
      continue;
    }
    const entry = byIncident.get(routed.incidentId) ?? { host: routed.host, route: routed.route, events: [] };
    entry.events.push(event);
    byIncident.set(routed.incidentId, entry);
  }
  const batches = [...byIncident].flatMap(([incidentId, entry]) => {
    const chunks: { incidentId: string; host?: string; route: IncidentRoute; events: AlertEvent[] }[] = [];
    for (let i = 0; i < entry.events.length; i += EVENTS_PER_SIGNAL) chunks.push({ incidentId, host: entry.host, route: entry.route, events: entry.events.slice(i, i + EVENTS_PER_SIGNAL) });
    return chunks;
  });
  await inParallel(batches, parallel, async (batch) => {
    const input: IncidentInput = { host: batch.host, route: batch.route };
    await client.workflow.signalWithStart('incidentWorkflow', {
      workflowId: batch.incidentId,
      taskQueue: TASK_QUEUES.desk,
      args: [input],
      signal: alertsSignal,
      signalArgs: [{ events: batch.events, route: batch.route }],
    });
  });
  return { incidents: byIncident.size, accepted: events.length - unrouted.length, unrouted };
}
