/**
 * An RT web session for the bot account. RT checks a password or token with
 * bcrypt on every request that carries one (about a quarter of a second at
 * RT's default cost); a session cookie is checked in a millisecond. So the
 * REST 2.0 client logs in once through RT's login form, sends the cookie, and
 * logs in again when RT forgets the session (RT then answers with its HTML
 * login page). Where the form does not give a working session (external
 * authentication, a wrong password), it sends the password instead.
 */
import { httpCall } from './http';
import type { RtOptions } from './rt-common';

export class RtSession {
  private cookie: Promise<string | undefined> | undefined;
  private formUnavailable = false;

  constructor(private readonly options: RtOptions) {}

  /** The Cookie header to send, logging in first when there is none; undefined when only the password works. */
  current(): Promise<string | undefined> {
    if (this.formUnavailable || !this.options.user || !this.options.password) return Promise.resolve(undefined);
    this.cookie ??= this.login().catch((err) => {
      this.cookie = undefined;
      throw err;
    });
    return this.cookie;
  }

  /** RT did not accept the cookie: the next call logs in again. */
  forget(): void {
    this.cookie = undefined;
  }

  private async login(): Promise<string | undefined> {
    const url = `${this.options.url.replace(/\/+$/, '')}/NoAuth/Login.html`;
    const body = new URLSearchParams({ user: this.options.user ?? '', pass: this.options.password?.() ?? '' });
    let res: Response;
    try {
      res = await fetch(url, { method: 'POST', body, redirect: 'manual', signal: AbortSignal.timeout(30_000) });
    } catch {
      // Unreachable: let the REST call itself report it, with its usual classification.
      await httpCall(url, { method: 'HEAD' }, 'RT login');
      return undefined;
    }
    await res.arrayBuffer();
    const cookie = res.headers.getSetCookie().find((c) => c.startsWith('RT_SID_'))?.split(';')[0];
    // RT sets a session cookie either way; only a logged-in one gets JSON from REST 2.0.
    if (cookie && (await this.works(cookie))) return cookie;
    this.formUnavailable = true;
    return undefined;
  }

  private async works(cookie: string): Promise<boolean> {
    const res = await fetch(`${this.options.url.replace(/\/+$/, '')}/REST/2.0/queues/all?per_page=1`, { headers: { cookie }, signal: AbortSignal.timeout(30_000) });
    await res.arrayBuffer();
    return res.ok && isJson(res.headers.get('content-type'));
  }
}

export function isJson(contentType: string | null | undefined): boolean {
  return /json/i.test(contentType ?? '');
}
