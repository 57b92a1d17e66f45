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
/** Links used and sessions signed out, remembered at most (the oldest go first). */
const MAX_REMEMBERED = 10_000;

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
  private readonly signedOut = new Map<string, number>();

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

  /** A one-time sign-in token for the user, to put in a link. */
  link(userId: string): string {
    return this.sign({ u: userId, e: this.now() + LINK_TTL_MS, n: randomBytes(16).toString('base64url'), k: 'link' });
  }

  /** Uses a sign-in token up: the user it was made for, or why not. */
  redeem(token: string): { userId: string } | { error: 'invalid' | 'expired' | 'used' } {
    const claims = this.verify(token, 'link');
    if (!claims) return { error: 'invalid' };
    if (claims.e < this.now()) return { error: 'expired' };
    this.forgetExpired();
    if (this.used.has(claims.n)) return { error: 'used' };
    this.remember(this.used, claims.n, claims.e);
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
    if (!claims || claims.e < this.now() || this.signedOut.has(claims.n)) return undefined;
    return { userId: claims.u, expires: claims.e, id: claims.n, issued: claims.i ?? claims.e - this.sessionTtlMs };
  }

  /** Past half its life a session is renewed (a new id) and the old one signed out, so a stolen old cookie stops sooner. */
  needsRotation(s: Session): boolean {
    return this.now() - s.issued > this.sessionTtlMs / 2;
  }

  signOut(s: Session): void {
    this.forgetExpired();
    this.remember(this.signedOut, s.id, s.expires);
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

  private remember(map: Map<string, number>, id: string, until: number) {
    while (map.size >= MAX_REMEMBERED) map.delete(map.keys().next().value as string);
    map.set(id, until);
  }

  private forgetExpired() {
    const now = this.now();
    for (const map of [this.used, this.signedOut]) for (const [id, until] of map) if (until < now) map.delete(id);
  }

  private load() {
    if (!this.file) return;
    let kept: { used?: [string, number][]; signedOut?: [string, number][] };
    try {
      kept = JSON.parse(readFileSync(this.file, 'utf8'));
    } catch {
      return; // none yet, or unreadable: a new file is written at the next change
    }
    const valid = (e: unknown): e is [string, number] => Array.isArray(e) && typeof e[0] === 'string' && typeof e[1] === 'number';
    for (const [map, entries] of [[this.used, kept.used], [this.signedOut, kept.signedOut]] as const) {
      for (const entry of Array.isArray(entries) ? entries.slice(-MAX_REMEMBERED) : []) if (valid(entry)) map.set(entry[0], entry[1]);
    }
    this.forgetExpired();
  }

  /** Written whole (at most 20,000 short entries), through a temporary file so a crash leaves the old one. */
  private save() {
    if (!this.file) return;
    mkdirSync(path.dirname(this.file), { recursive: true });
    const temp = `${this.file}.tmp`;
    writeFileSync(temp, JSON.stringify({ used: [...this.used], signedOut: [...this.signedOut] }), { mode: 0o600 });
    renameSync(temp, this.file);
  }
}
