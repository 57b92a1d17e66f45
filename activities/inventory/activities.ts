/**
 * The inventory publication as an activity (for the Schedule and for a
 * configuration change) and as a function an action's `confluence` step
 * calls. Every page is tried even when one fails; a page left alone because
 * it was edited by hand is told to ops once per version of it.
 */
import { ApplicationFailure } from '@temporalio/common';
import type { Client } from '@temporalio/client';
import { readSecret, type LoadedConfig } from '../../config/load';
import { redactSecrets } from '../../lib/redact';
import { failureRoute } from '../failures/report';
import { enqueueChatMessage } from '../chat/outbox-client';
import { ConfluenceApi, ConfluenceRefused } from './confluence-api';
import { inventoryContents, inventoryDigest, publications, publishPage, type PageOutcome } from './publish';
import { primaryChat } from '../../config/restart-plan';

export interface PublicationReport {
  pages: PageOutcome[];
  /** One line per page, for people. */
  text: string;
}

const SAID: Record<PageOutcome['result'], (o: PageOutcome) => string> = {
  created: (o) => `created (version ${o.version})`,
  updated: (o) => `updated to version ${o.version}`,
  overwritten: (o) => `overwritten as told: version ${o.version} (it had been edited by hand)`,
  unchanged: () => 'unchanged, not written',
  'edited-by-hand': (o) => `edited by hand (version ${o.version}), so left alone; run a confluence step with overwriteHandEdits to replace it`,
};

export interface PublishOptions {
  /** Overwrite pages edited by hand (absent: inventory.confluence.overwriteHandEdits). */
  overwrite?: boolean;
  signal?: AbortSignal;
  /** A team's action publishes its team's pages alone. */
  team?: string;
  /** The inventory a run was started for: a worker with another inventory leaves the run to one that has it. */
  digest?: string;
}

/** A failure no retry mends: Confluence's refusal. (Graphviz failing, a busy machine or a spawn error, is tried again.) */
const lasting = (err: unknown) => err instanceof ConfluenceRefused;

export async function publishInventory(config: LoadedConfig, client: Client, { overwrite, signal, team: onlyTeam, digest }: PublishOptions = {}): Promise<PublicationReport> {
  if (digest !== undefined && digest !== inventoryDigest(config)) {
    throw ApplicationFailure.create({ message: `this worker's inventory (${inventoryDigest(config)}) is not the one this run publishes (${digest}); a worker with it will`, type: 'OtherInventory' });
  }
  const where = publications(config).filter((p) => onlyTeam === undefined || p.team === onlyTeam);
  if (where.length === 0) return { pages: [], text: 'No Confluence is configured (inventory.confluence): nothing to publish.' };
  const pages: PageOutcome[] = [];
  const failures: { title: string; error: unknown }[] = [];
  for (const { team, confluence } of where) {
    const of = team ? ` (team ${team})` : '';
    // Each publication on its own: one refused (a space, a token) leaves the others to go on.
    try {
      const api = new ConfluenceApi({ url: confluence.url, user: confluence.user, token: () => readSecret(confluence.token!, config) });
      const spaceId = await api.spaceId(confluence.space);
      for (const content of await inventoryContents(config, confluence, signal)) {
        try {
          pages.push({ ...(await publishPage(api, { spaceId, parentId: confluence.parentId, siteUrl: confluence.url }, content, overwrite ?? confluence.overwriteHandEdits)), ...(team ? { team } : {}) });
        } catch (error) {
          failures.push({ title: `${content.title}${of}`, error });
        }
      }
    } catch (error) {
      failures.push({ title: `Space ${confluence.space}${of}`, error });
    }
  }
  for (const page of pages.filter((p) => p.result === 'edited-by-hand')) {
    // A team's page is told in the team's first chat; others to ops. A key per page version: the outbox posts it once.
    const teamChat = page.team ? config.teams[page.team].chats[0] : undefined;
    const chat = teamChat !== undefined ? primaryChat(config, teamChat) : failureRoute(config)?.chat;
    if (chat)
      await enqueueChatMessage(client, chat, {
        key: `confluence/${page.pageId}/v${page.version}/edited-by-hand`,
        mode: 'new',
        message: { text: `📝 The Confluence page "${page.title}" was edited by hand (version ${page.version}), so dutydesk no longer updates it. To replace it with the inventory, run an action with a confluence step that has overwriteHandEdits: true, or set inventory.confluence.overwriteHandEdits.${page.url ? `\n${page.url}` : ''}` },
      });
  }
  const lines = [...pages.map((p) => `${p.title}${p.team ? ` (team ${p.team})` : ''}: ${SAID[p.result](p)}${p.url && p.result !== 'unchanged' ? ` ${p.url}` : ''}`), ...failures.map((f) => `${f.title}: failed: ${redactSecrets((f.error as Error).message)}`)];
  if (failures.length) {
    const refusedOnly = failures.every((f) => lasting(f.error));
    throw ApplicationFailure.create({ message: lines.join('\n'), type: refusedOnly ? 'ConfluenceRefused' : 'ConfluenceUnavailable', nonRetryable: refusedOnly, details: [pages] });
  }
  return { pages, text: lines.join('\n') };
}

export function createInventoryActivities({ config, client }: { config: LoadedConfig; client: Client }) {
  return {
    /** What the configuration says: its overwriteHandEdits, never the caller's. */
    async publishInventory(input: { digest?: string } = {}): Promise<PublicationReport> {
      return publishInventory(config, client, { digest: input?.digest });
    },
  };
}
