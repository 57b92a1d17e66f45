/**
 * Ticket system webhooks: POST /tickets/<system>/webhook with the body signed
 * by the system's shared secret (X-Hub-Signature: sha256=<HMAC-SHA256 hex>,
 * as Jira sends it; an RT scrip sends the same). The signed body carries its
 * time, "timestamp" in ms since the epoch (Jira's own field; the RT scrip adds
 * it and the transaction id), so a captured request cannot be replayed.
 * Unsigned or badly signed requests get 401; then a body that is not JSON 400,
 * one without a timestamp or more than 5 minutes off 401, one already
 * accepted 401 too, one naming no ticket 400. Nothing is started for any of them.
 */
import { createHmac, timingSafeEqual } from 'node:crypto';
import express, { type RequestHandler, type Router } from 'express';
import { readSecret, type LoadedConfig } from '../../config/load';
import { watchedQueues } from '../../activities/tickets/systems';
import { own } from '../../lib/own';
import { refuseUnread } from '../body-errors';
import type { TicketClient } from './ticket-client';
import { ReplayGuard } from './replay-guard';

/** The ticket a payload is about: RT's scrip sends { ticket, queue, ... } (or { id }), Jira sends { issue: { key } }. */
export function ticketIdOf(payload: unknown): string | undefined {
  const p = payload as { ticket?: unknown; id?: unknown; issue?: { key?: unknown } } | null;
  const id = p?.issue?.key ?? p?.ticket ?? p?.id;
  if (typeof id === 'number' && Number.isInteger(id)) return String(id);
  if (typeof id === 'string' && /^[A-Za-z0-9_-]{1,64}$/.test(id)) return id;
  return undefined;
}

/** The queue (RT) or project (Jira) a payload names, when it names one. */
export function queueOf(payload: unknown): string | undefined {
  const p = payload as { queue?: unknown; issue?: { fields?: { project?: { key?: unknown } } } } | null;
  const queue = p?.issue?.fields?.project?.key ?? p?.queue;
  return typeof queue === 'string' ? queue : undefined;
}

export function signBody(secret: string, body: Buffer | string): string {
  return `sha256=${createHmac('sha256', secret).update(body).digest('hex')}`;
}

function signatureMatches(secret: string, body: Buffer, given: string | undefined): given is string {
  if (!given) return false;
  const expected = Buffer.from(signBody(secret, body));
  const actual = Buffer.from(given.trim());
  return expected.length === actual.length && timingSafeEqual(expected, actual);
}

/** `guard` is the memory of accepted deliveries, one per gateway (a test may pass its own to look at it). */
export function ticketWebhookRouter(config: LoadedConfig, tickets: TicketClient, log: (line: string) => void = console.error, guard = new ReplayGuard()): Router {
  const router = express.Router();
  // What costs nothing is checked before the body is read: the system, and that a signature is there at all.
  const known: RequestHandler = (req, res, next) => {
    const system = String(req.params.system);
    if (!own(config.tickets?.systems, system)?.webhookSecret) {
      return refuseUnread(res, 404, `no webhook for ticket system "${system.slice(0, 100)}": set tickets.systems.<name>.webhookSecret`);
    }
    if (!/^sha256=[0-9a-f]{64}$/i.test((req.get('x-hub-signature-256') ?? req.get('x-hub-signature') ?? '').trim())) {
      return refuseUnread(res, 401, 'missing or wrong X-Hub-Signature (sha256=<HMAC-SHA256 of the body with the shared secret>)');
    }
    next();
  };
  router.post('/tickets/:system/webhook', known, express.raw({ type: () => true, limit: '1mb' }), async (req, res) => {
    const system = String(req.params.system);
    const settings = own(config.tickets?.systems, system);
    if (!settings?.webhookSecret) return;
    const body = Buffer.isBuffer(req.body) ? req.body : Buffer.alloc(0);
    const signature = req.get('x-hub-signature-256') ?? req.get('x-hub-signature');
    if (!signatureMatches(readSecret(settings.webhookSecret, config).trim(), body, signature)) {
      res.status(401).json({ error: 'missing or wrong X-Hub-Signature (sha256=<HMAC-SHA256 of the body with the shared secret>)' });
      return;
    }
    let payload: unknown;
    try {
      payload = JSON.parse(body.toString('utf8'));
    } catch {
      res.status(400).json({ error: 'the body is not JSON' });
      return;
    }
    // Only now, with the signature checked: an unsigned request never reaches the memory.
    const fresh = guard.fresh(payload);
    if (!fresh.ok) {
      res.status(401).json({ error: fresh.error });
      return;
    }
    // 401, not 409: Jira Cloud retries a 409 (as it does 408, 425, 429 and 5xx), so a repeat would
    // come back again and again; a 401 ends it, and the error says it is a repeat, not a wrong secret.
    const seenKey = `${system} ${signature.trim()}`;
    if (!guard.firstTime(seenKey, fresh.at)) {
      res.status(401).json({ error: 'a repeat: this very signed body was already accepted, and is not taken twice (the secret is right); a new change is a new delivery with its own "timestamp"' });
      return;
    }
    const id = ticketIdOf(payload);
    if (!id) {
      res.status(400).json({ error: 'no ticket in the payload: expected { "ticket": <id> } or Jira\'s { "issue": { "key": ... } }' });
      return;
    }
    // A change in a queue no group watches starts nothing (RT's scrip reports every queue),
    // but reaches a ticket that was followed before it moved there.
    const queue = queueOf(payload);
    const watched = queue === undefined || watchedQueues(config, system).includes(queue);
    try {
      if (watched) await tickets.changed(system, id);
      else if (!(await tickets.changedIfFollowed(system, id))) {
        res.status(202).json({ ignored: { system, ticket: id, queue, reason: 'no group watches this queue' } });
        return;
      }
      res.status(202).json({ accepted: { system, ticket: id } });
    } catch (err) {
      // Not handed over: the sender's retry of this very body must be taken.
      guard.forget(seenKey);
      log(`dutydesk gateway: webhook for ${system} ticket ${id} not handed over: ${(err as Error).message}`);
      res.status(503).json({ error: 'Temporal is not reachable; the ticket system should retry' });
    }
  });
  return router;
}
