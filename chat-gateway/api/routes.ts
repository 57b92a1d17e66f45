/**
 * The HTTP API for other systems: bearer tokens from config, each acting as
 * a dutydesk user whose roles decide what it may do. Errors are JSON with an
 * "error" that says what was wrong and what to do.
 *
 *   GET /api/v1/ola?period=last+month   OLA figures (capability "tickets")
 */
import { createHash, timingSafeEqual } from 'node:crypto';
import express, { type Request, type Response, type Router } from 'express';
import { can, findUser } from '../../config/access';
import { readSecret, type LoadedConfig } from '../../config/load';
import type { Capability, UserConfig } from '../../config/schema';
import { rootMessage } from '../../lib/failure';
import { MAX_PERIOD_DAYS, parsePeriod, PERIOD_FORMS, tooLong } from '../../lib/period';
import { readerZone } from '../commands/deadlines';
import type { Services } from '../commands/context';
import type { AuditTrail } from '../audit';

const digest = (token: string) => createHash('sha256').update(token).digest();

export function apiRouter(config: LoadedConfig, services: Services, log: (line: string) => void, audit?: AuditTrail): Router {
  const router = express.Router();
  // Compared as digests, in constant time; the tokens themselves are not kept.
  const tokens = config.api.tokens.map((entry) => ({ user: entry.user, digest: digest(readSecret(entry.token, config).trim()) }));

  /** The token's user when it may use the capability; otherwise answers 401/403 and returns undefined. */
  const caller = (req: Request, res: Response, capability: Capability): UserConfig | undefined => {
    const given = /^Bearer (.+)$/.exec(req.get('authorization') ?? '')?.[1];
    const match = given ? tokens.find((tk) => timingSafeEqual(tk.digest, digest(given))) : undefined;
    const user = match ? findUser(config, match.user) : undefined;
    const note = (who: string, outcome: 'done' | 'refused', detail?: string) =>
      void audit?.record({ who, platform: 'api', what: `${req.method} ${req.originalUrl}`, outcome, ...(detail ? { detail } : {}) });
    if (!user) {
      note(`api:${req.ip ?? 'unknown'}`, 'refused', 'missing or unknown token');
      res.status(401).json({ error: 'missing or unknown API token: send "Authorization: Bearer <token>" with a token from api.tokens in the configuration' });
      return undefined;
    }
    if (!can(config, user, capability)) {
      note(user.id, 'refused', `lacks "${capability}"`);
      res.status(403).json({ error: `the token's user "${user.id}" lacks the "${capability}" capability; give one of their roles "${capability}"` });
      return undefined;
    }
    note(user.id, 'done');
    return user;
  };

  router.get('/api/v1/ola', async (req, res) => {
    const user = caller(req, res, 'tickets');
    if (!user) return;
    if (!config.tickets?.ola) return res.status(400).json({ error: 'no OLA targets are configured: set tickets.ola.targets' });
    const words = typeof req.query.period === 'string' ? req.query.period : '';
    const period = parsePeriod(words, Date.now(), readerZone(config, user));
    if (!period) return res.status(400).json({ error: `unknown period "${words}"`, accepted: PERIOD_FORMS });
    const days = tooLong(period);
    if (days) return res.status(400).json({ error: `the period ${period.label} is ${days} days long; OLA figures cover at most ${MAX_PERIOD_DAYS} days: ask for a year or less` });
    try {
      res.json(await services.deadlines.ola(period));
    } catch (err) {
      log(`dutydesk gateway: OLA report for ${user.id} failed: ${rootMessage(err)}`);
      res.status(502).json({ error: `the OLA figures could not be computed: ${rootMessage(err)}` });
    }
  });

  router.use('/api', (_req, res) => res.status(404).json({ error: 'no such API route; see README.md, "HTTP API"' }));
  return router;
}
