/**
 * Who is at the console page, by gateway.console.signIn:
 * - chat: the session cookie a sign-in link made (sessions.ts), renewed past half its life;
 * - proxy: the header an authenticating reverse proxy sets, believed only from its addresses;
 * - demo: whoever the page says (the identity picker), on loopback only, with the
 *   Host header checked so a page elsewhere cannot reach it through DNS rebinding.
 * Nothing else is believed: a user named in a request body is ignored outside demo.
 * State-changing requests from a browser must come from the console's own origin.
 */
import type { Request, Response } from 'express';
import type { LoadedConfig } from '../../config/load';
import { isLoopback } from '../../config/console-schema';
import type { UserConfig } from '../../config/schema';
import { ConsoleSessions, type Session } from './sessions';

export const SESSION_COOKIE = 'dutydesk_session';
/** Over https the cookie is __Host- prefixed: browsers then take it only Secure, for this host alone, so no sibling subdomain can set it. */
export const SECURE_SESSION_COOKIE = `__Host-${SESSION_COOKIE}`;

/** The dutydesk user id (in demo mode also a stranger's made-up one), or why there is none. */
export type Identified = { userId: string; session?: Session } | { error: string; status: 401 | 403 };

function cookieOf(req: Request, name: string): string | undefined {
  for (const part of (req.get('cookie') ?? '').split(';')) {
    const [k, ...v] = part.trim().split('=');
    if (k === name) return v.join('=');
  }
  return undefined;
}

const plainAddress = (address: string | undefined) => (address ?? '').replace(/^::ffff:/, '');

export class ConsoleIdentity {
  readonly mode: LoadedConfig['gateway']['console']['signIn'];

  constructor(
    private readonly config: LoadedConfig,
    readonly sessions: ConsoleSessions,
  ) {
    this.mode = config.gateway.console.signIn;
  }

  private user(id: string | undefined): UserConfig | undefined {
    return id ? this.config.users.find((u) => u.id === id) : undefined;
  }

  /** The person making the request, or why not; `demoUser` is what the picker sent (demo only). */
  identify(req: Request, demoUser?: unknown): Identified {
    if (this.mode === 'demo') {
      const host = (req.get('host') ?? '').replace(/:\d+$/, '');
      if (!isLoopback(host)) return { status: 403, error: `the demo console answers only on loopback addresses, not "${host.slice(0, 100)}"` };
      // A reverse proxy on this machine would pass the Host check for everyone who reaches it.
      if (req.get('x-forwarded-for') || req.get('forwarded') || req.get('via')) {
        return { status: 403, error: 'the demo console is not served through a proxy: anyone reaching the proxy could act as anyone; sign in by chat link (signIn: chat) or through an authenticating proxy (signIn: proxy)' };
      }
      // Strangers may type in demo mode too (the bot answers that it does not know them).
      return typeof demoUser === 'string' && demoUser.length > 0 && demoUser.length <= 100 ? { userId: demoUser } : { status: 401, error: 'pick who you are' };
    }
    if (this.mode === 'proxy') {
      const proxy = this.config.gateway.console.proxy;
      const fromProxy = proxy?.from.some((a) => plainAddress(a) === plainAddress(req.socket.remoteAddress));
      const user = fromProxy ? this.user(req.get(proxy?.header ?? '')?.trim()) : undefined;
      if (!user) return { status: 401, error: 'the sign-in proxy did not name a person dutydesk knows' };
      return { userId: user.id };
    }
    const session = this.sessions.session(cookieOf(req, this.cookieName(req)));
    const user = session && this.user(session.userId);
    if (!session || !user) return { status: 401, error: 'not signed in: write "console" to the bot in your chat (Telegram, Slack) and open the link it sends you' };
    return { userId: user.id, session };
  }

  private secure(req: Request): boolean {
    return req.secure || (this.config.gateway.console.publicUrl ?? '').startsWith('https:');
  }

  private cookieName(req: Request): string {
    return this.secure(req) ? SECURE_SESSION_COOKIE : SESSION_COOKIE;
  }

  /** Sets the session cookie: HttpOnly, SameSite=Strict, Secure (and __Host-) over https, for the session's life. */
  setCookie(req: Request, res: Response, value: string): void {
    const secure = this.secure(req) ? '; Secure' : '';
    res.append('set-cookie', `${this.cookieName(req)}=${value}; Path=/; HttpOnly; SameSite=Strict; Max-Age=${Math.floor(this.sessions.sessionTtlMs / 1000)}${secure}`);
  }

  clearCookie(req: Request, res: Response): void {
    const secure = this.secure(req) ? '; Secure' : '';
    res.append('set-cookie', `${this.cookieName(req)}=; Path=/; HttpOnly; SameSite=Strict; Max-Age=0${secure}`);
  }

  /** A browser's state-changing request must come from the console's own page (Origin), not another site's. */
  sameOrigin(req: Request): boolean {
    // Browsers say where a request comes from; "none" is the person's own doing (a bookmark, the address bar).
    const site = req.get('sec-fetch-site');
    if (site) return site === 'same-origin' || site === 'none';
    const origin = req.get('origin');
    if (!origin) return true; // not a browser: it carries no victim's cookie
    const own = new Set([`http://${req.get('host')}`, `https://${req.get('host')}`]);
    const configured = this.config.gateway.console.publicUrl;
    if (configured) own.add(new URL(configured).origin);
    return own.has(origin);
  }

  /** Where sign-in links point. */
  signInUrl(token: string): string {
    const base = this.config.gateway.console.publicUrl ?? `http://${this.config.gateway.listen}`;
    return `${base.replace(/\/+$/, '')}/console/signin?t=${encodeURIComponent(token)}`;
  }
}
