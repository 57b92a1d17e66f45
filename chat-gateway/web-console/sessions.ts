/**
 * Console sign-in without passwords: a person asks in the chat they already
 * use (`console`), gets a one-time link that lasts a few minutes in their
 * direct chat, and opening it (and pressing Sign in: a link preview must not
 * use it up) turns it into a session cookie. Both are signed with the
 * gateway's key (HMAC-SHA256), so the gateway keeps no session table: only
 * the links already used and the sessions signed out, each until it would
 * have expired anyway, kept in a file of the data folder so a restart forgets
 * none. With several gateways, give them the same key (each remembers what it saw).
 */
import { createHmac, randomBytes, timingSafeEqual } from 'node:crypto';
import { EventEmitter } from 'node:events';
import { mkdirSync, readFileSync, renameSync, writeFileSync } from 'node:fs';
import path from 'node:path';

/** How long a sign-in link works. */
export const LINK_TTL_MS = 10 * 60_000;
/** Links a person may ask for in an hour: enough for every device, too few to flood what is remembered. */
export const LINKS_PER_HOUR = 10;
/** Links used and sessions signed out, remembered at most: no new links past it (forgetting one would bring a signed-out session back). */
const MAX_REMEMBERED = 10_000;
/** A renewed session's old cookie still works this long, for the requests the page had already sent with it. */
const RENEWAL_GRACE_MS = 60_000;

/** No link now: too many asked for, by the person or by everyone. */
export class SignInLimit extends Error {
  override name = 'SignInLimit';
  constructor(
    /** The text that tells the person, in their language. */
    readonly key: 'console.tooManyLinks' | 'console.tooManySignIns',
    readonly vars: Record<string, string> = {},
  ) {
    super(key);
  }
}

interface Signed {
  /** The dutydesk user. */
  u: string;
  /** Expiry, ms since the epoch. */
  e: number;
  /** A random id: the link's (used once) or the session's (signed out). */
  n: string;
  /** "link" or "session": a link is never a session and the other way round. */
  k: 'link' | 'session';
  /** When the session was made (for rotation). */
  i?: number;
}

export interface Session {
  userId: string;
  expires: number;
  id: string;
  issued: number;
}

/** Emits "signedOut" (the Session) when a session is signed out, so live pages of it can end. */
export class ConsoleSessions extends EventEmitter {
  private readonly used = new Map<string, number>();
  /** Session id → when it stops working (at once when signed out, after a grace when renewed) and when it would have expired. */
  private readonly signedOut = new Map<string, { from: number; until: number }>();
  /** When each person last asked for links, within the hour. */
  private readonly asked = new Map<string, number[]>();
  private sweptAt = 0;

  constructor(
    private readonly key: Buffer,
    readonly sessionTtlMs: number,
    private readonly now: () => number = Date.now,
    /** Where used links and signed-out sessions are kept across restarts; in memory only when absent. */
    private readonly file?: string,
  ) {
    super();
    // Every live page listens.
    this.setMaxListeners(0);
    this.load();
  }

  /** A one-time sign-in token for the user, to put in a link; SignInLimit past LINKS_PER_HOUR, or when too much is remembered. */
  link(userId: string): string {
    const now = this.now();
    const recent = (this.asked.get(userId) ?? []).filter((at) => at > now - 3_600_000);
    if (recent.length >= LINKS_PER_HOUR) {
      const minutes = Math.max(1, Math.ceil((recent[0] + 3_600_000 - now) / 60_000));
      throw new SignInLimit('console.tooManyLinks', { count: String(LINKS_PER_HOUR), minutes: String(minutes) });
    }
    this.forgetExpired();
    if (this.used.size >= MAX_REMEMBERED || this.signedOut.size >= MAX_REMEMBERED) throw new SignInLimit('console.tooManySignIns');
    this.asked.set(userId, [...recent, now]);
    return this.sign({ u: userId, e: now + LINK_TTL_MS, n: randomBytes(16).toString('base64url'), k: 'link' });
  }

  /** Whom a sign-in token is for, without using it up (the link's page says who it signs in); undefined when it would be refused. */
  linkFor(token: string): string | undefined {
    const claims = this.verify(token, 'link');
    return claims && claims.e >= this.now() && !this.used.has(claims.n) ? claims.u : undefined;
  }

