/** audit [person|host] [period]: the audit trail's newest lines, for admins. */
import { MAX_PERIOD_DAYS, parsePeriod, PERIOD_FORMS, tooLong } from '../../lib/period';
import { t } from '../../lib/i18n';
import { localDateTime } from '../../lib/messages/deadlines';
import { readerZone } from './deadlines';
import type { Command } from './context';

/** Lines one answer shows, newest last. */
const SHOWN = 30;

export const auditCommand: Command = {
  name: 'audit',
  capability: 'audit',
  helpKey: 'help.audit',
  async run(ctx, args) {
    const lang = ctx.user.language;
    if (!ctx.audit) return ctx.reply(t(lang, 'audit.off'));
    // The first word names a person or a host when it is one (own properties only), else it starts the period.
    const first = args[0] ?? '';
    const person = ctx.config.users.find((u) => u.id === first)?.id;
    const host = !person && Object.hasOwn(ctx.config.hosts, first) ? first : undefined;
    const words = (person || host ? args.slice(1) : args).join(' ') || '7d';
    const zone = readerZone(ctx.config, ctx.user);
    const period = parsePeriod(words, Date.now(), zone);
    if (!period) return ctx.reply(t(lang, 'audit.usage', { period: words, forms: PERIOD_FORMS.join(', ') }));
    const days = tooLong(period);
    if (days) return ctx.reply(t(lang, 'ola.periodTooLong', { period: period.label, days: String(days), max: String(MAX_PERIOD_DAYS) }));
    const mentions = (what: string) => what.split(/[\s:]+/).some((w) => w === host || w === `restart-${host}` || w.startsWith(`dump-${host}-`));
    const entries = await ctx.audit.search((e) => {
      const at = Date.parse(e.at);
      return at >= period.from && at < period.to && (!person || e.who === person) && (!host || mentions(e.what));
    }, SHOWN, period.from);
    const about = person ?? host ?? t(lang, 'audit.everyone');
    if (!entries.length) return ctx.reply(t(lang, 'audit.none', { about, period: period.label }));
    const reader = { language: lang, timeZone: zone, now: Date.now() };
    const lines = entries.map((e) => `${localDateTime(Date.parse(e.at), reader)} ${e.who} (${e.platform}${e.chat ? ` ${e.chat}` : ''}): ${e.what} → ${e.outcome}${e.detail ? ` (${e.detail})` : ''}${e.repeats ? ` (+${e.repeats} more)` : ''}`);
    await ctx.reply([t(lang, 'audit.header', { about, period: period.label, count: String(entries.length) }), ...lines].join('\n'));
  },
};
