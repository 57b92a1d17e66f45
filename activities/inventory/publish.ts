/**
 * Publishes the inventory to Confluence: one page each for hosts, networks
 * and the diagram. Each page dutydesk writes carries its mark in the version
 * message ("dutydesk inventory sha256:…", the digest of what it wrote), so:
 * - the same content again → no PUT;
 * - a latest version without the mark (someone edited the page) → left
 *   alone, unless told to overwrite;
 * - a stale version number (409) → read again and try once more.
 * A new page is made with a placeholder first, then written like the others.
 */
import { createHash } from 'node:crypto';
import type { ConfluenceConfig, InventoryPageKind } from '../../config/confluence-schema';
import type { DutydeskConfig } from '../../config/schema';
import { diagramPage, DIAGRAM_FILE, tablePage } from '../../lib/inventory/confluence-pages';
import { networkDiagram } from '../../lib/inventory/diagram-dot';
import { hostTable, networkTable } from '../../lib/inventory/tables';
import { ConfluenceApi, ConfluenceConflict, ConfluenceRefused, type ConfluencePage } from './confluence-api';
import { renderSvg } from './graphviz';

export const MARK = 'dutydesk inventory sha256:';
const PLACEHOLDER_TEXT = 'dutydesk is publishing this page.';

export interface PageContent {
  kind: InventoryPageKind;
  title: string;
  body: string;
  attachment?: { name: string; type: string; bytes: Buffer };
  /** Of the body and the attachment. */
  digest: string;
}

export type PageResult = 'created' | 'updated' | 'unchanged' | 'edited-by-hand' | 'overwritten';
export interface PageOutcome {
  kind: InventoryPageKind;
  /** A team's own space's page; absent for inventory.confluence's. */
  team?: string;
  title: string;
  result: PageResult;
  pageId: string;
  version: number;
  url?: string;
}

function digestOf(...parts: (string | Buffer)[]): string {
  const hash = createHash('sha256');
  for (const part of parts) hash.update(createHash('sha256').update(part).digest());
  return hash.digest('hex').slice(0, 32);
}

/** The pages' sources (the diagram before it is drawn): what a configuration change is told by. */
export function inventorySources(config: Pick<DutydeskConfig, 'hosts' | 'inventory'>, confluence: ConfluenceConfig) {
  const { pages, hostGroups } = confluence;
  return {
    hosts: pages.hosts === false ? undefined : { title: pages.hosts, body: tablePage('hosts', hostTable(config, hostGroups)) },
    networks: pages.networks === false ? undefined : { title: pages.networks, body: tablePage('networks', networkTable(config)) },
    diagram: pages.diagram === false ? undefined : { title: pages.diagram, diagram: networkDiagram(config, hostGroups) },
  };
}

/** Where the inventory goes: inventory.confluence's space with every host it names, and each team's space with the team's hosts. */
export function publications(config: Pick<DutydeskConfig, 'inventory' | 'teams'>): { team?: string; confluence: ConfluenceConfig }[] {
  const confluence = config.inventory.confluence;
  if (!confluence) return [];
  const teams = Object.entries(config.teams).flatMap(([team, t]) => (t.confluence ? [{ team, confluence: { ...confluence, space: t.confluence.space, parentId: t.confluence.parentId, hostGroups: t.hostGroups } }] : []));
  return [{ confluence }, ...teams];
}

/** A digest of everything published, to start one publication per distinct inventory. */
export function inventoryDigest(config: Pick<DutydeskConfig, 'hosts' | 'inventory' | 'teams'>): string {
  return digestOf(
    JSON.stringify(
      publications(config).map(({ confluence }) => {
        const s = inventorySources(config, confluence);
        return [confluence.url, confluence.space, confluence.parentId ?? '', s.hosts, s.networks, s.diagram && { title: s.diagram.title, dot: s.diagram.diagram.dot }];
      }),
    ),
  );
}

export async function inventoryContents(config: Pick<DutydeskConfig, 'hosts' | 'inventory'>, confluence: ConfluenceConfig, signal?: AbortSignal): Promise<PageContent[]> {
  const s = inventorySources(config, confluence);
  const contents: PageContent[] = [];
  if (s.hosts) contents.push({ kind: 'hosts', ...s.hosts, digest: digestOf(s.hosts.body) });
  if (s.networks) contents.push({ kind: 'networks', ...s.networks, digest: digestOf(s.networks.body) });
  if (s.diagram) {
    const body = diagramPage(s.diagram.diagram);
    const svg = Buffer.from(await renderSvg(s.diagram.diagram.dot, { signal }));
    contents.push({ kind: 'diagram', title: s.diagram.title, body, attachment: { name: DIAGRAM_FILE, type: 'image/svg+xml', bytes: svg }, digest: digestOf(body, svg) });
  }
  return contents;
}

const markOf = (page: ConfluencePage) => (page.version.message?.startsWith(MARK) ? page.version.message.slice(MARK.length).trim() : undefined);
/** Dutydesk's own page: its latest version has the mark, or it is still the placeholder dutydesk made. */
const isOurs = (page: ConfluencePage) => markOf(page) !== undefined || (page.version.number === 1 && (page.body?.storage?.value ?? '').includes(PLACEHOLDER_TEXT));

export async function publishPage(api: ConfluenceApi, where: { spaceId: string; parentId?: string; siteUrl: string }, content: PageContent, overwrite: boolean): Promise<PageOutcome> {
  const outcome = (page: ConfluencePage, result: PageResult): PageOutcome => ({
    kind: content.kind,
    title: content.title,
    result,
    pageId: String(page.id),
    version: page.version.number,
    url: page._links?.webui ? `${where.siteUrl.replace(/\/+$/, '')}${page._links.webui}` : undefined,
  });
  // One more read for each of the two races: a page made by another publisher a moment ago, and a version written in between.
  let createRaced = false;
  let conflicted = false;
  for (;;) {
    let page = await api.findPage(where.spaceId, content.title);
    let created = false;
    if (!page) {
      try {
        page = await api.createPage({ spaceId: where.spaceId, parentId: where.parentId, title: content.title, body: `<p>${PLACEHOLDER_TEXT}</p>` });
        created = true;
      } catch (err) {
        // Confluence refuses a second page of one title: read the one just made and go on.
        if (err instanceof ConfluenceRefused && !createRaced) {
          createRaced = true;
          continue;
        }
        throw err;
      }
    }
    const ours = created || isOurs(page);
    if (!ours && !overwrite) return outcome(page, 'edited-by-hand');
    let result: PageResult = 'unchanged';
    if (!ours || markOf(page) !== content.digest) {
      try {
        page = { ...page, ...(await api.updatePage({ id: String(page.id), title: content.title, body: content.body, version: page.version.number + 1, message: `${MARK}${content.digest}` })) };
      } catch (err) {
        // Someone wrote a version in between: read the page again (it may be edited by hand now) and try once more.
        if (err instanceof ConfluenceConflict && !conflicted) {
          conflicted = true;
          continue;
        }
        throw err;
      }
      result = created ? 'created' : ours ? 'updated' : 'overwritten';
    }
    // The picture after its page (so a page left alone keeps its own), and again if an earlier upload did not land.
    const file = content.attachment;
    if (file && (result !== 'unchanged' || (await api.attachmentComment(String(page.id), file.name)) !== `${MARK}${content.digest}`)) {
      await api.attach(String(page.id), { ...file, comment: `${MARK}${content.digest}` });
    }
    return outcome(page, result);
  }
}
