/**
 * Teams sharing one deployment: each names its members, its chats, its hosts
 * (by host group), its ticket groups and, optionally, its own Confluence
 * space. A team's actions are those whose id starts with the team's name
 * (net.whereis is team net's). Without a teams section everything is one
 * team, as before.
 */
import { z } from 'zod';
import { name } from './schema-parts';

export const teamSchema = z
  .object({
    /** As people read it: "Service Desk". */
    title: z.string().min(1).max(100),
    /** User ids; a person may be in several teams. */
    members: z.array(name).min(1),
    /** The team's group chats (by name); a chat is one team's at most. */
    chats: z.array(name).default([]),
    /** The hosts the team's actions may reach and list; "*" for every host. */
    hostGroups: z.array(z.string().min(1)).min(1).default(['*']),
    /** The ticket groups the team works (tickets.groups). */
    ticketGroups: z.array(name).default([]),
    /** The team's own inventory pages (its hosts) in its space, with inventory.confluence's site and credentials. */
    confluence: z
      .object({
        space: z.string().regex(/^[A-Za-z0-9_~-]{1,255}$/, 'expected a space key such as NET or ~alice'),
        parentId: z.string().regex(/^\d{1,20}$/, 'expected the numeric id of a page').optional(),
      })
      .strict()
      .optional(),
  })
  .strict();
export type TeamConfig = z.infer<typeof teamSchema>;

export const teamsSchema = z.record(z.string().regex(/^[a-z][a-z0-9-]{0,15}$/, 'expected a short lowercase team name, e.g. net or sd'), teamSchema).default({});

interface TeamCheckInput {
  teams: Record<string, TeamConfig>;
  users: { id: string }[];
  chats: Record<string, unknown>;
  hosts: Record<string, { groups: string[] }>;
  ticketGroups: string[];
  actions: Record<string, { approval?: { chat?: string }; schedule?: { chat: string }; steps: object[] }>;
  /** notify.approvals: where an approval without a chat of its own goes. */
  approvalsChat?: string;
  /** inventory.confluence's space, if it is configured. */
  confluenceSpace?: string;
}

/** Every name a team gives is known; every action belongs to a team, and stays within its hosts and chats. */
export function checkTeams({ teams, users, chats, hosts, ticketGroups, actions, approvalsChat, confluenceSpace }: TeamCheckInput, ctx: z.RefinementCtx): void {
  const teamNames = Object.keys(teams);
  if (teamNames.length === 0) return;
  const issue = (path: (string | number)[], message: string) => ctx.addIssue({ code: z.ZodIssueCode.custom, path, message });
  const userIds = new Set(users.map((u) => u.id));
  const groups = new Set(Object.values(hosts).flatMap((h) => h.groups));
  const chatTeam = new Map<string, string>();
  const spaces = new Map<string, string>(confluenceSpace ? [[confluenceSpace.toLowerCase(), 'inventory.confluence']] : []);
  for (const [team, t] of Object.entries(teams)) {
    t.members.forEach((m, i) => userIds.has(m) || issue(['teams', team, 'members', i], `unknown user "${m}"`));
    t.chats.forEach((c, i) => {
      if (!Object.hasOwn(chats, c)) issue(['teams', team, 'chats', i], `unknown chat "${c}"; defined chats: ${Object.keys(chats).join(', ') || '(none)'}`);
      else if (chatTeam.has(c)) issue(['teams', team, 'chats', i], `chat "${c}" is team ${chatTeam.get(c)}'s already: a chat belongs to one team`);
      else chatTeam.set(c, team);
    });
    t.hostGroups.forEach((g, i) => g === '*' || groups.has(g) || issue(['teams', team, 'hostGroups', i], `no host is in group "${g}"`));
    t.ticketGroups.forEach((g, i) => ticketGroups.includes(g) || issue(['teams', team, 'ticketGroups', i], `unknown ticket group "${g}"; defined groups: ${ticketGroups.join(', ') || '(none)'}`));
    if (t.confluence && !confluenceSpace) issue(['teams', team, 'confluence'], 'a team\'s pages use inventory.confluence\'s site and token: configure inventory.confluence too');
    const space = t.confluence?.space.toLowerCase();
    if (space && spaces.has(space)) issue(['teams', team, 'confluence', 'space'], `space ${t.confluence!.space} is ${spaces.get(space)}'s already: the pages' titles would meet; give the team a space of its own`);
    else if (space) spaces.set(space, `team ${team}`);
  }
  for (const [id, action] of Object.entries(actions)) {
    const team = id.split('.')[0];
    const t = Object.hasOwn(teams, team) ? teams[team] : undefined;
    if (!t) {
      issue(['actions', id], `"${team}" is no team: with teams, an action's id starts with its team (${teamNames.map((n) => `${n}.…`).join(', ')})`);
      continue;
    }
    const inTeam = (chat: string | undefined) => chat === undefined || chatTeam.get(chat) === team;
    // An approval without a chat of its own goes to notify.approvals, which must then be the team's too.
    if (action.approval && !inTeam(action.approval.chat ?? approvalsChat ?? '')) issue(['actions', id, 'approval', 'chat'], `approvals of team ${team}'s action go to one of its chats (${t.chats.join(', ') || 'none yet'})`);
    if (action.schedule && !inTeam(action.schedule.chat)) issue(['actions', id, 'schedule', 'chat'], `team ${team}'s scheduled runs post to one of its chats (${t.chats.join(', ') || 'none yet'})`);
    action.steps.forEach((step, i) => {
      if ('confluence' in step && !t.confluence) issue(['actions', id, 'steps', i, 'confluence'], `with teams, a confluence step publishes its team's own pages: give team ${team} confluence: { space }`);
    });
    if (t.hostGroups.includes('*')) continue;
    action.steps.forEach((step, i) => {
      const kind = (['command', 'fetch', 'inventory'] as const).find((k) => k in step);
      const stepGroups = kind ? (step as Record<string, { hostGroups: string[] }>)[kind].hostGroups : [];
      // "*" in a team's step is all of the team's hosts.
      const outside = stepGroups.filter((g) => g !== '*' && !t.hostGroups.includes(g));
      if (kind && outside.length) issue(['actions', id, 'steps', i, kind, 'hostGroups'], `${outside.join(', ')} is outside team ${team}'s hosts (${t.hostGroups.join(', ')})`);
    });
  }
}
