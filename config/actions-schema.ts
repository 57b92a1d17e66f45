/**
 * Runbook actions as data (README, "Runbook actions"): an id, a chat grammar
 * with typed parameters, the roles that may run it, and steps from a small
 * registry. The worker's configuration decides what runs where; a run names
 * only the action and its parameter values. Also the inventory's networks,
 * which "where is <ip>" answers from.
 */
import { z } from 'zod';
import { GrammarError, grammarsOverlap, matchGrammar, parseGrammar, type Grammar, type ParamType } from '../lib/actions/grammar';
import { askedLine } from '../lib/actions/catalog';
import { parsePrefix } from '../lib/inventory/ip';
import { confluenceSchema } from './confluence-schema';
import { duration, httpPeer, size, timeZone } from './schema-parts';
import { LANGUAGES } from '../lib/i18n';

/** Chat's own commands: an action may not start with one of these words. */
export const BUILT_IN_COMMANDS = ['help', 'home', 'start', 'hosts', 'status', 'health', 'restart', 'cancel', 'ticket', 'deadlines', 'remind', 'ola', 'dump', 'forecast', 'audit', 'console'] as const;

/** team.action, at most 32 characters: ids travel in button data (Telegram's holds 64 bytes). */
export const ACTION_ID = /^(?=.{3,32}$)[a-z][a-z0-9-]*\.[a-z][a-z0-9-]*$/;

/** A value with {param} places: each filled in from the run's typed parameters, quoted or encoded for where it goes. */
const template = z.string().min(1).max(2000);

const networkSchema = z
  .object({
    prefix: z.string().superRefine((text, ctx) => {
      try {
        parsePrefix(text);
      } catch (err) {
        ctx.addIssue({ code: z.ZodIssueCode.custom, message: (err as Error).message });
      }
    }),
    name: z.string().min(1).max(200).optional(),
    site: z.string().min(1).max(200).optional(),
    vlan: z.number().int().min(1).max(4094).optional(),
    owner: z.string().min(1).max(200).optional(),
    /** The routing table it belongs to; absent: the global one. */
    vrf: z.string().min(1).max(100).optional(),
  })
  .strict();

export const inventorySchema = z
  .object({
    networks: z
      .array(networkSchema)
      .max(100_000)
      .default([])
      .superRefine((networks, ctx) => {
        // One network per prefix and VRF: a second would silently replace the first.
        const seen = new Map<string, number>();
        networks.forEach((n, i) => {
          let key: string;
          try {
            key = `${n.vrf ?? ''} ${parsePrefix(n.prefix).text}`;
          } catch {
            return;
          }
          const first = seen.get(key);
          if (first !== undefined) ctx.addIssue({ code: z.ZodIssueCode.custom, path: [i, 'prefix'], message: `${n.prefix}${n.vrf ? ` in VRF ${n.vrf}` : ''} is listed already (networks[${first}])` });
          else seen.set(key, i);
        });
      }),
    /** NetBox, asked too by "where is <ip>": its base URL and an API token (v1, or v2 nbt_…). */
    netbox: httpPeer.optional(),
    /** The inventory published to Confluence pages (README, "Inventory in Confluence"). */
    confluence: confluenceSchema.optional(),
  })
  .strict();
export type NetworkConfig = z.infer<typeof networkSchema>;

const stepBase = { title: z.string().min(1).max(200).optional() };

const ipLookupStep = z.object({ ...stepBase, ipLookup: template }).strict();
/** The inventory as a report: hosts (of some groups, or all) or networks, as a CSV file with a summary line. */
const inventoryStep = z
  .object({ ...stepBase, inventory: z.object({ of: z.enum(['hosts', 'networks']), hostGroups: z.array(z.string().min(1)).min(1).default(['*']) }).strict() })
  .strict();
const commandStep = z
  .object({
    ...stepBase,
    command: z
      .object({
        /** The host: a configured name, or "{param}" of a host parameter. */
        host: template,
        /** Hosts the host must be in (one of these groups); it keeps a host parameter within bounds. */
        hostGroups: z.array(z.string().min(1)).min(1),
        /** The program, an absolute path: fixed by the configuration, never from chat. */
        run: z.string().regex(/^\/[A-Za-z0-9_./+-]+$/, 'expected an absolute path of a program, e.g. /usr/local/bin/capture'),
        /** Its arguments, each one word however the values read (quoted for the shell). */
        args: z.array(template).max(50).default([]),
      })
      .strict(),
  })
  .strict();
