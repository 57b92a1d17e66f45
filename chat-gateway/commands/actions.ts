/**
 * Runbook actions from chat: a line no built-in command takes is matched
 * against the configured grammars; a fit starts the action's run (its
 * progress comes as one message), a near miss is answered with the grammar
 * and what was wrong, someone without the role is told who may.
 */
import { randomUUID } from 'node:crypto';
import type { ActionConfig } from '../../config/actions-schema';
import { actionGrammar, fill, findAction, mayRunAction } from '../../lib/actions/catalog';
import { grammarUsage, matchGrammar, problem } from '../../lib/actions/grammar';
import { grammarProblemText } from '../../lib/actions/grammar-text';
import { t } from '../../lib/i18n';
import { own } from '../../lib/own';
import { actionsInReach } from '../../config/teams';
import { runLink } from '../../lib/temporal-ui';
import { ActionRejected } from '../actions/action-client';
import type { ButtonHandler, CommandContext } from './context';

/** Someone without a role the action names is told who may run it. */
export async function refuseAction(ctx: CommandContext, action: ActionConfig): Promise<void> {
  await ctx.reply(t(ctx.user.language, 'action.notAllowed', { title: action.title, roles: action.roles?.join(', ') ?? '' }));
}

/** Starts the run of the action the line asked for, or answers with the grammar and what was wrong. */
export async function runAction(ctx: CommandContext, found: NonNullable<ReturnType<typeof findAction>>): Promise<void> {
  const { id, action, match } = found;
  const lang = ctx.user.language;
  if (!('params' in match)) {
    await ctx.reply(t(lang, 'action.badParams', { problem: capitalised(grammarProblemText(lang, match.why)), usage: grammarUsage(actionGrammar(action)) }));
    return;
  }
  // With a concurrency key, the key names the run: one at a time per key.
  const origin = action.concurrency !== undefined ? `key:${fill(action.concurrency, match.params)}` : `${ctx.chat.platform}:${ctx.chat.chatId}:${ctx.messageId ?? randomUUID()}`;
  const started = await ctx.actions.start({ actionId: id, params: { ...match.params }, requestedBy: { id: ctx.user.id, name: ctx.user.name }, chat: ctx.chat, language: lang }, origin, action.concurrency === undefined);
  if (started.started || action.concurrency === undefined) return;
  const running = await ctx.actions.progress(started.workflowId);
  const url = runLink(ctx.config.temporal.uiUrl, ctx.config.temporal.namespace, running.workflowId, running.runId);
  await ctx.reply(t(lang, 'action.alreadyRunning', { title: action.title, asked: running.plan?.asked ?? '', name: running.request.requestedBy.name, url }));
}

async function decide(ctx: CommandContext, workflowId: string, approve: boolean): Promise<void> {
  const lang = ctx.user.language;
  const progress = await ctx.actions.progress(workflowId);
  // The approver's role from this gateway's configuration, for the action the run says it is.
  // Only someone the action's team reaches here, as for running it.
  const action = own(actionsInReach(ctx.config, ctx.user, ctx.chat), progress.request.actionId);
  const role = action?.approval?.role;
  if (!action || !role || !ctx.user.roles.includes(role)) return ctx.reply(t(lang, 'action.notAllowedApprove', { role: role ?? '-', title: action?.title ?? progress.request.actionId }));
  try {
    await ctx.actions.decide(workflowId, { id: ctx.user.id, name: ctx.user.name }, approve);
  } catch (err) {
    if (err instanceof ActionRejected) return ctx.reply(t(lang, 'restart.rejected', { reason: err.message }));
    throw err;
  }
}

/** A home's button for an action that takes no values: action.run:<action id>, run in the chat where pressed. */
async function runFromButton(ctx: CommandContext, actionId: string): Promise<void> {
  const action = own(actionsInReach(ctx.config, ctx.user, ctx.chat), actionId);
  if (!action) return ctx.reply(t(ctx.user.language, 'error.unknownCommand', { command: actionId.slice(0, 40) }));
  if (!mayRunAction(action, ctx.user.roles)) return refuseAction(ctx, action);
  const grammar = actionGrammar(action);
  const first = grammar.tokens.find((tk) => 'param' in tk) as { param: string } | undefined;
  // Only actions of words alone have such a button; one that takes values is answered with its grammar.
  const match = first ? problem({ code: 'missing', param: first.param }) : matchGrammar(grammar, action.says)!;
  await runAction(ctx, { id: actionId, action, match });
}

/** Approve and Deny on an action's approval request (action.approve:<workflow id>); Run on a home (action.run:<action id>). */
export const actionButtons: ButtonHandler[] = [
  { verb: 'action.run', run: runFromButton },
  { verb: 'action.approve', run: (ctx, workflowId) => decide(ctx, workflowId, true) },
  { verb: 'action.deny', run: (ctx, workflowId) => decide(ctx, workflowId, false) },
];

const capitalised = (s: string) => s.charAt(0).toUpperCase() + s.slice(1);

/** help's lines for the actions this person may run: "where is <ip> — Where is this IP?". */
export function actionHelpLines(ctx: CommandContext): string[] {
  const mine = Object.values(actionsInReach(ctx.config, ctx.user, ctx.chat)).filter((a) => mayRunAction(a, ctx.user.roles));
  if (mine.length === 0) return [];
  return [t(ctx.user.language, 'help.actions'), ...mine.map((a) => `• ${grammarUsage(actionGrammar(a))} — ${a.title}`)];
}
