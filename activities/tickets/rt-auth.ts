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
 * When RT forgets the session, the next call signs in again. Where no session
 * can be had (RT behind external authentication), every request carries the
 * credentials.
 */
import { basicAuth, httpCall } from './http';
import type { RtOptions, ServerClock } from './rt-common';
import { TicketSystemRefused } from './port';

export class RtAuth {
  private session: Promise<string | undefined> | undefined;
  private sessionUnavailable = false;

  constructor(
    private readonly options: RtOptions,
    /** Told RT's time from the sign-in's answer, so the first poll already counts back on RT's clock. */
    private readonly clock?: ServerClock,
  ) {}

  /** The Authorization header every write (and any call without a session) carries. */
  credentials(): Record<string, string> {
    const { token, user, password } = this.options;
    if (token) return { authorization: `token ${token()}` };
    return { authorization: basicAuth(user ?? '', password?.() ?? '') };
  }

  /** REST 1.0's way of sending a password: form fields, as RT's login does (tokens go in the header). */
  formCredentials(): Record<string, string> {
    return this.options.token ? {} : { user: this.options.user ?? '', pass: this.options.password?.() ?? '' };
  }

  /** The Cookie header of the bot's REST session, signing in first when there is none; undefined where RT gives none. */
  cookie(): Promise<string | undefined> {
    if (this.sessionUnavailable) return Promise.resolve(undefined);
    this.session ??= this.signIn().catch((err) => {
      this.session = undefined;
      throw err;
    });
    return this.session;
  }

  /** RT did not take the cookie (its session expired): the next call signs in again. */
  forget(): void {
    this.session = undefined;
  }

  private async signIn(): Promise<string | undefined> {
    const url = `${this.options.url.replace(/\/+$/, '')}/REST/1.0/`;
    const form = this.formCredentials();
    const headers = this.options.token ? this.credentials() : {};
    const result = await httpCall(url, { method: 'POST', headers, body: new URLSearchParams(form), redirect: 'manual' }, 'RT sign-in');
    this.clock?.observe(result.serverTime);
    const status = Number(/^RT\/\S+ (\d{3})/.exec(result.text)?.[1] ?? 0);
    if (status === 401) {
      const what = this.options.token ? 'auth token' : 'user name and password';
      throw new TicketSystemRefused(`RT sign-in: RT refused dutydesk's ${what} (401 Credentials required)`, 401);
    }
    const cookie = result.cookies.find((c) => c.startsWith('RT_SID_'))?.split(';')[0];
    if (status === 200 && cookie) return cookie;
    // Not a REST 1.0 answer (external authentication in front of RT, say): send the credentials on every call.
    this.sessionUnavailable = true;
    return undefined;
  }
}
