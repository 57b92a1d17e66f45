/**
 * The shape of dutydesk's one YAML configuration file, with the cross-checks
 * (roles that exist, chats that exist, services with steps) that a type alone
 * cannot express. Every message names the key and says what is expected.
 */
import path from 'node:path';
import { z } from 'zod';
import { LANGUAGES } from '../lib/i18n';
import { duration, name, secretRef, timeZone } from './schema-parts';
import { ticketsSchema } from './tickets-schema';
import { consoleSchema, demoExposure, listenersClash, listenHost } from './console-schema';
import { dumpsSchema } from './dumps-schema';
import { hostSchema, sshSchema } from './hosts-schema';
import { forecastSchema } from './forecast-schema';
import { actionsSchema, checkActions, inventorySchema } from './actions-schema';
import { checkTeams, teamsSchema } from './teams-schema';
import { monitoringSchema } from './monitoring-schema';

export type { SecretRef } from './schema-parts';
export type { HostConfig, HostKeyConfig, ServiceConfig, SshConfig, StepConfig } from './hosts-schema';

/** Capabilities a role can grant. Declarative data: the engine stays generic. */
export const CAPABILITIES = ['status', 'restart', 'approve', 'tickets', 'remind', 'dump', 'forecast', 'audit', 'silence'] as const;
export type Capability = (typeof CAPABILITIES)[number];

const roleSchema = z
  .object({
    can: z.array(z.enum(CAPABILITIES)).min(1),
    /** Host groups the role's capabilities apply to; "*" for every host. */
    hostGroups: z.array(z.string()).default(['*']),
  })
  .strict();
export type RoleConfig = z.infer<typeof roleSchema>;

const userSchema = z
  .object({
    id: name,
    name: z.string().min(1),
    roles: z.array(z.string()).min(1),
    /** en, es, fr, it or ru; when absent, the chat platform's locale, else English. */
    language: z.enum(LANGUAGES).optional(),
    /** Where the person reads times (IANA zone); when absent, their group's reminder zone, else UTC. */
    timeZone: timeZone.optional(),
    /** Telegram user id (a number, as Telegram shows it). */
    telegram: z.union([z.number().int(), z.string().regex(/^\d+$/, 'expected a numeric Telegram user id')]).transform(String).optional(),
    /** Slack member id, e.g. U0123ABCD. */
    slack: z.string().regex(/^[UW][A-Z0-9]+$/, 'expected a Slack member id such as U0123ABCD').optional(),
    /** The person's login in each ticket system, by system name, e.g. { rt: alice }. */
    tickets: z.record(name, z.string().min(1)).default({}),
  })
  .strict();
export type UserConfig = z.infer<typeof userSchema>;

/** A chat is named once and mapped to each platform's own id. */
const chatSchema = z
  .object({
    title: z.string().min(1),
    /** The web console's name for it; "dm-…" names are people's direct chats there. */
    web: z.string().refine((v) => !v.startsWith('dm-'), 'dm-… is how the console names a person\'s direct chat: give the group another name').optional(),
    /** Telegram chat id: negative for groups, e.g. -1001234567890. */
    telegram: z.union([z.number().int(), z.string().regex(/^-?\d+$/, 'expected a numeric Telegram chat id')]).transform(String).optional(),
    /** Slack channel id, e.g. C0123ABCD. */
    slack: z.string().regex(/^[CGD][A-Z0-9]+$/, 'expected a Slack channel id such as C0123ABCD').optional(),
  })
  .strict();

/** Within the delivery activity's own 3 minutes, with room for the calls before and after the upload. */
const uploadTimeout = duration.default('2m').refine((ms) => ms >= 1000 && ms <= 120_000, 'expected from 1s to 2m (a delivery attempt has 3 minutes in all)');

const listen = z.string().regex(/^[^:\s]+:\d{1,5}$/, 'expected host:port, for example 127.0.0.1:8080');

