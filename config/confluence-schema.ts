/**
 * The inventory published to Confluence (REST API v2): which space, under
 * which page, which pages, how often, and whether a page someone edited by
 * hand may be overwritten.
 */
import { z } from 'zod';
import { duration, httpPeer } from './schema-parts';

const pageTitle = z.string().trim().min(1).max(255);

export const confluenceSchema = httpPeer
  .extend({
    /** Confluence Cloud: the account's e-mail, sent with token (an API token) as Basic auth; without it the token goes as a Bearer token. */
    user: z.string().min(1).max(200).optional(),
    /** The space's key (as in the space's URL, e.g. NET). */
    space: z.string().regex(/^[A-Za-z0-9_~-]{1,255}$/, 'expected a space key such as NET or ~alice'),
    /** The page the published pages go under (its numeric id); absent: the top of the space. */
    parentId: z.string().regex(/^\d{1,20}$/, 'expected the numeric id of a page').optional(),
    /** The pages and their titles; a page set to false is not published. */
    pages: z
      .object({
        hosts: z.union([pageTitle, z.literal(false)]).default('Hosts (dutydesk)'),
        networks: z.union([pageTitle, z.literal(false)]).default('IP networks (dutydesk)'),
        diagram: z.union([pageTitle, z.literal(false)]).default('Network diagram (dutydesk)'),
      })
      .strict()
      .default({}),
    /** Which hosts are published; default all. */
    hostGroups: z.array(z.string().min(1)).min(1).default(['*']),
    /** Published again this often (and whenever the worker starts with a changed inventory). */
    every: duration.default('1h'),
    /** A page whose latest version is not dutydesk's (someone edited it) is left alone unless this is true. */
    overwriteHandEdits: z.boolean().default(false),
  })
  .strict()
  .superRefine((c, ctx) => {
    if (c.every < 60_000) ctx.addIssue({ code: z.ZodIssueCode.custom, path: ['every'], message: 'publish at most once a minute (every: 1m or more)' });
    const titles = Object.values(c.pages).filter((t): t is string => t !== false);
    if (new Set(titles.map((t) => t.toLowerCase())).size !== titles.length) ctx.addIssue({ code: z.ZodIssueCode.custom, path: ['pages'], message: 'give each page its own title (Confluence titles are unique in a space)' });
    if (!c.token) ctx.addIssue({ code: z.ZodIssueCode.custom, path: ['token'], message: 'Confluence needs an API token: token: { env: CONFLUENCE_TOKEN }' });
  });
export type ConfluenceConfig = z.infer<typeof confluenceSchema>;
export type InventoryPageKind = keyof ConfluenceConfig['pages'];
