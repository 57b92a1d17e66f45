/**
 * What a person reaches when the deployment has teams: their teams' actions
 * only, a team's actions only in that team's chats or in direct chat, and a
 * team's hosts only. Without teams every person reaches every action, as
 * before. The gateway and the worker ask the same questions here.
 */
import { own } from '../lib/own';
import type { ActionConfig } from './actions-schema';
import type { DutydeskConfig, UserConfig } from './schema';
import type { ChatRef } from '../workflows/restart/definitions';

export const hasTeams = (config: Pick<DutydeskConfig, 'teams'>): boolean => Object.keys(config.teams).length > 0;

/** An action's team is the first part of its id: net.whereis is team net's. */
export const teamOfAction = (actionId: string): string => actionId.split('.')[0];

export function teamsOf(config: Pick<DutydeskConfig, 'teams'>, userId: string): string[] {
  return Object.entries(config.teams)
    .filter(([, t]) => t.members.includes(userId))
    .map(([name]) => name);
}

/** The configured chat this is, by its id on the platform. */
export function chatNameOf(config: Pick<DutydeskConfig, 'chats'>, chat: ChatRef): string | undefined {
  return Object.entries(config.chats).find(([, c]) => c[chat.platform] === chat.chatId)?.[0];
}

export function teamOfChat(config: Pick<DutydeskConfig, 'chats' | 'teams'>, chat: ChatRef): string | undefined {
  const name = chatNameOf(config, chat);
  return name === undefined ? undefined : Object.entries(config.teams).find(([, t]) => t.chats.includes(name))?.[0];
}

/** The person's own direct chat with the bot on that platform. */
export function isDirectChat(chat: ChatRef, user: Pick<UserConfig, 'id' | 'telegram' | 'slack'>): boolean {
  if (chat.platform === 'web') return chat.chatId === `dm-${user.id}`;
  if (chat.platform === 'telegram') return user.telegram !== undefined && chat.chatId === user.telegram;
  // Slack: an IM channel (D…), or the member id itself, which chat.postMessage takes for the app's direct messages.
  return chat.chatId.startsWith('D') || (user.slack !== undefined && chat.chatId === user.slack);
}

/** The teams whose actions the person may run in this chat (no chat: wherever they may, as on a home). */
export function teamsInReach(config: Pick<DutydeskConfig, 'chats' | 'teams'>, user: UserConfig, chat?: ChatRef): string[] {
  const mine = teamsOf(config, user.id);
  if (!chat || isDirectChat(chat, user)) return mine;
  const team = teamOfChat(config, chat);
  return team !== undefined && mine.includes(team) ? [team] : [];
}

/** The actions the person may see in this chat: all without teams; else those of the teams in reach. */
export function actionsInReach(config: Pick<DutydeskConfig, 'actions' | 'chats' | 'teams'>, user: UserConfig, chat?: ChatRef): Record<string, ActionConfig> {
  if (!hasTeams(config)) return config.actions;
  const teams = teamsInReach(config, user, chat);
  return Object.fromEntries(Object.entries(config.actions).filter(([id]) => teams.includes(teamOfAction(id))));
}

/** The host groups an action's step reaches: its own, with "*" read as all of the team's hosts. */
export function stepGroups(config: Pick<DutydeskConfig, 'teams'>, actionId: string, groups: readonly string[]): string[] {
  const team = hasTeams(config) ? own(config.teams, teamOfAction(actionId)) : undefined;
  if (!team || team.hostGroups.includes('*')) return [...groups];
  return groups.includes('*') ? [...team.hostGroups] : groups.filter((g) => team.hostGroups.includes(g));
}

const inventories = new WeakMap<object, Map<string, Pick<DutydeskConfig, 'hosts' | 'inventory'>>>();

/** The inventory as an action's team sees it: its own hosts, everyone's networks; made once per configuration and team. */
export function teamInventory(config: Pick<DutydeskConfig, 'hosts' | 'inventory' | 'teams'>, actionId: string): Pick<DutydeskConfig, 'hosts' | 'inventory'> {
  const groups = stepGroups(config, actionId, ['*']);
  if (groups.includes('*')) return config;
  let views = inventories.get(config);
  if (!views) inventories.set(config, (views = new Map()));
  const team = teamOfAction(actionId);
  let view = views.get(team);
  if (!view) views.set(team, (view = { inventory: config.inventory, hosts: Object.fromEntries(Object.entries(config.hosts).filter(([, h]) => h.groups.some((g) => groups.includes(g)))) }));
  return view;
}
