/** help: only what the user's roles allow. */
import { can } from '../../config/access';
import { t } from '../../lib/i18n';
import type { Command } from './context';
import { actionHelpLines } from './actions';

export function helpCommand(all: () => Command[]): Command {
  return {
    name: 'help',
    helpKey: 'help.help',
    async run(ctx) {
      const lang = ctx.user.language;
      const lines = all()
        .filter((c) => !c.unlisted && (!c.capability || can(ctx.config, ctx.user, c.capability)))
        .map((c) => `• ${t(lang, c.helpKey)}`);
      if (can(ctx.config, ctx.user, 'approve')) {
        const chat = ctx.config.notify.approvals ? ctx.config.chats[ctx.config.notify.approvals]?.title ?? ctx.config.notify.approvals : '-';
        lines.push(`• ${t(lang, 'help.approve', { chat })}`);
      }
      if (ctx.config.tickets && can(ctx.config, ctx.user, 'tickets')) lines.push(`• ${t(lang, 'help.tickets')}`);
      lines.push(...actionHelpLines(ctx));
      await ctx.reply([t(lang, 'help.title', { name: ctx.user.name }), ...lines].join('\n'));
    },
  };
}
