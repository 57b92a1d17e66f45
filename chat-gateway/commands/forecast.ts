/**
 * forecast <request> [watch [margin]] — when will it be ready, with a Gantt
 * chart; "watch" also tells the asker here whenever the forecast moves by more
 * than the margin, and when it is done. forecast stop <request> ends that.
 * The workflow answers; this only checks the input and signals it.
 */
import { parseDuration } from '../../lib/duration';
import { t } from '../../lib/i18n';
import { REQUEST_ID } from '../../activities/forecast/request-source';
import type { ForecastAsk } from '../../workflows/forecast/definitions';
import type { ButtonHandler, Command, CommandContext } from './context';

function askOf(ctx: CommandContext, watchMarginMs?: number): ForecastAsk {
  return {
    person: { id: ctx.user.id, name: ctx.user.name },
    chat: ctx.chat,
    language: ctx.user.language,
    timeZone: ctx.user.timeZone ?? 'UTC',
    ...(watchMarginMs !== undefined ? { watchMarginMs } : {}),
  };
}

async function stopWatching(ctx: CommandContext, request: string): Promise<void> {
  const lang = ctx.user.language;
  const stopped = await ctx.forecasts.stopWatching(request, { person: { id: ctx.user.id, name: ctx.user.name }, chat: ctx.chat });
  await ctx.reply(t(lang, stopped ? 'forecast.unwatched' : 'forecast.notWatching', { request }));
}

export const forecastCommand: Command = {
  name: 'forecast',
  capability: 'forecast',
  helpKey: 'help.forecast',
  async run(ctx, args) {
    const lang = ctx.user.language;
    const settings = ctx.config.forecast;
    if (!settings) return ctx.reply(t(lang, 'forecast.notConfigured'));
    const [first, ...rest] = args;
    if (!first) return ctx.reply(t(lang, 'usage.forecast'));
    if (first.toLowerCase() === 'stop' && rest.length === 1) {
      if (!REQUEST_ID.test(rest[0])) return ctx.reply(t(lang, 'forecast.badRequestId', { request: rest[0] }));
      return stopWatching(ctx, rest[0]);
    }
    const request = first;
    if (!REQUEST_ID.test(request)) return ctx.reply(t(lang, 'forecast.badRequestId', { request }));
    let margin: number | undefined;
    if (rest.length) {
      if (rest[0].toLowerCase() !== 'watch' || rest.length > 2) return ctx.reply(t(lang, 'usage.forecast'));
      margin = rest[1] === undefined ? settings.margin : parseDuration(rest[1]);
      if (margin === undefined || margin < 60_000) return ctx.reply(t(lang, 'forecast.badMargin', { margin: rest[1] }));
    }
    await ctx.forecasts.ask(request, askOf(ctx, margin));
  },
};

export const forecastButtons: ButtonHandler[] = [
  {
    verb: 'forecast.watch',
    capability: 'forecast',
    async run(ctx, request) {
      if (!ctx.config.forecast || !REQUEST_ID.test(request)) return ctx.reply(t(ctx.user.language, 'forecast.notConfigured'));
      await ctx.forecasts.ask(request, askOf(ctx, ctx.config.forecast.margin));
    },
  },
  {
    verb: 'forecast.unwatch',
    capability: 'forecast',
    async run(ctx, request) {
      await stopWatching(ctx, request);
    },
  },
];
