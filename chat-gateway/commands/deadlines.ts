/** deadlines [window], remind now [group], ola [period]: tickets due soon, reminders on demand, OLA figures. */
import { randomUUID } from 'node:crypto';
import type { LoadedConfig } from '../../config/load';
import type { UserConfig } from '../../config/schema';
import { parseDuration } from '../../lib/duration';
import { t } from '../../lib/i18n';
import { MAX_PERIOD_DAYS, parsePeriod, PERIOD_FORMS, tooLong } from '../../lib/period';
import type { Command } from './context';

const DEFAULT_WINDOW_MS = 24 * 3_600_000;
const MAX_WINDOW_MS = 30 * 86_400_000;

/** Groups with reminders, by name. */
export function reminderGroups(config: LoadedConfig): string[] {
  return Object.entries(config.tickets?.groups ?? {})
    .filter(([, g]) => g.reminders)
    .map(([name]) => name);
}

/** The widest reminder window of any group, so `deadlines` shows what the reminders would. */
function defaultWindow(config: LoadedConfig): number {
  const windows = Object.values(config.tickets?.groups ?? {}).flatMap((g) => (g.reminders ? [g.reminders.window] : []));
  return windows.length ? Math.max(...windows) : DEFAULT_WINDOW_MS;
}

/** Where the person reads dates: their own zone, else the first group's reminder zone, else UTC. */
export function readerZone(config: LoadedConfig, user: UserConfig): string {
  return user.timeZone ?? Object.values(config.tickets?.groups ?? {}).find((g) => g.reminders)?.reminders?.timeZone ?? 'UTC';
}

export const deadlinesCommand: Command = {
  name: 'deadlines',
  capability: 'tickets',
  helpKey: 'help.deadlines',
  async run(ctx, args) {
    const lang = ctx.user.language;
    if (!ctx.config.tickets) return ctx.reply(t(lang, 'ticket.notConfigured'));
    const windowMs = args[0] ? parseDuration(args[0]) : defaultWindow(ctx.config);
    if (windowMs === undefined || windowMs < 60_000 || windowMs > MAX_WINDOW_MS || args.length > 1) return ctx.reply(t(lang, 'usage.deadlines'));
    await ctx.deadlines.personal({ userId: ctx.user.id, windowMs, chat: ctx.chat, language: lang, key: `deadlines/${randomUUID()}` });
  },
};

export const remindCommand: Command = {
  name: 'remind',
  capability: 'remind',
  helpKey: 'help.remind',
  async run(ctx, args) {
    const lang = ctx.user.language;
    if (args[0]?.toLowerCase() !== 'now' || args.length > 2) return ctx.reply(t(lang, 'usage.remind'));
    const all = reminderGroups(ctx.config);
    if (!all.length) return ctx.reply(t(lang, 'remind.none'));
    const wanted = args[1] ? [args[1]] : all;
    if (args[1] && !all.includes(args[1])) return ctx.reply(t(lang, 'remind.unknownGroup', { group: args[1], groups: all.join(', ') }));
    const { triggered, missing } = await ctx.deadlines.trigger(wanted);
    if (triggered.length) await ctx.reply(t(lang, 'remind.triggered', { groups: triggered.join(', ') }));
    if (missing.length) await ctx.reply(t(lang, 'remind.notScheduled', { groups: missing.join(', ') }));
  },
};

export const olaCommand: Command = {
  name: 'ola',
  capability: 'tickets',
  helpKey: 'help.ola',
  async run(ctx, args) {
    const lang = ctx.user.language;
    if (!ctx.config.tickets) return ctx.reply(t(lang, 'ticket.notConfigured'));
    if (!ctx.config.tickets.ola) return ctx.reply(t(lang, 'ola.noTargets'));
    const words = args.join(' ');
    const period = parsePeriod(words, Date.now(), readerZone(ctx.config, ctx.user));
    if (!period) return ctx.reply(t(lang, 'ola.badPeriod', { period: words, forms: PERIOD_FORMS.join(', ') }));
    const days = tooLong(period);
    if (days) return ctx.reply(t(lang, 'ola.periodTooLong', { period: period.label, days: String(days), max: String(MAX_PERIOD_DAYS) }));
    await ctx.reply(t(lang, 'ola.working', { period: period.label }));
    await ctx.deadlines.ola({ ...period, answer: { chat: ctx.chat, language: lang, key: `ola/${randomUUID()}` } });
  },
};
