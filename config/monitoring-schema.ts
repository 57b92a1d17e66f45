/**
 * Monitoring: the Alertmanager receivers that post alerts to dutydesk, where
 * each alert goes (routes by labels and host groups: a chat, a ticket queue, a
 * Prometheus query that confirms recovery), who the client is per host group,
 * and the incident timings (hold-down, reopen window, flapping).
 */
import { z } from 'zod';
import { LANGUAGES } from '../lib/i18n';
import { duration, httpPeer, name, secretRef } from './schema-parts';

/** A Prometheus label name, as Prometheus allows it. */
const labelName = z.string().regex(/^[a-zA-Z_][a-zA-Z0-9_]*$/, 'expected a label name such as alertname, severity or host');

/** A regular expression matched against the whole label value, as Prometheus and Alertmanager match them. */
const labelPattern = z.string().superRefine((pattern, ctx) => {
  try {
    new RegExp(`^(?:${pattern})$`);
  } catch (err) {
    ctx.addIssue({ code: z.ZodIssueCode.custom, message: `not a regular expression: ${(err as Error).message}` });
  }
});



const stormSchema = z
  .object({
    individually: z.number().int().min(0).max(100).default(5),
    window: duration.refine((ms) => ms >= 5_000 && ms <= 3_600_000, 'expected from 5s to 1h').default('1m'),
  })
  .strict();

export const routeSchema = z
  .object({
    /** Label values the alert must have, exactly. */
    match: z.record(labelName, z.string()).default({}),
    /** Label values the alert must match, whole (regular expressions). */
    matchRe: z.record(labelName, labelPattern).default({}),
    /** The alert's host (by monitoring.hostLabel) must be in one of these host groups. */
    hostGroups: z.array(z.string().min(1)).optional(),
    /** The chat (from chats) where the incident is posted. */
    chat: z.string().min(1),
    /** Language of the incident's messages (en when absent). */
    language: z.enum(LANGUAGES).optional(),
    /**
     * Where its ticket is opened: a ticket system and a queue (RT) or project (Jira). The queue must be
     * one no ticket group watches: the incident announces its own ticket, with its own buttons.
     */
    ticket: z.object({ system: name, queue: z.string().min(1) }).strict().optional(),
    /**
     * A PromQL query that returns a result while the host is healthy, asked after the hold-down before the
     * incident is closed; {host} stands for the incident's host. For example: up{host="{host}"} == 1
     */
    confirm: z.string().min(1).max(2000).optional(),
    /** This route's own storm limits, instead of monitoring.storm. */
    storm: stormSchema.optional(),
  })
  .strict();
export type RouteConfig = z.infer<typeof routeSchema>;

const clientSchema = z
  .object({
    /** A chat (from chats) told when the host is up again after an incident. */
    chat: z.string().min(1).optional(),
    /** E-mail addresses made requestors of the host group's incident tickets: RT mails them the "up again" reply. */
    requestors: z.array(z.string().email('expected an e-mail address')).default([]),
  })
  .strict();

export const monitoringSchema = z
  .object({
    /** Prometheus's HTTP API: recovery checks, `health` and `status <host>`. */
    prometheus: httpPeer.optional(),
    /** Alertmanager's API v2: silences from chat and the reconciler's comparison. */
    alertmanager: httpPeer.optional(),
    /**
     * Alertmanager webhook receivers, each posting to /alerts/<name> with its bearer token
     * (in alertmanager.yml: http_config.authorization.credentials_file holding the same token).
     */
    receivers: z
      .record(
        name,
        z
          .object({
            token: secretRef,
            /**
             * The hosts this receiver may raise incidents for, by host group ("*": any configured host); absent: any
             * alert. A team's Alertmanager with its own token cannot open incidents of another team's hosts.
             */
            hostGroups: z.array(z.string().min(1)).min(1).optional(),
          })
          .strict(),
      )
      .refine((r) => Object.keys(r).length > 0, 'expected at least one receiver, e.g. ops: { token: { env: DUTYDESK_ALERTS_TOKEN } }'),
    /** The label naming a configured host: all of a host's alerts make one incident, one ticket. */
    hostLabel: labelName.default('host'),
    /** How long every alert of an incident must stay resolved before it is closed, so a flap does not close and reopen it. */
    holdDown: duration.refine((ms) => ms >= 0 && ms <= 86_400_000, 'expected from 0s to 1d').default('2m'),
    /** A new firing this soon after a close reopens the same ticket; later ones open a new ticket. */
    reopenWindow: duration.refine((ms) => ms >= 0 && ms <= 30 * 86_400_000, 'expected from 0s to 30d').default('1h'),
    /** More than `count` returns within `window` mark an incident flapping: its chat hears no more of it until it settles. */
    flapping: z
      .object({ count: z.number().int().min(1).max(1000).default(3), window: duration.refine((ms) => ms >= 60_000, 'expected at least 1m').default('1h') })
      .strict()
      .default({}),
    /** Storms: past this many incident messages a window in one chat, the rest come as one digest a window. */
    storm: stormSchema.default({}),
    /** How often open incidents are compared with Alertmanager's alerts (a Temporal Schedule); "off" to never. */
    reconcile: z.union([z.literal('off'), duration.refine((ms) => ms >= 10_000, 'expected at least 10s, or "off"')]).default('1m'),
    /** First match wins; an alert no route matches is logged and left alone. */
    routes: z.array(routeSchema).min(1, 'expected at least one route, e.g. { chat: ops }'),
    /** Per host group: who is told that the host is up again. */
    clients: z.record(z.string().min(1), clientSchema).default({}),
  })
  .strict();
export type MonitoringConfig = z.infer<typeof monitoringSchema>;
