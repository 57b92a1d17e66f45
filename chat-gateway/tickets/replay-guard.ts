/**
 * Refuses ticket webhooks that are stale or repeated. The signed body carries
 * its own "timestamp", so a captured request ages out; inside the window, the
 * signatures already accepted are remembered, so it is not accepted twice.
 * Only ever asked about bodies whose signature was checked: an unsigned
 * request must not be able to fill the memory.
 *
 * The memory is this gateway's own (the gateway keeps no other state): with
 * several gateways a repeat may reach another one, where its only effect is
 * that the ticket's workflow reads the ticket again.
 */

/** How far a body's timestamp may be from the gateway's clock, either side. */
export const WEBHOOK_WINDOW_MS = 5 * 60_000;
/** Signatures remembered at most; past that the oldest go first (a repeat only makes a workflow read its ticket again). */
const MAX_REMEMBERED = 10_000;

export type Freshness = { ok: true; at: number } | { ok: false; error: string };

/** The body's "timestamp" as ms: Jira sends ms, a value below 1e12 is read as seconds. */
export function timestampOf(payload: unknown): number | undefined {
  const value = (payload as { timestamp?: unknown } | null)?.timestamp;
  if (typeof value !== 'number' || !Number.isFinite(value) || value <= 0) return undefined;
  return value < 1e12 ? value * 1000 : value;
}

export class ReplayGuard {
  /** Signature → when a repeat would be refused as stale anyway, in the order accepted. */
  private readonly seen = new Map<string, number>();

  constructor(
    private readonly windowMs = WEBHOOK_WINDOW_MS,
    private readonly maxRemembered = MAX_REMEMBERED,
    private readonly now: () => number = Date.now,
  ) {}

  /** Is the signed body's timestamp there and inside the window? */
  fresh(payload: unknown): Freshness {
    const at = timestampOf(payload);
    const window = `${this.windowMs / 60_000} minutes`;
    if (at === undefined) {
      return {
        ok: false,
        error: `the signed body has no numeric "timestamp" (ms since the epoch), so it could be a replay: Jira sends one itself; for Request Tracker install the current scrip code from scripts/rt/webhook-scrip.pl (README, "Webhooks")`,
      };
    }
    const skew = this.now() - at;
    if (Math.abs(skew) > this.windowMs) {
      const how = skew > 0 ? `${Math.round(skew / 1000)} s old` : `${Math.round(-skew / 1000)} s in the future`;
      return { ok: false, error: `the signed body's "timestamp" is ${how}; only deliveries within ${window} of the gateway's clock are taken: check the sender's clock (NTP) and send a new delivery` };
    }
    return { ok: true, at };
  }

  /** Remembers a fresh body's signature; false when it was already accepted inside the window. */
  firstTime(key: string, at: number): boolean {
    this.prune();
    if (this.seen.has(key)) return false;
    while (this.seen.size >= this.maxRemembered) this.seen.delete(this.seen.keys().next().value as string);
    this.seen.set(key, at + this.windowMs);
    return true;
  }

  /** Forgets a signature whose delivery could not be handed over, so the sender's retry is taken. */
  forget(key: string): void {
    this.seen.delete(key);
  }

  get size(): number {
    return this.seen.size;
  }

  /** Drops, oldest first, what a repeat could no longer pass the timestamp check with. */
  private prune() {
    const now = this.now();
    // Expiries follow the order of acceptance to within two windows (a body is accepted
    // only within a window of its timestamp): an expired entry behind a later one goes with it.
    for (const [key, until] of this.seen) {
      if (until >= now) break;
      this.seen.delete(key);
    }
  }
}