const baseSchema = z
  .object({
    temporal: z
      .object({
        address: z.string().default('127.0.0.1:7233'),
        namespace: z.string().default('default'),
        uiUrl: z.string().url().default('http://127.0.0.1:8233'),
        /**
         * TLS to the cluster: true (the system's CAs), or a server CA, a server
         * name and, for mTLS, a client certificate and key (PEM, as secrets).
         */
        tls: z
          .union([
            z.boolean(),
            z
              .object({ serverName: z.string().min(1).optional(), serverCa: secretRef.optional(), clientCert: secretRef.optional(), clientKey: secretRef.optional() })
              .strict()
              .refine((t) => !t.clientCert === !t.clientKey, { message: 'mTLS needs both clientCert and clientKey', path: ['clientKey'] }),
          ])
          .optional(),
        /** An API key (Temporal Cloud); implies TLS unless tls is false. */
        apiKey: secretRef.optional(),
      })
      .strict()
      .default({}),
    gateway: z
      .object({
        /** The web console, the bot API the worker posts through and the HTTP API; also public intake unless intakeListen is set. */
        listen: listen.default('127.0.0.1:8080'),
        /**
         * Public intake on a listener of its own: Slack events, the Telegram webhook, ticket webhooks and dump links,
         * which outside services must reach, while listen (the console) stays on an internal address.
         */
        intakeListen: listen.optional(),
        /** How the worker reaches the gateway (e.g. http://gateway:8080 in docker-compose); defaults to the listen address. */
        internalUrl: z.string().url().optional(),
        /** Token the worker's chat activities present to the web console's bot API. */
        consoleToken: secretRef.optional(),
        /** Where files people send the bot are kept for a day; the worker reads them too (a shared volume in docker-compose). */
        incomingDir: z.string().min(1).default(() => path.join(process.env.DUTYDESK_DATA_DIR ?? '.data', 'incoming')),
        /** Sign-in to the web console. */
        console: consoleSchema.default({}),
      })
      .strict()
      .superRefine((g, ctx) => {
        const exposed = g.console.signIn === 'demo' ? demoExposure(g.listen) : undefined;
        if (exposed) ctx.addIssue({ code: z.ZodIssueCode.custom, path: ['console', 'signIn'], message: exposed });
        if (g.intakeListen && listenersClash(g.listen, g.intakeListen)) {
          ctx.addIssue({ code: z.ZodIssueCode.custom, path: ['intakeListen'], message: `intakeListen ${g.intakeListen} takes the port of listen ${g.listen}: give public intake another port (such as ${listenHost(g.intakeListen)}:8081), or leave intakeListen out to serve both on listen` });
        }
      })
      .default({}),
    worker: z
      .object({
        hostConcurrency: z.number().int().min(1).max(1000).default(20),
        stickyQueueTimeout: duration.default('10s'),
        /** Where the worker serves /metrics for Prometheus (its own and the Temporal SDK's); off when absent. */
        metricsListen: listen.optional(),
      })
      .strict()
      .default({}),
    restart: z
      .object({
        approvalTimeout: duration.default('15m'),
        stepTimeout: duration.default('5m'),
        heartbeatTimeout: duration.default('10s'),
      })
      .strict()
      .default({}),
    notify: z
      .object({
        approvals: z.string().optional(),
        /** Where admins are told (once per person) that someone unknown tried to use the bot. */
        admins: z.string().optional(),
      })
      .strict()
      .default({}),
    telegram: z
      .object({
        token: secretRef,
        apiRoot: z.string().url().default('https://api.telegram.org'),
        /** The bot's sending rate: the chat worker spaces calls evenly at it (Telegram allows about 30 in any second). */
        messagesPerSecond: z.number().positive().max(30).default(29),
        /** How long one file upload may take; after three uploads that time out, the message goes without its file, saying so. */
        uploadTimeout: uploadTimeout,
        /** Webhook mode instead of long polling: Telegram posts updates to <publicUrl>/telegram/webhook. */
        webhook: z
          .object({
            publicUrl: z.string().url(),
            /** Sent by Telegram in X-Telegram-Bot-Api-Secret-Token with every update; others are refused. */
            secretToken: secretRef,
          })
          .strict()
          .optional(),
      })
      .strict()
      .optional(),
    slack: z
      .object({
        botToken: secretRef,
        signingSecret: secretRef,
        apiUrl: z.string().url().default('https://slack.com/api/'),
        /** The slash command configured in the Slack app. */
        command: z.string().regex(/^\/[a-z0-9_-]+$/).default('/dutydesk'),
        /** New messages a second for the whole app (chat.postMessage: about 1 a second per channel, several hundred a minute in all). */
        messagesPerSecond: z.number().positive().max(50).default(5),
        /** Edits a minute for the whole app (chat.update is Tier 3: about 50 a minute). */
        updatesPerMinute: z.number().positive().max(600).default(50),
        /** As telegram.uploadTimeout. */
        uploadTimeout: uploadTimeout,
      })
      .strict()
      .optional(),
    roles: z.record(name, roleSchema),
    users: z.array(userSchema).min(1, 'expected at least one user'),
    chats: z.record(name, chatSchema).default({}),
    hosts: z.record(name, hostSchema).refine((h) => Object.keys(h).length > 0, 'expected at least one host'),
    ssh: sshSchema,
    tickets: ticketsSchema.optional(),
    dumps: dumpsSchema.default({}),
    /** Completion forecasts of requests made of subtasks (README, "Completion forecasts"). */
    forecast: forecastSchema.optional(),
    /** Failed runs and unexpected errors: posted to a chat and ticketed, grouped by fingerprint (README, "Failures reported"). */
    failures: z
      .object({
        /** Where failures are posted; notify.admins when absent. */
        chat: z.string().optional(),
        /** Where each failure's ticket is opened: a ticket system and a queue no ticket group watches. */
        ticket: z.object({ system: name, queue: z.string().min(1) }).strict().optional(),
        /** A repeat this soon after its ticket was resolved reopens it; a later one opens a new ticket. */
        reopenWithin: duration.default('14d'),
        /** Repeats are told at the 10th, 100th and 1000th, and otherwise at most this often. */
        repeatEvery: duration.refine((ms) => ms >= 1000, 'expected at least 1s').default('30m'),
      })
      .strict()
      .optional(),
    /** Alerts from Alertmanager become incidents: a message, a ticket, "up again" (README, "Monitoring and incidents"). */
    monitoring: monitoringSchema.optional(),
    /** What "where is <ip>" knows besides the hosts' addresses: networks with site, VLAN, owner (README, "Runbook actions"). */
    inventory: inventorySchema.default({}),
    /** Runbook actions as data: a grammar, roles, steps (README, "Runbook actions"). */
    actions: actionsSchema,
    /** Several teams in one deployment: members, chats, hosts, ticket groups, Confluence space (README, "Teams"). */
    teams: teamsSchema,
    /** The HTTP API: each token acts as a user, with that user's roles. */
    api: z
      .object({
        tokens: z.array(z.object({ user: name, token: secretRef }).strict()).default([]),
      })
      .strict()
      .default({}),
  })
  .strict();

