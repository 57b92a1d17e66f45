/**
 * forecast <request> [watch [margin]] — when will it be ready, with a Gantt
 * chart; "watch" also tells the asker here whenever the forecast moves by more
 * than the margin, and when it is done. forecast stop <request> ends that.
 * The request's XML may come with the command as a file instead of from
 * forecast.requests.
 * The workflow answers; this only checks the input and signals it.
 */
import { readFile } from 'node:fs/promises';
import { parseDuration } from '../../lib/duration';
import { parseTaskXml, TaskXmlError } from '../../lib/forecast/task-xml';
import { formatSize } from '../../lib/size';
import { t } from '../../lib/i18n';
import { taskXmlErrorText } from '../../lib/messages/forecast';
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

/**
 * The request's XML sent with the command: checked here, so a mistake is
 * answered at once with its line and column; the request id is the one typed,
 * else the file's own <request id>.
 */
async function requestFromFile(ctx: CommandContext, typed: string | undefined): Promise<{ request: string; xmlFile: string } | undefined> {
  const lang = ctx.user.language;
  const settings = ctx.config.forecast!;
  const file = ctx.file!;
  const refuse = (request: string, reason: string) => ctx.reply(t(lang, 'forecast.refused', { request, reason }));
  const name = typed ?? file.name;
  if (file.size > settings.xml.maxSize) {
    await refuse(name, t(lang, 'forecast.xmlTooBig', { request: name, where: file.name, limit: formatSize(settings.xml.maxSize) }));
    return undefined;
  }
  let tree;
  try {
    tree = parseTaskXml(await readFile(file.path, 'utf8'), { maxBytes: settings.xml.maxSize, maxDepth: settings.xml.maxDepth, maxSubtasks: settings.xml.maxSubtasks });
  } catch (err) {
    if (!(err instanceof TaskXmlError)) throw err;
    await refuse(name, taskXmlErrorText(lang, err));
    return undefined;
  }
  const request = typed ?? tree.request;
  if (!request) {
    await ctx.reply(t(lang, 'forecast.noRequestId', { name: file.name }));
    return undefined;
  }
  if (!REQUEST_ID.test(request)) {
    await ctx.reply(t(lang, 'forecast.badRequestId', { request }));
    return undefined;
  }
  return { request, xmlFile: file.path };
}

export const forecastCommand: Command = {
  name: 'forecast',
  capability: 'forecast',
  helpKey: 'help.forecast',
  async run(ctx, args) {
    const lang = ctx.user.language;
    const settings = ctx.config.forecast;
    if (!settings) return ctx.reply(t(lang, 'forecast.notConfigured'));
    if (args[0]?.toLowerCase() === 'stop' && args.length === 2 && !ctx.file) {
      if (!REQUEST_ID.test(args[1])) return ctx.reply(t(lang, 'forecast.badRequestId', { request: args[1] }));
      return stopWatching(ctx, args[1]);
    }
    // forecast <request> [watch [margin]]; with a file sent along, the request may be left out.
    const typed = args[0] && args[0].toLowerCase() !== 'watch' ? args[0] : undefined;
    const rest = typed ? args.slice(1) : args;
    if (!typed && !ctx.file) return ctx.reply(t(lang, 'usage.forecast'));
    let margin: number | undefined;
    if (rest.length) {
      if (rest[0].toLowerCase() !== 'watch' || rest.length > 2) return ctx.reply(t(lang, 'usage.forecast'));
      margin = rest[1] === undefined ? settings.margin : parseDuration(rest[1]);
      if (margin === undefined || margin < 60_000) return ctx.reply(t(lang, 'forecast.badMargin', { margin: rest[1] }));
    }
    if (ctx.file) {
      const fromFile = await requestFromFile(ctx, typed);
      if (fromFile) await ctx.forecasts.ask(fromFile.request, { ...askOf(ctx, margin), xmlFile: fromFile.xmlFile });
      return;
    }
    const request = typed as string;
    if (!REQUEST_ID.test(request)) return ctx.reply(t(lang, 'forecast.badRequestId', { request }));
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
