/**
 * The sign-in link's page and the sign-out: GET /console/signin?t=<token>
 * shows who the link signs in, and only its button (a POST) uses the link up,
 * so a chat's link preview cannot; POST /console/signout ends the session.
 * The page has no script (the console's CSP allows none inline) and holds
 * nothing from outside but the checked token and a configured name, escaped.
 */
import express, { type Router } from 'express';
import type { LoadedConfig } from '../../config/load';
import type { AuditTrail } from '../audit';
import type { ConsoleIdentity } from './identity';

/** What a token looks like (base64url.base64url); anything else is refused before it is used anywhere. */
const TOKEN = /^[A-Za-z0-9_-]{10,1000}\.[A-Za-z0-9_-]{20,100}$/;

const escapeHtml = (text: string) => text.replace(/[&<>"']/g, (c) => `&#${c.charCodeAt(0)};`);

function page(title: string, body: string): string {
  return `<!doctype html><html lang="en"><head><meta charset="utf-8"><title>${escapeHtml(title)}</title><meta name="viewport" content="width=device-width, initial-scale=1"><link rel="stylesheet" href="/console/page.css"></head><body><main class="signin"><h1>dutydesk</h1>${body}</main></body></html>`;
}

export function signInRouter(identity: ConsoleIdentity, config: LoadedConfig, audit?: AuditTrail): Router {
  const router = express.Router();
  const note = (who: string, what: 'console sign-in' | 'console sign-out', outcome: 'done' | 'refused', detail?: string) =>
    void audit?.record({ who, platform: 'web', what, outcome, ...(detail ? { detail } : {}) });
  const form = express.urlencoded({ extended: false, limit: '4kb' });

  router.get('/console/signin', (req, res) => {
    const token = String(req.query.t ?? '');
    const person = identity.mode === 'chat' && TOKEN.test(token) ? config.users.find((u) => u.id === identity.sessions.linkFor(token)) : undefined;
    if (!person) {
      return res.status(400).type('html').send(page('Sign-in link not valid', '<p>This sign-in link is not valid, has expired or was used already. Write <b>console</b> to the bot in your chat for a new one.</p>'));
    }
    res
      .type('html')
      .send(
        page(
          'Sign in to dutydesk',
          `<form method="post" action="/console/signin"><input type="hidden" name="t" value="${escapeHtml(token)}"><p>Sign in to the dutydesk console as <b>${escapeHtml(person.name)}</b> (${escapeHtml(person.id)}). Not you? Close this page: someone sent you their own link.</p><button>Sign in</button></form>`,
        ),
      );
  });

  router.post('/console/signin', form, (req, res) => {
    const token = String(req.body?.t ?? '');
    const from = `web:${(req.ip ?? 'unknown').replace(/^::ffff:/, '')}`;
    if (identity.mode !== 'chat' || !identity.sameOrigin(req) || !TOKEN.test(token)) {
      note(from, 'console sign-in', 'refused', identity.mode !== 'chat' ? `sign-in is ${identity.mode}` : !TOKEN.test(token) ? 'not a sign-in token' : "another site's page");
      return res.status(400).type('html').send(page('Sign-in refused', '<p>This sign-in was refused. Write <b>console</b> to the bot in your chat for a new link.</p>'));
    }
    const used = identity.sessions.redeem(token);
    if ('error' in used || !config.users.some((u) => u.id === used.userId)) {
      const why = 'error' in used ? { invalid: 'is not valid', expired: 'has expired', used: 'was used already' }[used.error] : 'is for someone dutydesk no longer knows';
      note('error' in used ? from : used.userId, 'console sign-in', 'refused', `the link ${why}`);
      return res.status(401).type('html').send(page('Sign-in refused', `<p>This sign-in link ${why}. Write <b>console</b> to the bot in your chat for a new one.</p>`));
    }
    note(used.userId, 'console sign-in', 'done');
    identity.setCookie(req, res, identity.sessions.start(used.userId));
    res.redirect(303, '/');
  });

  router.post('/console/signout', (req, res) => {
    const found = identity.identify(req);
    if (!identity.sameOrigin(req)) return res.status(403).json({ error: "this request comes from another site's page; use the console itself" });
    if ('session' in found && found.session) {
      identity.sessions.signOut(found.session);
      note(found.userId, 'console sign-out', 'done');
    }
    identity.clearCookie(req, res);
    res.status(204).end();
  });

  return router;
}