export const configSchema = baseSchema.superRefine((cfg, ctx) => {
    const seenUsers = new Set<string>();
    cfg.users.forEach((user, i) => {
      if (seenUsers.has(user.id)) ctx.addIssue({ code: z.ZodIssueCode.custom, path: ['users', i, 'id'], message: `user id "${user.id}" is used twice` });
      seenUsers.add(user.id);
      user.roles.forEach((role, j) => {
        if (!cfg.roles[role]) {
          ctx.addIssue({
            code: z.ZodIssueCode.custom,
            path: ['users', i, 'roles', j],
            message: `unknown role "${role}"; defined roles: ${Object.keys(cfg.roles).join(', ')}`,
          });
        }
      });
    });
    const chatNames = Object.keys(cfg.chats);
    // One chat per id on each platform: two names for one room would let one name's rules (a team's) miss the other's.
    for (const platform of ['web', 'telegram', 'slack'] as const) {
      const seen = new Map<string, string>();
      for (const [chatName, chat] of Object.entries(cfg.chats)) {
        const id = chat[platform];
        if (id === undefined) continue;
        if (seen.has(id)) ctx.addIssue({ code: z.ZodIssueCode.custom, path: ['chats', chatName, platform], message: `${platform} chat "${id}" is chat ${seen.get(id)} already: name each room once` });
        else seen.set(id, chatName);
      }
    }
    const checkChat = (chat: string | undefined, path: (string | number)[]) => {
      if (chat !== undefined && !cfg.chats[chat]) {
        ctx.addIssue({ code: z.ZodIssueCode.custom, path, message: `unknown chat "${chat}"; defined chats: ${chatNames.join(', ') || '(none)'}` });
      }
    };
    checkChat(cfg.notify.approvals, ['notify', 'approvals']);
    checkChat(cfg.notify.admins, ['notify', 'admins']);
    checkTickets(cfg, ctx, checkChat);
    checkMonitoring(cfg, ctx, checkChat);
    checkActions({ actions: cfg.actions, hosts: cfg.hosts, roles: cfg.roles, chats: cfg.chats, approvalsChat: cfg.notify.approvals, confluence: cfg.inventory.confluence }, ctx);
    checkTeams({ teams: cfg.teams, users: cfg.users, chats: cfg.chats, hosts: cfg.hosts, ticketGroups: Object.keys(cfg.tickets?.groups ?? {}), actions: cfg.actions, approvalsChat: cfg.notify.approvals, confluenceSpace: cfg.inventory.confluence?.space }, ctx);
    const groups = new Set(Object.values(cfg.hosts).flatMap((h) => h.groups));
    cfg.inventory.confluence?.hostGroups.forEach((g, j) => {
      if (g !== '*' && !groups.has(g)) ctx.addIssue({ code: z.ZodIssueCode.custom, path: ['inventory', 'confluence', 'hostGroups', j], message: `no host is in group "${g}"` });
    });
    checkChat(cfg.failures?.chat, ['failures', 'chat']);
    if (cfg.failures?.ticket) checkIncidentQueue(cfg, ctx, cfg.failures.ticket, ['failures', 'ticket']);
    cfg.api.tokens.forEach((token, i) => {
      if (!seenUsers.has(token.user)) ctx.addIssue({ code: z.ZodIssueCode.custom, path: ['api', 'tokens', i, 'user'], message: `unknown user "${token.user}"` });
    });
    for (const [hostName, host] of Object.entries(cfg.hosts)) {
      for (const [svcName, svc] of Object.entries(host.services)) {
        (svc.steps ?? []).forEach((step, i) => checkChat(step.chat, ['hosts', hostName, 'services', svcName, 'steps', i, 'chat']));
      }
      if (host.production && !cfg.notify.approvals) {
        ctx.addIssue({
          code: z.ZodIssueCode.custom,
          path: ['notify', 'approvals'],
          message: `host "${hostName}" is production, so name the chat where approval requests go`,
        });
      }
    }
  });

