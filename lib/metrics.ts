/**
 * dutydesk's own Prometheus metrics (prom-client): the process's defaults and
 * a few counters of what it does, served at /metrics by the gateway and the
 * worker, so the Prometheus that watches the hosts watches dutydesk too.
 * One registry per process; the counters are made once, on first use.
 */
import { collectDefaultMetrics, Counter, Registry } from 'prom-client';

export const registry = new Registry();
let defaultsCollected = false;

/** Starts collecting the process's default metrics (CPU, memory, event loop) under the component's label. */
export function collectProcessMetrics(component: 'gateway' | 'worker'): void {
  if (defaultsCollected) return;
  defaultsCollected = true;
  registry.setDefaultLabels({ component });
  collectDefaultMetrics({ register: registry, prefix: 'dutydesk_' });
}

const counters = new Map<string, Counter<string>>();
function counter(name: string, help: string, labelNames: string[]): Counter<string> {
  let made = counters.get(name);
  if (!made) {
    made = new Counter({ name, help, labelNames, registers: [registry] });
    counters.set(name, made);
  }
  return made;
}

export const metrics = {
  /** Alertmanager deliveries by receiver and answer (200, 400, 401, 404, 503). */
  alertRequests: () => counter('dutydesk_alert_requests_total', 'Alertmanager webhook deliveries, by receiver and HTTP status answered', ['receiver', 'status']),
  /** Alerts handed to incidents. */
  alertsAccepted: () => counter('dutydesk_alerts_accepted_total', 'Alerts handed to their incidents, by receiver', ['receiver']),
  /** Chat commands and button presses by outcome (done, refused, unknown, failed). */
  chatActions: () => counter('dutydesk_chat_actions_total', 'Chat commands and button presses handled, by outcome', ['outcome']),
  /** Incident tickets opened, closed and reopened. */
  incidentTickets: () => counter('dutydesk_incident_tickets_total', 'Incident tickets, by what was done to them', ['action']),
  /** Failures reported, by source. */
  failuresReported: () => counter('dutydesk_failures_reported_total', 'Failures reported to the ops chat, by source', ['source']),
};

/** The registry's text, with more exposition text (the Temporal SDK's own metrics) after it. */
export async function metricsText(more: () => Promise<string> = async () => ''): Promise<string> {
  const own = await registry.metrics();
  const extra = await more().catch(() => '');
  return extra ? `${own}\n${extra}` : own;
}
