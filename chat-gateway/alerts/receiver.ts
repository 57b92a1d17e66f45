/**
 * Alertmanager's webhook: POST /alerts/<receiver> with "Authorization: Bearer
 * <token>" (alertmanager.yml: http_config.authorization.credentials_file).
 * Each alert is acted on by its own status (the payload's top-level status
 * says "firing" while any alert of the group fires). The answer is 200 only
 * once every alert is in Temporal; 503 while Temporal is away, since
 * Alertmanager retries 5xx only; 400, with the field, for a malformed payload;
 * 403 when a receiver limited to host groups sent only alerts of other hosts.
 */
import { createHash, timingSafeEqual } from 'node:crypto';
import express, { type RequestHandler, type Router } from 'express';
import type { Client } from '@temporalio/client';
import { readSecret, type LoadedConfig } from '../../config/load';
import { receiverTakes } from '../../config/incident-routing';
import { deliverAlertEvents } from '../../activities/incidents/intake';
import { alertEvent, payloadProblem, webhookPayloadSchema } from '../../lib/alerts/alertmanager-webhook';
import { own } from '../../lib/own';
import { refuseUnread } from '../body-errors';
import { metrics } from '../../lib/metrics';

/** 1000 alerts with long annotations fit; Alertmanager's max_alerts keeps real groups far smaller. */
const BODY_LIMIT = '16mb';

/** Compared as SHA-256 digests: equal lengths always, so the time taken tells nothing of the token, not even its length. */
function tokenMatches(expected: string, header: string | undefined): boolean {
  const given = /^Bearer\s+(\S+)\s*$/i.exec(header ?? '')?.[1];
  if (!given || !expected) return false;
  const digest = (text: string) => createHash('sha256').update(text).digest();
  return timingSafeEqual(digest(expected), digest(given));
}

export function alertReceiverRouter(config: LoadedConfig, client: Client, log: (line: string) => void = console.error): Router {
  const router = express.Router();
  const receivers = config.monitoring?.receivers ?? {};
  // Who is calling is settled before the body is read.
  const allowed: RequestHandler = (req, res, next) => {
    const name = String(req.params.receiver);
    const receiver = own(receivers, name);
    // Counted by status once answered; an unknown receiver's name is not a label (anyone may send any).
    res.on('finish', () => metrics.alertRequests().inc({ receiver: receiver ? name : '(unknown)', status: String(res.statusCode) }));
    if (!receiver) return refuseUnread(res, 404, `no Alertmanager receiver "${name.slice(0, 100)}": add it to monitoring.receivers`);
    if (!tokenMatches(readSecret(receiver.token, config).trim(), req.get('authorization'))) {
      return refuseUnread(res, 401, `missing or wrong bearer token for receiver "${name}": set http_config.authorization.credentials_file in alertmanager.yml to a file holding monitoring.receivers.${name}.token`, { 'www-authenticate': 'Bearer realm="dutydesk alerts"' });
    }
    next();
  };
  router.post('/alerts/:receiver', allowed, express.json({ limit: BODY_LIMIT, type: () => true }), async (req, res) => {
    const name = String(req.params.receiver);
    const parsed = webhookPayloadSchema.safeParse(req.body);
    if (!parsed.success) {
      res.status(400).json({ error: `not an Alertmanager webhook payload (version 4): ${payloadProblem(parsed.error)}` });
      return;
    }
    const payload = parsed.data;
    if (payload.truncatedAlerts > 0) {
      log(`dutydesk gateway: Alertmanager left ${payload.truncatedAlerts} alert(s) out of a payload to receiver ${name} (max_alerts in alertmanager.yml); the reconciler reads them from Alertmanager's API`);
    }
    // A receiver limited to host groups raises nothing for other hosts: a leaked team token is no key to every incident.
    const hostGroups = own(receivers, name)?.hostGroups;
    const events = payload.alerts.map(alertEvent);
    const taken = events.filter((e) => receiverTakes(config, hostGroups, e.labels));
    const refused = events.length - taken.length;
    if (refused > 0) {
      log(`dutydesk gateway: receiver ${name} sent ${refused} alert(s) of hosts outside its host groups (${hostGroups?.join(', ')}); they were ignored`);
      if (taken.length === 0) {
        res.status(403).json({ error: `receiver "${name}" may raise incidents only for hosts in ${hostGroups?.join(', ')} (monitoring.receivers.${name}.hostGroups); none of the ${refused} alert(s) is one` });
        return;
      }
    }
    try {
      const delivery = await deliverAlertEvents(client, config, taken);
      metrics.alertsAccepted().inc({ receiver: name }, delivery.accepted);
      if (delivery.unrouted.length) log(`dutydesk gateway: no monitoring route takes ${delivery.unrouted.slice(0, 5).join(', ')}${delivery.unrouted.length > 5 ? ` and ${delivery.unrouted.length - 5} more` : ''}; add a route (monitoring.routes) to hear of them`);
      res.status(200).json({ accepted: delivery.accepted, incidents: delivery.incidents, unrouted: delivery.unrouted.length, refused, truncatedAlerts: payload.truncatedAlerts });
    } catch (err) {
      // Nothing is lost: Alertmanager sends the whole group again, and repeats are ignored by each incident.
      log(`dutydesk gateway: alerts for receiver ${name} not handed over: ${(err as Error).message}`);
      res.status(503).set('retry-after', '10').json({ error: 'Temporal is not reachable; Alertmanager should retry' });
    }
  });
  return router;
}
