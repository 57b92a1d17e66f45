/**
 * What a person's home shows, whatever the platform renders it as (Slack's
 * App Home, "home" and Telegram's /start in chat): open incidents when
 * monitoring exists, their open tickets, running operations (restarts and
 * actions), what they may do, and the actions they may run (those without
 * parameters as buttons).
 */
import { can } from '../../config/access';
import type { LoadedConfig } from '../../config/load';
import type { UserConfig } from '../../config/schema';
import { actionsInReach, hasTeams, isDirectChat, teamOfChat, teamsInReach, teamsOf } from '../../config/teams';
import type { ChatRef } from '../../workflows/restart/definitions';
import { actionGrammar, mayRunAction } from '../../lib/actions/catalog';
import { grammarUsage } from '../../lib/actions/grammar';
import { t, type MessageKey } from '../../lib/i18n';
import type { Services } from '../commands/context';
import type { HomeAction, HomeContent } from '../../lib/messages/home';

export function homeActions(config: LoadedConfig, user: UserConfig, chat?: ChatRef): HomeAction[] {
  return Object.entries(actionsInReach(config, user, chat))
    .filter(([, a]) => mayRunAction(a, user.roles))
    .map(([id, a]) => {
      const grammar = actionGrammar(a);
      return { id, title: a.title, usage: grammarUsage(grammar), runnable: grammar.tokens.every((tk) => 'literal' in tk) };
    });
}

export async function homeContent(
  config: LoadedConfig,
  services: Pick<Services, 'restarts' | 'tickets' | 'incidents' | 'actions'>,
  user: UserConfig,
  language: string,
  extra: { helpKeys: { capability?: Parameters<typeof can>[2]; helpKey: MessageKey }[]; consoleButton?: boolean; chat?: ChatRef },
): Promise<HomeContent> {
  // What cannot be read now (Temporal busy, a list failing) is left out rather than failing the whole home.
  const [restarts, actions, owned, incidents] = await Promise.all([
    services.restarts.running().catch(() => []),
    services.actions.running(20, hasTeams(config) ? teamsInReach(config, user, extra.chat) : undefined).catch(() => []),
    config.tickets ? services.tickets.ownedBy(user.tickets).catch(() => []) : undefined,
    config.monitoring && can(config, user, 'status') ? services.incidents.open().catch(() => undefined) : undefined,
  ]);
  // Runs of actions this person reaches (with teams: their teams'), and restarts of hosts their teams hold.
  // In a group chat, only what its team may see: the person's other teams' runs stay out of it.
  const reach = actionsInReach(config, user, extra.chat);
  // Restarts: in a team's room, of that team's hosts (to its members); in a room of no team, of hosts no team holds;
  // in direct chat or on a home of one's own, of the person's teams' hosts.
  const inGroups = (host: string, groups: string[]) => groups.includes('*') || (Object.hasOwn(config.hosts, host) && config.hosts[host].groups.some((g) => groups.includes(g)));
  const groupsOf = (teams: string[]) => teams.flatMap((team) => config.teams[team].hostGroups);
  const inRoom = extra.chat !== undefined && !isDirectChat(extra.chat, user);
  const roomTeam = inRoom ? teamOfChat(config, extra.chat!) : undefined;
  const holds = (host: string) => {
    if (!hasTeams(config)) return true;
    if (!inRoom) return inGroups(host, groupsOf(teamsOf(config, user.id)));
    if (roomTeam === undefined) return !inGroups(host, groupsOf(Object.keys(config.teams)));
    return teamsOf(config, user.id).includes(roomTeam) && inGroups(host, config.teams[roomTeam].hostGroups);
  };
  return {
    name: user.name,
    language,
    tickets: owned,
    incidents: incidents && { total: incidents.total, subjects: incidents.incidents.slice(0, 10).map((i) => i.host ?? i.workflowId) },
    running: [
      ...restarts.filter((r) => holds(r.host)).map((r) => ({ what: t(language, 'home.restartOf', { host: r.host }), requestedBy: r.requestedBy })),
      ...actions.filter((a) => Object.hasOwn(reach, a.actionId)).map((a) => ({ what: reach[a.actionId].title, requestedBy: a.requestedBy })),
    ],
    youCan: extra.helpKeys.filter((c) => !c.capability || can(config, user, c.capability)).map((c) => t(language, c.helpKey)),
    actions: homeActions(config, user, extra.chat),
    consoleButton: extra.consoleButton,
  };
}
