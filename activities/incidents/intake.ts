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

/** Temporal refuses a signal over 2 MiB: batches are cut by size (an event may be ~30 KB), well under it. */
const SIGNAL_BYTES = 256 * 1024;

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
    let bytes = 0;
    for (const event of entry.events) {
      const size = Buffer.byteLength(JSON.stringify(event));
      const last = chunks[chunks.length - 1];
      if (!last || bytes + size > SIGNAL_BYTES) {
        chunks.push({ incidentId, host: entry.host, route: entry.route, events: [event] });
        bytes = size;
      } else {
        last.events.push(event);
        bytes += size;
      }
    }
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
