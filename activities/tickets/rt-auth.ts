/**
 * How dutydesk proves who it is to Request Tracker.
 *
 * RT checks an auth token or a password with bcrypt on every request that
 * carries one (about 240 ms a request on RT 5.0.3 at its default cost, with a
 * database write for the token's "last used"); a session cookie is checked in
 * about 20 ms. RT 5 refuses REST 2.0 writes authenticated by a cookie unless
 * they come from its own web pages (CSRF protection), so:
 * - the bot signs in once through REST 1.0 with its auth token
 *   (`Authorization: token …`, RT 5's built-in tokens) or else its password,
 *   which makes a REST session, as RT's own `rt` command-line client keeps
 *   one, and sends that session's cookie on REST 2.0 reads and on every
 *   REST 1.0 call (RT exempts REST sessions from its referrer checks there);
 * - REST 2.0 writes carry the token itself (else basic auth).
 * When RT forgets the session, the next call signs in again, and every few
 * minutes it signs in anew anyway: RT keeps a session after its token is
 * revoked, and a revoked token must lock the bot out. A refused sign-in is
 * remembered for a little while, so hundreds of followed tickets retrying
 * during a lock-out cost RT one bcrypt check, not hundreds. Where no REST
 * session can be had (an SSO redirect or a proxy's own login in front of RT),
 * every request carries the credentials for a while, then a session is tried
 * again.
 */
import { basicAuth, unreachable } from './http';
import type { RtOptions, ServerClock } from './rt-common';
import { TicketSystemRefused, TicketSystemUnavailable } from './port';

/** How long one REST session is used before signing in anew (so a revoked token stops working). */
export const SESSION_MAX_AGE_MS = 5 * 60_000;
/** How long a refused sign-in is answered from memory. */
const REFUSAL_MEMORY_MS = 30_000;
/** How long requests carry credentials after RT gave no REST session, before one is tried again. */
const NO_SESSION_RETRY_MS = 10 * 60_000;

interface Session {
  cookie: Promise<string | undefined>;
  since: number;
}

export class RtAuth {
  private session: Session | undefined;
  /** The last refused sign-in, and with which credentials: new ones (a rotated token configured) are tried at once. */
  private refused: { error: TicketSystemRefused; until: number; credentials: string } | undefined;
  private noSessionUntil = 0;

  constructor(
    private readonly options: RtOptions,
    /** Told RT's time from the sign-in's answer. */
    private readonly clock?: ServerClock,
    private readonly maxAgeMs = SESSION_MAX_AGE_MS,
  ) {}

  /** The Authorization header every write (and any call without a session) carries. */
  credentials(): Record<string, string> {
    const { token, user, password } = this.options;
    if (token) return { authorization: `token ${token()}` };
    return { authorization: basicAuth(user ?? '', password?.() ?? '') };
  }

  private secret(): string {
    return this.options.token?.() ?? `${this.options.user}:${this.options.password?.() ?? ''}`;
  }

  /** REST 1.0's way of sending a password: form fields, as RT's login does (tokens go in the header). */
  formCredentials(): Record<string, string> {
    return this.options.token ? {} : { user: this.options.user ?? '', pass: this.options.password?.() ?? '' };
  }

  /** The Cookie header of the bot's REST session, signing in first when there is none or it is old; undefined where RT gives none. */
  cookie(): Promise<string | undefined> {
    const now = Date.now();
    if (now < this.noSessionUntil) return Promise.resolve(undefined);
    if (this.refused && now < this.refused.until && this.refused.credentials === this.secret()) return Promise.reject(this.refused.error);
    if (!this.session || now - this.session.since > this.maxAgeMs) {
      const session: Session = { since: now, cookie: this.signIn() };
      session.cookie.catch(() => {
        if (this.session === session) this.session = undefined;
      });
      this.session = session;
    }
    return this.session.cookie;
  }

  /** RT did not take this cookie (its session expired, or the token behind it was revoked): the next call signs in again. */
  async forget(cookie?: string): Promise<void> {
    const session = this.session;
    if (!session) return;
    // Parallel calls all find the same stale cookie: only the first drops it, not the new session another started.
    if (cookie === undefined || (await session.cookie.catch(() => undefined)) === cookie) {
      if (this.session === session) this.session = undefined;
    }
  }

  private async signIn(): Promise<string | undefined> {
    const url = `${this.options.url.replace(/\/+$/, '')}/REST/1.0/`;
    const headers = this.options.token ? this.credentials() : {};
    let res: Response;
    try {
      res = await fetch(url, { method: 'POST', headers, body: new URLSearchParams(this.formCredentials()), redirect: 'manual', signal: AbortSignal.timeout(30_000) });
    } catch (err) {
      throw unreachable(url, 'RT sign-in', err);
    }
    const text = await res.text();
    this.clock?.observe(Date.parse(res.headers.get('date') ?? '') || undefined);
    const status = res.status === 200 ? Number(/^RT\/\S+ (\d{3})/.exec(text)?.[1] ?? 0) : 0;
    if (status === 401) {
      const what = this.options.token ? 'auth token' : 'user name and password';
      const error = new TicketSystemRefused(`RT sign-in: RT refused dutydesk's ${what} (401 Credentials required)`, 401);
      this.refused = { error, until: Date.now() + REFUSAL_MEMORY_MS, credentials: this.secret() };
      throw error;
    }
    this.refused = undefined;
    if (res.status >= 500) throw new TicketSystemUnavailable(`RT sign-in: ${res.status}`);
    const cookie = res.headers.getSetCookie().find((c) => c.startsWith('RT_SID_'))?.split(';')[0];
    if (status === 200 && cookie) return cookie;
    // Not RT's REST 1.0 answering (an SSO redirect, a proxy's own login): credentials on every call, for a while.
    this.noSessionUntil = Date.now() + NO_SESSION_RETRY_MS;
    return undefined;
  }
}