export type DutydeskConfig = z.infer<typeof configSchema>;

/** Groups name systems and chats that exist; users' ticket logins name systems that exist. */
function checkTickets(cfg: z.infer<typeof baseSchema>, ctx: z.RefinementCtx, checkChat: (chat: string | undefined, path: (string | number)[]) => void) {
  const systems = Object.keys(cfg.tickets?.systems ?? {});
  for (const [groupName, group] of Object.entries(cfg.tickets?.groups ?? {})) {
    if (!systems.includes(group.system)) {
      ctx.addIssue({ code: z.ZodIssueCode.custom, path: ['tickets', 'groups', groupName, 'system'], message: `unknown ticket system "${group.system}"; defined: ${systems.join(', ')}` });
    }
    checkChat(group.chat, ['tickets', 'groups', groupName, 'chat']);
  }
  const defaultGroup = cfg.tickets?.defaultGroup;
  if (defaultGroup && !cfg.tickets?.groups[defaultGroup]) {
    ctx.addIssue({ code: z.ZodIssueCode.custom, path: ['tickets', 'defaultGroup'], message: `unknown group "${defaultGroup}"` });
  }
  cfg.users.forEach((user, i) => {
    for (const system of Object.keys(user.tickets)) {
      if (!systems.includes(system)) {
        ctx.addIssue({ code: z.ZodIssueCode.custom, path: ['users', i, 'tickets', system], message: `unknown ticket system "${system}"; defined: ${systems.join(', ') || '(none)'}` });
      }
    }
  });
}

