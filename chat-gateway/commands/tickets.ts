/** ticket <title> (open a ticket from chat) and the ticket buttons: Description, Take for group, Take for me. */
import { namedChat } from '../../config/restart-plan';
import type { LoadedConfig } from '../../config/load';
import { t } from '../../lib/i18n';
import { clockUtc, parseTicketArgument } from '../../lib/messages/tickets';
import type { ChatRef } from '../../workflows/restart/definitions';
import { TicketActionFailed, TicketNotFollowed } from '../tickets/ticket-client';
import type { ButtonHandler, Command, CommandContext } from './context';

/** The ticket group a chat belongs to, else the default group. */
function groupForChat(config: LoadedConfig, chat: ChatRef) {
  const groups = Object.entries(config.tickets?.groups ?? {});
  const here = groups.find(([, g]) => {
    const mapped = namedChat(config, g.chat, chat.platform);
    return mapped.platform === chat.platform && mapped.chatId === chat.chatId;
  });
  const name = here?.[0] ?? config.tickets?.defaultGroup;
  return name ? config.tickets?.groups[name] : undefined;
}

/** Files the ticket; ctx is that of the message that completes it, whose id names the filing. */
async function open(ctx: CommandContext, title: string, text: string) {
  const lang = ctx.user.language;
  const group = groupForChat(ctx.config, ctx.chat);
  if (!group) return ctx.reply(t(lang, 'ticket.noGroup'));
  // A redelivered message repeats this reply under the same update key (Telegram, Slack), which the outbox drops.
  await ctx.reply(t(lang, 'ticket.opening', { title }));
  const request = {
    system: group.system,
    queue: group.queue,
    title,
    text,
    requester: ctx.user.tickets[group.system],
    requestedBy: { id: ctx.user.id, name: ctx.user.name },
    chat: ctx.chat,
    language: lang,
  };
  // 'already' means the same message came again: its first filing answers, so nothing more here.
  await ctx.tickets.open(request, ctx.messageId);
}

export const ticketCommand: Command = {
  name: 'ticket',
  helpKey: 'help.ticket',
  async run(ctx, _args, raw) {
    const lang = ctx.user.language;
    if (!ctx.config.tickets) return ctx.reply(t(lang, 'ticket.notConfigured'));
    // The title is the rest of the first line; the text, the lines after it.
    const [first = '', ...rest] = raw.split('\n');
    const title = first.trim().replace(/^\/?ticket\b/i, '').trim();
    if (!title) return ctx.reply(t(lang, 'usage.ticket'));
    const text = rest.join('\n').trim();
    if (text) return open(ctx, title, text);
    await ctx.reply(t(lang, 'ticket.askText', { title }));
    ctx.expectReply(async (next, answer) => {
      if (/^\s*\/?cancel\s*$/i.test(answer)) return next.reply(t(lang, 'ticket.cancelled'));
      await open(next, title, answer.trim());
    }, t(lang, 'ticket.dropped', { title }));
  },
};

function target(ctx: CommandContext, argument: string) {
  const ref = parseTicketArgument(argument);
  if (!ref || !ctx.config.tickets?.systems[ref.system]) return undefined;
  return ref;
}

async function guarded(ctx: CommandContext, id: string, work: () => Promise<void>, failed: 'ticket.takeFailed' | 'ticket.describeFailed' = 'ticket.takeFailed') {
  const lang = ctx.user.language;
  try {
    await work();
  } catch (err) {
    if (err instanceof TicketNotFollowed) return ctx.reply(t(lang, 'ticket.closed', { id }));
    if (err instanceof TicketActionFailed) return ctx.reply(t(lang, failed, { id, error: err.message }));
    throw err;
  }
}

function takeButton(mode: 'me' | 'group'): ButtonHandler {
  return {
    verb: `ticket.${mode}`,
    capability: 'tickets',
    async run(ctx, argument) {
      const lang = ctx.user.language;
      const ref = target(ctx, argument);
      if (!ref) return ctx.reply(t(lang, 'error.forgedButton'));
      const login = ctx.user.tickets[ref.system];
      if (mode === 'me' && !login) return ctx.reply(t(lang, 'ticket.noLogin', { system: ref.system }));
      await guarded(ctx, ref.id, async () => {
        const result = await ctx.tickets.take(ref.system, ref.id, { person: { id: ctx.user.id, name: ctx.user.name }, mode, login });
        // The winner sees the group message change; the others are told who was first.
        if (!result.taken) {
          const how = t(lang, result.mode === 'me' ? 'ticket.modeMe' : 'ticket.modeGroup');
          await ctx.reply(t(lang, 'ticket.alreadyTaken', { name: result.by, id: ref.id, mode: how, time: clockUtc(result.at, lang) }));
        }
      });
    },
  };
}

export const ticketButtons: ButtonHandler[] = [
  takeButton('me'),
  takeButton('group'),
  {
    verb: 'ticket.describe',
    capability: 'tickets',
    async run(ctx, argument) {
      const ref = target(ctx, argument);
      if (!ref) return ctx.reply(t(ctx.user.language, 'error.forgedButton'));
      await guarded(ctx, ref.id, () => ctx.tickets.describe(ref.system, ref.id, ctx.chat, ctx.user.language), 'ticket.describeFailed');
    },
  },
];
