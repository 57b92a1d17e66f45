/**
 * Runbook actions from chat: a line no built-in command takes is matched
 * against the configured grammars; a fit starts the action's run (its
 * progress comes as one message), a near miss is answered with the grammar
 * and what was wrong, someone without the role is told who may.
 */
import { randomUUID } from 'node:crypto';
import type { ActionConfig } from '../../config/actions-schema';
import { actionGrammar, findAction, mayRunAction } from '../../lib/actions/catalog';
import { grammarUsage } from '../../lib/actions/grammar';
import { t } from '../../lib/i18n';
import type { CommandContext } from './context';

/** Someone without a role the action names is told who may run it. */
export async function refuseAction(ctx: CommandContext, action: ActionConfig): Promise<void> {
  await ctx.reply(t(ctx.user.language, 'action.notAllowed', { title: action.title, roles: action.roles?.join(', ') ?? '' }));
}

/** Starts the run of the action the line asked for, or answers with the grammar and what was wrong. */
export async function runAction(ctx: CommandContext, found: NonNullable<ReturnType<typeof findAction>>): Promise<void> {
  const { id, action, match } = found;
  const lang = ctx.user.language;
  if (!('params' in match)) {
    await ctx.reply(t(lang, 'action.badParams', { problem: capitalised(match.problem), usage: grammarUsage(actionGrammar(action)) }));
    return;
  }
  const origin = `${ctx.chat.platform}:${ctx.chat.chatId}:${ctx.messageId ?? randomUUID()}`;
  await ctx.actions.start({ actionId: id, params: { ...match.params }, requestedBy: { id: ctx.user.id, name: ctx.user.name }, chat: ctx.chat, language: lang }, origin);
}

const capitalised = (s: string) => s.charAt(0).toUpperCase() + s.slice(1);

/** help's lines for the actions this person may run: "where is <ip> — Where is this IP?". */
export function actionHelpLines(ctx: CommandContext): string[] {
  const mine = Object.values(ctx.config.actions).filter((a) => mayRunAction(a, ctx.user.roles));
  if (mine.length === 0) return [];
  return [t(ctx.user.language, 'help.actions'), ...mine.map((a) => `• ${grammarUsage(actionGrammar(a))} — ${a.title}`)];
}