const httpStep = z
  .object({
    ...stepBase,
    /** GET of an internal API; values are URL-encoded where they stand. */
    http: z.object({ url: template.regex(/^https?:\/\/[^{}\s/]+\//, 'expected http(s)://host/… with no {param} in the host part') }).strict(),
  })
  .strict();
/** A file fetched back from a host and handed over in chat (a capture the step before wrote, a log). */
const fetchStep = z
  .object({
    ...stepBase,
    fetch: z
      .object({
        host: template,
        hostGroups: z.array(z.string().min(1)).min(1),
        /** An absolute path; a {param} in it takes a plain name only (letters, digits, . _ -; never "." or ".."). */
        path: z.string().regex(/^\/[^\0]*$/, 'expected an absolute path, e.g. /var/tmp/capture-{host}.pcap'),
        /** Larger files are refused before they are copied. */
        maxSize: size.default('50MiB'),
      })
      .strict(),
  })
  .strict();

const checkName = { name: z.string().min(1).max(200) };
const checkSchema = z.union([
  z
    .object({
      ...checkName,
      /** An instant query; the worst series is held against the threshold (none: it passes when there is data). */
      prometheus: z.string().min(1).max(2000),
      below: z.number().optional(),
      above: z.number().optional(),
      /** How values read: "s", "%", "ms". */
      unit: z.string().max(10).optional(),
      /** The last this long drawn as a small chart with the threshold (a PNG with the report), e.g. 1h. */
      chart: duration.refine((ms) => ms >= 5 * 60_000 && ms <= 7 * 86_400_000, 'expected from 5m to 7d').optional(),
    })
    .strict()
    .refine((c) => c.below === undefined || c.above === undefined, 'give "below" or "above", not both'),
  z.object({ ...checkName, http: z.string().regex(/^https?:\/\/\S+$/, 'expected an http(s) URL'), expect: z.number().int().min(100).max(599).optional() }).strict(),
  z.object({ ...checkName, tcp: z.string().regex(/^(\[[0-9a-fA-F:.]+\]|[A-Za-z0-9.-]+):\d{1,5}$/, 'expected host:port, e.g. 10.0.0.53:53 or [2001:db8::1]:443') }).strict(),
]);
export type CheckConfig = z.infer<typeof checkSchema>;
/** A report of checks, run side by side; failing checks are findings, not a failed step. */
const checksStep = z.object({ ...stepBase, checks: z.array(checkSchema).min(1).max(50) }).strict();

/** The inventory published to Confluence now (inventory.confluence); overwriteHandEdits (default: inventory.confluence's) replaces pages edited by hand. */
const confluenceStep = z.object({ ...stepBase, confluence: z.object({ overwriteHandEdits: z.boolean().optional() }).strict() }).strict();
export const actionStepSchema = z.union([ipLookupStep, inventoryStep, commandStep, httpStep, checksStep, fetchStep, confluenceStep]);
export type ActionStepConfig = z.infer<typeof actionStepSchema>;

const actionSchema = z
  .object({
    title: z.string().min(1).max(200),
    /** The chat grammar, e.g. "where is {ip:ip}" or "capture {host:host} {seconds:int<=300}". */
    says: z.string().min(1).max(500),
    /** Roles that may run it; absent: everyone dutydesk knows. */
    roles: z.array(z.string().min(1)).min(1).optional(),
    steps: z.array(actionStepSchema).min(1).max(20),
    /** A second person with this role approves each run before it starts (never the one who asked). */
    approval: z
      .object({
        role: z.string().min(1),
        /** Where the approval is asked; notify.approvals when absent. */
        chat: z.string().min(1).optional(),
        timeout: duration.refine((ms) => ms >= 10_000 && ms <= 7 * 86_400_000, 'expected from 10s to 7d').default('15m'),
      })
      .strict()
      .optional(),
    /**
     * One run at a time per value of this template ("{host}": one capture per host; a fixed word: one run at all);
     * asking again meanwhile is told who runs it. Absent: every request is a run of its own.
     */
    concurrency: template.optional(),
    /** Runs by a Temporal Schedule, with these values, its output posted to the chat (no approval: it is configured). */
    schedule: z
      .object({
        /** Every so long ("1h"), or at these times of day ("08:00") in timeZone. */
        every: duration.refine((ms) => ms >= 60_000, 'expected at least 1m').optional(),
        at: z.array(z.string().regex(/^([01]\d|2[0-3]):[0-5]\d$/, 'expected HH:MM')).min(1).max(24).optional(),
        timeZone: timeZone.default('UTC'),
        chat: z.string().min(1),
        language: z.enum(LANGUAGES).default('en'),
        /** The grammar's values for the scheduled runs. */
        params: z.record(z.string(), z.string().max(2000)).default({}),
      })
      .strict()
      .refine((s) => (s.every === undefined) !== (s.at === undefined), 'give "every" or "at", one of them')
      .optional(),
    /** The whole run; a step still running then is stopped. */
    timeout: duration.refine((ms) => ms >= 1000 && ms <= 6 * 3_600_000, 'expected from 1s to 6h').default('1m'),
  })
  .strict();
export type ActionConfig = z.infer<typeof actionSchema>;

export const actionsSchema = z.record(z.string().regex(ACTION_ID, 'expected team.action, e.g. net.whereis'), actionSchema).default({});

/** The {param} names a template uses. */
export function templateParams(text: string): string[] {
  return [...text.matchAll(/\{([^{}]*)\}/g)].map((m) => m[1]);
}

/** Grammars compiled once; parse errors and overlaps reported on the configuration's paths. */
export function checkActions(
  { actions, hosts, roles, chats, approvalsChat, confluence }: { actions: Record<string, ActionConfig>; hosts: Record<string, { groups: string[] }>; roles: Record<string, unknown>; chats: Record<string, unknown>; approvalsChat?: string; confluence?: { hostGroups: string[] } },
  ctx: z.RefinementCtx,
): Map<string, Grammar> {
  const grammars = new Map<string, Grammar>();
  const hostGroups = new Set(Object.values(hosts).flatMap((h) => h.groups));
  for (const [id, action] of Object.entries(actions)) {
    const at = (...path: (string | number)[]) => ['actions', id, ...path];
    let grammar: Grammar;
    try {
      grammar = parseGrammar(action.says);
    } catch (err) {
      if (!(err instanceof GrammarError)) throw err;
      ctx.addIssue({ code: z.ZodIssueCode.custom, path: at('says'), message: err.message });
      continue;
    }
    const first = (grammar.tokens[0] as { literal: string }).literal;
    if ((BUILT_IN_COMMANDS as readonly string[]).includes(first)) ctx.addIssue({ code: z.ZodIssueCode.custom, path: at('says'), message: `"${first}" is one of chat's own commands; start the grammar with another word` });
    if (action.approval && !Object.hasOwn(roles, action.approval.role)) ctx.addIssue({ code: z.ZodIssueCode.custom, path: at('approval', 'role'), message: `unknown role "${action.approval.role}"; defined roles: ${Object.keys(roles).join(', ')}` });
    if (action.approval && !action.approval.chat && !approvalsChat) ctx.addIssue({ code: z.ZodIssueCode.custom, path: at('approval', 'chat'), message: 'name the chat where approvals are asked, or set notify.approvals' });
    if (action.approval?.chat && !Object.hasOwn(chats, action.approval.chat)) ctx.addIssue({ code: z.ZodIssueCode.custom, path: at('approval', 'chat'), message: `unknown chat "${action.approval.chat}"; defined chats: ${Object.keys(chats).join(', ') || '(none)'}` });
    for (const name of templateParams(action.concurrency ?? '')) if (!grammar.tokens.some((t) => 'param' in t && t.param === name)) ctx.addIssue({ code: z.ZodIssueCode.custom, path: at('concurrency'), message: `{${name}} is no parameter of "${action.says}"` });
    if (action.schedule) {
      const { chat, params } = action.schedule;
      if (!Object.hasOwn(chats, chat)) ctx.addIssue({ code: z.ZodIssueCode.custom, path: at('schedule', 'chat'), message: `unknown chat "${chat}"; defined chats: ${Object.keys(chats).join(', ') || '(none)'}` });
      const fits = matchGrammar(grammar, askedLine(grammar, params));
      const extra = Object.keys(params).filter((k) => !grammar.tokens.some((t) => 'param' in t && t.param === k));
      if (!fits || !('params' in fits) || extra.length) ctx.addIssue({ code: z.ZodIssueCode.custom, path: at('schedule', 'params'), message: `the values do not fit "${action.says}": ${extra.length ? `${extra.join(', ')} is no parameter` : fits && 'problem' in fits ? fits.problem : 'they do not match'}` });
    }
    for (const role of action.roles ?? []) if (!Object.hasOwn(roles, role)) ctx.addIssue({ code: z.ZodIssueCode.custom, path: at('roles'), message: `unknown role "${role}"; defined roles: ${Object.keys(roles).join(', ')}` });
    const types = new Map<string, ParamType>(grammar.tokens.flatMap((t) => ('param' in t ? [[t.param, t.type] as const] : [])));
    action.steps.forEach((step, i) => {
      // Checks take no parameters: their queries and addresses are the configuration's alone.
      const texts = 'ipLookup' in step ? [step.ipLookup] : 'command' in step ? [step.command.host, ...step.command.args] : 'http' in step ? [step.http.url] : 'fetch' in step ? [step.fetch.host, step.fetch.path] : [];
      for (const name of texts.flatMap(templateParams)) {
        if (!types.has(name)) ctx.addIssue({ code: z.ZodIssueCode.custom, path: at('steps', i), message: `{${name}} is no parameter of "${action.says}"` });
      }
      if ('inventory' in step)
        step.inventory.hostGroups.forEach((g, j) => {
          if (g !== '*' && !hostGroups.has(g)) ctx.addIssue({ code: z.ZodIssueCode.custom, path: at('steps', i, 'inventory', 'hostGroups', j), message: `no host is in group "${g}"` });
        });
      if ('confluence' in step && !confluence) ctx.addIssue({ code: z.ZodIssueCode.custom, path: at('steps', i, 'confluence'), message: 'there is nothing to publish to: configure inventory.confluence first' });
      if ('ipLookup' in step && !/^\{[^{}]+\}$/.test(step.ipLookup.trim())) ctx.addIssue({ code: z.ZodIssueCode.custom, path: at('steps', i, 'ipLookup'), message: 'expected one parameter of type ip, e.g. "{ip}"' });
      const onHost = 'command' in step ? step.command : 'fetch' in step ? step.fetch : undefined;
      if (onHost) {
        const host = onHost.host;
        const param = /^\{([^{}]+)\}$/.exec(host)?.[1];
        const kind = 'command' in step ? 'command' : 'fetch';
        if (param !== undefined && types.get(param)?.kind !== 'host') ctx.addIssue({ code: z.ZodIssueCode.custom, path: at('steps', i, kind, 'host'), message: `{${param}} must be a parameter of type host` });
        if (param === undefined && !Object.hasOwn(hosts, host)) ctx.addIssue({ code: z.ZodIssueCode.custom, path: at('steps', i, kind, 'host'), message: `no host "${host}"; name a configured host or a {host} parameter` });
        onHost.hostGroups.forEach((g, j) => {
          if (g !== '*' && !hostGroups.has(g)) ctx.addIssue({ code: z.ZodIssueCode.custom, path: at('steps', i, kind, 'hostGroups', j), message: `no host is in group "${g}"` });
        });
      }
    });
    for (const [otherId, other] of grammars) {
      if (grammarsOverlap(grammar, other)) ctx.addIssue({ code: z.ZodIssueCode.custom, path: at('says'), message: `"${action.says}" can match the same words as ${otherId} ("${other.source}"): make their words differ` });
    }
    grammars.set(id, grammar);
  }
  return grammars;
}
