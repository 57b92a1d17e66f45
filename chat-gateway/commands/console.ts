/**
 * console: a one-time link (10 minutes) that signs the person in to the web
 * console, sent only in their direct chat and straight through the platform,
 * so it is in no group, no outbox and no workflow history.
 */
import { t } from '../../lib/i18n';
import { SignInLimit } from '../web-console/sessions';
import type { Command } from './context';

export const consoleCommand: Command = {
  name: 'console',
  helpKey: 'help.console',
  async run(ctx) {
    const lang = ctx.user.language;
    const mode = ctx.config.gateway.console.signIn;
    if (mode !== 'chat' || !ctx.signInLink) return ctx.reply(t(lang, mode === 'proxy' ? 'console.viaProxy' : 'console.noLinks'));
    if (ctx.chat.platform === 'web') return ctx.reply(t(lang, 'console.alreadyHere'));
    if (!ctx.sendPrivately) return ctx.reply(t(lang, 'console.directOnly'));
    let url: string;
    try {
      url = ctx.signInLink(ctx.user.id);
    } catch (err) {
      if (err instanceof SignInLimit) return ctx.reply(t(lang, err.key, err.vars));
      throw err;
    }
    await ctx.sendPrivately(t(lang, 'console.link', { url, minutes: '10' }));
  },
};
