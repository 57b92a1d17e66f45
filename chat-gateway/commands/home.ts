/** home (and Telegram's /start, sent when a person first opens the bot): the person's home as one message. */
import { renderHome } from '../../lib/messages/home';
import { homeContent } from '../home/home-content';
import type { Command } from './context';

export function homeCommands(all: () => Command[]): Command[] {
  const run: Command['run'] = async (ctx) => {
    const content = await homeContent(ctx.config, ctx, ctx.user, ctx.user.language, { helpKeys: all().filter((c) => !c.unlisted), chat: ctx.chat });
    await ctx.reply(renderHome(content));
  };
  return [
    { name: 'home', helpKey: 'help.home', run },
    // Not listed in help: Telegram sends it by itself.
    { name: 'start', helpKey: 'help.home', unlisted: true, run },
  ];
}
