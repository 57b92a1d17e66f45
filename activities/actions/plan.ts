/**
 * A run of an action as the worker's configuration allows it: the action by
 * id (own properties only), the person by id with a role that may run it,
 * the values checked against the grammar's types again, host values against
 * the inventory and the steps' host groups. A run started by hand with
 * anything else is refused, never run.
 */
import { ApplicationFailure } from '@temporalio/common';
import type { DutydeskConfig } from '../../config/schema';
import { findUser } from '../../config/access';
import { hasTeams, stepGroups, teamOfAction, teamsInReach, teamsOf } from '../../config/teams';
import { planIdOf } from '../../config/inventory';
import { primaryChat } from '../../config/restart-plan';
import type { ActionConfig, ActionStepConfig } from '../../config/actions-schema';
import { actionGrammar, askedLine, fill, mayRunAction } from '../../lib/actions/catalog';
import { matchGrammar, type Grammar } from '../../lib/actions/grammar';
import { own } from '../../lib/own';
import { ACTION_SCHEDULE_PREFIX, SCHEDULE_PERSON, type ActionPlan, type ActionRequest } from '../../workflows/action/definitions';

/** `shown`: the action's title and the line asked, when the action exists, so the refusal reads as that action's. */
export function refuse(message: string, shown?: { title: string; asked: string }): never {
  throw ApplicationFailure.create({ message, type: 'ActionRefused', nonRetryable: true, details: shown ? [shown] : [] });
}

/** The host a command or fetch step runs on, within its host groups. */
export function stepHost(config: DutydeskConfig, actionId: string, onHost: { host: string; hostGroups: string[] }, params: Record<string, string>): string {
  const name = fill(onHost.host, params);
  const host = own(config.hosts, name);
  if (!host) refuse(`there is no host "${name.slice(0, 80)}" in the inventory`);
  // With teams, within the action's team's hosts too.
  const groups = stepGroups(config, actionId, onHost.hostGroups);
  if (!groups.includes('*') && !host.groups.some((g) => groups.includes(g))) refuse(`${name} is not in ${groups.join(', ')}, where this action runs`);
  return name;
}

export interface ResolvedAction {
  action: ActionConfig;
  grammar: Grammar;
  plan: ActionPlan;
  /** The values as the grammar reads them (an address in its canonical form, a number without leading zeros). */
  params: Record<string, string>;
}

