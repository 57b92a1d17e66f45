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
import { actionGrammar, mayRunAction } from '../../lib/actions/catalog';
import { grammarUsage } from '../../lib/actions/grammar';
import { t, type MessageKey } from '../../lib/i18n';
import type { Services } from '../commands/context';
import type { HomeAction, HomeContent } from '../../lib/messages/home';

export function homeActions(config: LoadedConfig, user: UserConfig): HomeAction[] {
  return Object.entries(config.actions)
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
  extra: { helpKeys: { capability?: Parameters<typeof can>[2]; helpKey: MessageKey }[]; consoleButton?: boolean },
): Promise<HomeContent> {
  // What cannot be read now (Temporal busy, a list failing) is left out rather than failing the whole home.
  const [restarts, actions, owned, incidents] = await Promise.all([
    services.restarts.running().catch(() => []),
    services.actions.running().catch(() => []),
    config.tickets ? services.tickets.ownedBy(user.tickets).catch(() => []) : undefined,
    config.monitoring && can(config, user, 'status') ? services.incidents.open().catch(() => undefined) : undefined,
  ]);
  const titleOf = (id: string) => (Object.hasOwn(config.actions, id) ? config.actions[id].title : id);
  return {
    name: user.name,
    language,
    tickets: owned,
    incidents: incidents && { total: incidents.total, subjects: incidents.incidents.slice(0, 10).map((i) => i.host ?? i.workflowId) },
    running: [
      ...restarts.map((r) => ({ what: t(language, 'home.restartOf', { host: r.host }), requestedBy: r.requestedBy })),
      ...actions.map((a) => ({ what: titleOf(a.actionId), requestedBy: a.requestedBy })),
    ],
    youCan: extra.helpKeys.filter((c) => !c.capability || can(config, user, c.capability)).map((c) => t(language, c.helpKey)),
    actions: homeActions(config, user),
    consoleButton: extra.consoleButton,
  };
}