  /** Uses a sign-in token up: the user it was made for, or why not. */
  redeem(token: string): { userId: string } | { error: 'invalid' | 'expired' | 'used' } {
    const claims = this.verify(token, 'link');
    if (!claims) return { error: 'invalid' };
    if (claims.e < this.now()) return { error: 'expired' };
    this.forgetExpired();
    if (this.used.has(claims.n)) return { error: 'used' };
    this.used.set(claims.n, claims.e);
    this.save();
    return { userId: claims.u };
  }

  /** A new session cookie value for the user. */
  start(userId: string): string {
    const now = this.now();
    return this.sign({ u: userId, e: now + this.sessionTtlMs, n: randomBytes(16).toString('base64url'), k: 'session', i: now });
  }

  /** The session a cookie value stands for, if it is genuine, current and not signed out. */
  session(cookie: string | undefined): Session | undefined {
    const claims = cookie ? this.verify(cookie, 'session') : undefined;
    const out = claims ? this.signedOut.get(claims.n) : undefined;
    if (!claims || claims.e < this.now() || (out && out.from <= this.now())) return undefined;
    return { userId: claims.u, expires: claims.e, id: claims.n, issued: claims.i ?? claims.e - this.sessionTtlMs };
  }

  /** Past half its life a session is renewed (a new id) and the old one retired, so a stolen old cookie stops sooner; once only. */
  needsRotation(s: Session): boolean {
    return this.now() - s.issued > this.sessionTtlMs / 2 && !this.signedOut.has(s.id);
  }

  /** The old cookie of a renewed session: it goes on working a minute, for requests already on their way, then stops. */
  retire(s: Session): void {
    this.forgetExpired();
    this.signedOut.set(s.id, { from: this.now() + RENEWAL_GRACE_MS, until: s.expires });
    this.save();
  }

  /** Sign-out: the session stops at once, and its live pages end. */
  signOut(s: Session): void {
    this.forgetExpired();
    this.signedOut.set(s.id, { from: this.now(), until: s.expires });
    this.save();
    this.emit('signedOut', s);
  }

  private sign(claims: Signed): string {
    const body = Buffer.from(JSON.stringify(claims)).toString('base64url');
    return `${body}.${this.mac(body)}`;
  }

  private verify(token: string, kind: Signed['k']): Signed | undefined {
    const [body, mac, extra] = token.split('.');
    if (!body || !mac || extra !== undefined || body.length > 1000) return undefined;
    const expected = Buffer.from(this.mac(body));
    const given = Buffer.from(mac);
    if (expected.length !== given.length || !timingSafeEqual(expected, given)) return undefined;
    try {
      const claims = JSON.parse(Buffer.from(body, 'base64url').toString('utf8')) as Signed;
      return claims.k === kind && typeof claims.u === 'string' && typeof claims.e === 'number' && typeof claims.n === 'string' ? claims : undefined;
    } catch {
      return undefined;
    }
  }

  private mac(body: string): string {
    return createHmac('sha256', this.key).update(`dutydesk-console:${body}`).digest('base64url');
  }

  /** At most once a minute: a sweep reads every entry. */
  private forgetExpired() {
    const now = this.now();
    if (now - this.sweptAt < 60_000) return;
    this.sweptAt = now;
    for (const [id, until] of this.used) if (until < now) this.used.delete(id);
    for (const [id, out] of this.signedOut) if (out.until < now) this.signedOut.delete(id);
  }

  private load() {
    if (!this.file) return;
    let kept: { used?: unknown; signedOut?: unknown };
    try {
      kept = JSON.parse(readFileSync(this.file, 'utf8'));
    } catch {
      return; // none yet, or unreadable: a new file is written at the next change
    }
    const entries = (list: unknown) => (Array.isArray(list) ? list : []).filter((e): e is [string, number, number?] => Array.isArray(e) && typeof e[0] === 'string' && typeof e[1] === 'number');
    for (const [id, until] of entries(kept.used)) this.used.set(id, until);
    // [id, until, from]; from the first version of this file, [id, until]: signed out at once.
    for (const [id, until, from] of entries(kept.signedOut)) this.signedOut.set(id, { until, from: typeof from === 'number' ? from : 0 });
    this.forgetExpired();
  }

  /** Written whole (at most 20,000 short entries), through a temporary file so a crash leaves the old one. */
  private save() {
    if (!this.file) return;
    mkdirSync(path.dirname(this.file), { recursive: true });
    const temp = `${this.file}.tmp`;
    writeFileSync(temp, JSON.stringify({ used: [...this.used], signedOut: [...this.signedOut].map(([id, out]) => [id, out.until, out.from]) }), { mode: 0o600 });
    renameSync(temp, this.file);
  }
}