/** `scheduledBy`: the Schedule that started the run, as Temporal says (TemporalScheduledById), never the run's input. */
export function resolveAction(config: DutydeskConfig, request: ActionRequest, scheduledBy?: string): ResolvedAction {
  const action = own(config.actions, request.actionId);
  if (!action) refuse(`there is no action "${String(request.actionId).slice(0, 80)}" in this worker's configuration`);
  const grammar = actionGrammar(action);
  const params: Record<string, unknown> = request.params && typeof request.params === 'object' ? request.params : {};
  const raw = Object.fromEntries(Object.entries(params).map(([k, v]) => [k, String(v)]));
  const asked = askedLine(grammar, raw);
  const no: (message: string) => never = (message) => refuse(message, { title: action.title, asked: asked.slice(0, 300) });
  // Its progress and output go to a chat: a run that names none (started by hand) is refused.
  if (!request.chat || typeof request.chat.chatId !== 'string' || !['web', 'telegram', 'slack'].includes(request.chat.platform)) no('the run names no chat to answer in');
  let requester = SCHEDULE_PERSON;
  if (request.scheduled) {
    // Exactly the configured schedule's run, started by its Schedule, or nothing.
    const schedule = action.schedule;
    if (!schedule) no(`${action.title} has no schedule in this worker's configuration`);
    if (scheduledBy !== `${ACTION_SCHEDULE_PREFIX}${request.actionId}`) no(`this run of ${action.title} says it is scheduled, but its Schedule did not start it`);
    const sameParams = JSON.stringify(Object.entries(raw).sort()) === JSON.stringify(Object.entries(schedule.params).sort());
    const chat = primaryChat(config, schedule.chat);
    if (!sameParams || request.chat?.platform !== chat.platform || request.chat?.chatId !== chat.chatId) no(`this is not the scheduled run of ${action.title} that the configuration describes`);
  } else {
    const user = findUser(config, request.requestedBy?.id);
    if (!user) no('the person who asked is not in the configuration');
    if (!mayRunAction(action, user.roles)) no(`${user.name} may not run ${action.title}: it is for ${action.roles!.join(', ')}`);
    // With teams: a member of the action's team, in that team's chat or their own direct chat.
    if (hasTeams(config) && !teamsInReach(config, user, request.chat).includes(teamOfAction(request.actionId))) {
      no(teamsOf(config, user.id).includes(teamOfAction(request.actionId)) ? `${action.title} runs only in team ${teamOfAction(request.actionId)}'s chats or in direct chat` : `${user.name} is not in team ${teamOfAction(request.actionId)}, whose action this is`);
    }
    requester = { id: user.id, name: user.name };
  }
  const matched = matchGrammar(grammar, asked);
  if (!matched || !('params' in matched)) no(`the values do not fit "${action.says}"${matched && 'problem' in matched ? `: ${matched.problem}` : ''}`);
  for (const name of Object.keys(raw)) if (!Object.hasOwn(matched.params, name)) no(`"${name.slice(0, 40)}" is no parameter of "${action.says}"`);
  // Each value must read back as itself: one that holds spaces would move words into the next parameter.
  for (const token of grammar.tokens) {
    if (!('param' in token)) continue;
    const given = Object.hasOwn(raw, token.param) ? raw[token.param] : '';
    const alone = /\s/.test(given) && token.type.kind !== 'text' ? undefined : matchGrammar({ source: '', tokens: [{ literal: 'x' }, token] }, `x ${given}`);
    const same = alone !== undefined && 'params' in alone && alone.params[token.param] === matched.params[token.param];
    if (!same) no(`the value of ${token.param} does not fit "${action.says}" on its own`);
  }
  try {
    for (const step of action.steps) {
      if ('command' in step) stepHost(config, request.actionId, step.command, matched.params);
      if ('fetch' in step) stepHost(config, request.actionId, step.fetch, matched.params);
    }
  } catch (err) {
    no((err as Error).message);
  }
  const approval = action.approval && !request.scheduled ? action.approval : undefined;
  const plan: ActionPlan = {
    title: action.title,
    asked: askedLine(grammar, matched.params),
    requester,
    steps: action.steps.map((s, i) => ({ title: s.title ?? defaultTitle(s, i) })),
    timeoutMs: action.timeout,
    planId: planIdOf(action),
    ...(hasTeams(config) ? { team: teamOfAction(request.actionId) } : {}),
    ...(approval
      ? {
          approval: {
            role: approval.role,
            chat: primaryChat(config, (approval.chat ?? config.notify.approvals)!),
            timeoutMs: approval.timeout,
            // Who may decide, from this worker's configuration: the workflow checks each decision against it.
            // With teams, members of the action's team alone.
            approvers: config.users.filter((u) => u.roles.includes(approval.role) && u.id !== requester.id && (!hasTeams(config) || teamsOf(config, u.id).includes(teamOfAction(request.actionId)))).map((u) => ({ id: u.id, name: u.name })),
          },
        }
      : {}),
  };
  return { action, grammar, plan, params: matched.params };
}

function defaultTitle(step: ActionStepConfig, i: number): string {
  if ('ipLookup' in step) return 'Look it up in the inventory';
  if ('inventory' in step) return `List the ${step.inventory.of}`;
  if ('command' in step) return `Run ${step.command.run.split('/').pop()}`;
  if ('http' in step) return 'Ask the internal API';
  if ('checks' in step) return 'Run the checks';
  if ('fetch' in step) return `Fetch ${step.fetch.path.split('/').pop()}`;
  if ('confluence' in step) return 'Publish the inventory to Confluence';
  return `Step ${i + 1}`;
}