/** Routes and clients name chats and ticket systems that exist, in queues no ticket group announces on its own. */
function checkMonitoring(cfg: z.infer<typeof baseSchema>, ctx: z.RefinementCtx, checkChat: (chat: string | undefined, path: (string | number)[]) => void) {
  const monitoring = cfg.monitoring;
  if (!monitoring) return;
  const hostGroups = new Set(Object.values(cfg.hosts).flatMap((h) => h.groups));
  monitoring.routes.forEach((route, i) => {
    checkChat(route.chat, ['monitoring', 'routes', i, 'chat']);
    (route.hostGroups ?? []).forEach((group, j) => {
      if (group !== '*' && !hostGroups.has(group)) ctx.addIssue({ code: z.ZodIssueCode.custom, path: ['monitoring', 'routes', i, 'hostGroups', j], message: `no host is in group "${group}"; hosts' groups: ${[...hostGroups].join(', ') || '(none)'}` });
    });
    if (route.ticket) checkIncidentQueue(cfg, ctx, route.ticket, ['monitoring', 'routes', i, 'ticket']);
  });
  for (const [receiver, { hostGroups: groups }] of Object.entries(monitoring.receivers)) {
    (groups ?? []).forEach((group, j) => {
      if (group !== '*' && !hostGroups.has(group)) ctx.addIssue({ code: z.ZodIssueCode.custom, path: ['monitoring', 'receivers', receiver, 'hostGroups', j], message: `no host is in group "${group}"; hosts' groups: ${[...hostGroups].join(', ') || '(none)'}` });
    });
  }
  for (const [group, client] of Object.entries(monitoring.clients)) {
    checkChat(client.chat, ['monitoring', 'clients', group, 'chat']);
    if (!hostGroups.has(group)) ctx.addIssue({ code: z.ZodIssueCode.custom, path: ['monitoring', 'clients', group], message: `no host is in group "${group}"; hosts' groups: ${[...hostGroups].join(', ') || '(none)'}` });
  }
}

/** A ticket system that exists, and a queue no ticket group announces on its own (dutydesk announces these tickets itself). */
function checkIncidentQueue(cfg: z.infer<typeof baseSchema>, ctx: z.RefinementCtx, ticket: { system: string; queue: string }, path: (string | number)[]) {
  const systems = cfg.tickets?.systems ?? {};
  if (!Object.hasOwn(systems, ticket.system)) {
    ctx.addIssue({ code: z.ZodIssueCode.custom, path: [...path, 'system'], message: `unknown ticket system "${ticket.system}"; defined: ${Object.keys(systems).join(', ') || '(none: add tickets.systems)'}` });
    return;
  }
  const watcher = Object.entries(cfg.tickets?.groups ?? {}).find(([, g]) => g.system === ticket.system && g.queue === ticket.queue);
  if (watcher) {
    ctx.addIssue({ code: z.ZodIssueCode.custom, path: [...path, 'queue'], message: `ticket group "${watcher[0]}" watches ${ticket.system} queue "${ticket.queue}" and would announce these tickets a second time: give them a queue of their own, such as "Incidents"` });
  }
}
