/**
 * The ticket systems dutydesk watches (Request Tracker, Jira), and the groups:
 * which queue or project belongs to which chat.
 */
import { z } from 'zod';
import { parseDuration } from '../lib/duration';
import { LANGUAGES } from '../lib/i18n';
import { duration, name, secretRef, timeZone } from './schema-parts';

/** A duration, or "off". */
const intervalOrOff = z
  .union([z.literal('off'), z.string()])
  .refine((v) => v === 'off' || (parseDuration(v) ?? 0) >= 1000, { message: 'expected "off" or a duration of at least 1s, such as 30s or 2m' })
  .transform((v) => (v === 'off' ? 0 : (parseDuration(v) as number)));

const API_VERSIONS = { rt: ['rest2', 'rest1'], jira: ['v3', 'v2'] } as const;

export const ticketSystemSchema = z
  .object({
    type: z.enum(['rt', 'jira']),
    /** rt: rest2 (default) or rest1 (legacy); jira: v3 (default) or v2 (legacy). */
    api: z.enum(['rest2', 'rest1', 'v3', 'v2']).optional(),
    url: z.string().url(),
    /** Base of the links people open, when it differs from the API's URL. */
    webUrl: z.string().url().optional(),
    /** RT: the bot's user name. Jira: the account's e-mail. */
    user: z.string().min(1).optional(),
    /** RT password (the fallback where no auth token is given). */
    password: secretRef.optional(),
    /** RT 5 auth token (the bot account's, made in RT under Settings → Auth Tokens) or Jira API token. */
    token: secretRef.optional(),
    /**
     * RT: its %PriorityAsString, when it is not RT's default (Low 0, Medium 50, High 100):
     * per queue name or "Default", each label's number, or false for plain numbers.
     * A flat { label: number } map stands for every queue.
     */
    priorities: z
      .union([z.record(z.string().min(1), z.number().int()), z.record(z.string().min(1), z.union([z.record(z.string().min(1), z.number().int()), z.literal(false)]))])
      .transform((p) => (Object.values(p).every((v) => typeof v === 'number') ? { Default: p as Record<string, number> } : (p as Record<string, Record<string, number> | false>)))
      .optional(),
    /** RT: the time zone RT shows the bot account's dates in (its own preference, else RT's $Timezone); REST 1.0 prints ticket dates in it. */
    timeZone: timeZone.optional(),
    /** How often to ask for changes; "off" when only webhooks bring them. */
    pollInterval: intervalOrOff.default('30s'),
    /** On the very first poll, look back this far for tickets to announce. */
    lookback: duration.default('1h'),
    /**
     * How often each followed ticket is read again on its own: polls only see
     * the watched queues, so this is how a ticket moved to another queue is
     * noticed (and let go) when no webhook says so.
     */
    checkUp: duration.refine((ms) => ms >= 1000, 'expected at least 1s, such as 6h').default('6h'),
    /** Shared secret of the webhook (HMAC-SHA256 of the body in X-Hub-Signature); without it the webhook is off. */
    webhookSecret: secretRef.optional(),
    /** Jira: the date-time field where the response time is marked (e.g. customfield_10050). */
    responseField: z.string().optional(),
  })
  .strict()
  .superRefine((s, ctx) => {
    const versions: readonly string[] = API_VERSIONS[s.type];
    if (s.api && !versions.includes(s.api)) {
      ctx.addIssue({ code: z.ZodIssueCode.custom, path: ['api'], message: `${s.type} speaks ${versions.join(' or ')}` });
    }
    if (s.type === 'rt' && !s.token && !(s.user && s.password)) {
      ctx.addIssue({ code: z.ZodIssueCode.custom, path: ['token'], message: "RT needs token (an auth token of the bot account, from RT's Settings → Auth Tokens), or user and password" });
    }
    if (s.type !== 'rt' && (s.priorities || s.timeZone)) {
      ctx.addIssue({ code: z.ZodIssueCode.custom, path: [s.priorities ? 'priorities' : 'timeZone'], message: 'only Request Tracker systems take priorities and timeZone' });
    }
    if (s.type === 'jira' && !(s.user && s.token)) {
      ctx.addIssue({ code: z.ZodIssueCode.custom, path: ['token'], message: 'Jira needs user (the account e-mail) and token (an API token)' });
    }
  });
export type TicketSystemConfig = z.infer<typeof ticketSystemSchema>;

/** "09:00": a time of day on a 24-hour clock. */
const timeOfDay = z.string().regex(/^([01]\d|2[0-3]):[0-5]\d$/, 'expected a time of day as HH:MM on a 24-hour clock, such as 09:00 or 17:30');

/** When a group's deadline reminders run (a Temporal Schedule per group). */
export const remindersSchema = z
  .object({
    times: z.array(timeOfDay).min(1, 'expected at least one time of day, such as ["09:00", "13:00", "17:00"]'),
    timeZone: timeZone.default('UTC'),
    /** Tickets due within this window (and those overdue) are listed. */
    window: duration.refine((ms) => ms >= 60_000 && ms <= 30 * 86_400_000, 'expected a window between 1m and 30d, such as 24h').default('24h'),
    /** After downtime, a run missed by less than this still fires (once); older ones are skipped. */
    catchUp: duration.refine((ms) => ms >= 10_000, 'expected at least 10s').default('1h'),
  })
  .strict()
  .superRefine((r, ctx) => {
    const seen = new Set<string>();
    r.times.forEach((time, i) => {
      if (seen.has(time)) ctx.addIssue({ code: z.ZodIssueCode.custom, path: ['times', i], message: `${time} is listed twice` });
      seen.add(time);
    });
  });
export type RemindersConfig = z.infer<typeof remindersSchema>;

/** Response and resolution targets per urgency word (e.g. High, P2), and "default" for the rest. */
export const olaSchema = z
  .object({
    targets: z.record(z.string().min(1), z.object({ response: duration, resolution: duration }).strict()).refine((t) => Object.keys(t).length > 0, 'expected at least one urgency, e.g. High: { response: 15m, resolution: 4h }'),
  })
  .strict();

export const ticketGroupSchema = z
  .object({
    system: name,
    /** RT queue name, or Jira project key. */
    queue: z.string().min(1),
    /** The chat (from chats) where its new tickets appear. */
    chat: z.string().min(1),
    /** Language of the group's messages (en when absent). */
    language: z.enum(LANGUAGES).optional(),
    /** Deadline reminders: times of day in a time zone; none when absent. */
    reminders: remindersSchema.optional(),
  })
  .strict();
export type TicketGroupConfig = z.infer<typeof ticketGroupSchema>;

export const ticketsSchema = z
  .object({
    systems: z.record(name, ticketSystemSchema).refine((s) => Object.keys(s).length > 0, 'expected at least one ticket system'),
    groups: z.record(name, ticketGroupSchema).refine((g) => Object.keys(g).length > 0, 'expected at least one group'),
    /** Where `ticket <title>` files tickets from chats that belong to no group. */
    defaultGroup: name.optional(),
    /** OLA targets for `ola`; without them `ola` says how to set them. */
    ola: olaSchema.optional(),
  })
  .strict();
export type TicketsConfig = z.infer<typeof ticketsSchema>;
