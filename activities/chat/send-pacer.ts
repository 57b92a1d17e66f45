/**
 * Spaces one worker's calls to a chat platform evenly under the bot's ceiling.
 *
 * The Temporal server's rate on the chat task queue caps all workers together,
 * but it is a token bucket: after a quiet spell it lets a burst through, and
 * Telegram counts any 30 calls within one second as a flood. Even spacing here
 * keeps every one-second window under the ceiling, so a burst of alerts is
 * sent at the full rate instead of earning 429s and one-second penalties.
 * Among calls waiting for a slot, the chat with the most messages still queued
 * goes first, so the chats of a burst finish together rather than leaving a
 * tail of chats that can only go at their own one-a-second pace. A call that
 * has waited MAX_WAIT_MS goes next whatever its backlog, so a lone alert is
 * never starved by a bulk of others.
 */
const MAX_WAIT_MS = 2_000;

interface Waiter {
  backlog: number;
  seq: number;
  since: number;
  resolve: () => void;
}

export class SendPacer {
  private readonly intervalMs: number;
  /** When the next call may start, on the monotonic clock. */
  private nextAt = 0;
  private readonly waiting: Waiter[] = [];
  private timer?: NodeJS.Timeout;
  private seq = 0;

  constructor(perSecond: number) {
    this.intervalMs = 1000 / perSecond;
  }

  /**
   * Resolves when this call may go. `backlog` is how many more messages its
   * chat has waiting; `signal` abandons the wait (activity cancelled).
   */
  acquire(backlog = 0, signal?: AbortSignal): Promise<void> {
    return new Promise((resolve, reject) => {
      const waiter: Waiter = { backlog, seq: this.seq++, since: performance.now(), resolve };
      this.waiting.push(waiter);
      signal?.addEventListener(
        'abort',
        () => {
          const at = this.waiting.indexOf(waiter);
          if (at < 0) return;
          this.waiting.splice(at, 1);
          reject(signal.reason);
        },
        { once: true },
      );
      this.release();
    });
  }

  /** Lets the next waiting call go if its slot has come, else wakes up when it does. */
  private release(): void {
    if (this.timer || !this.waiting.length) return;
    const now = performance.now();
    if (now < this.nextAt) {
      this.timer = setTimeout(() => {
        this.timer = undefined;
        this.release();
      }, this.nextAt - now);
      return;
    }
    // Slots stay on their grid when a timer fired a little late, so the rate
    // holds under load; after a quiet spell the grid starts again from now, so
    // unused slots are never saved up into a burst.
    this.nextAt = now - this.nextAt < this.intervalMs ? this.nextAt + this.intervalMs : now + this.intervalMs;
    this.takeFirst(now).resolve();
    this.release();
  }

  /** The oldest if it has waited long enough, else the longest backlog (earliest among equals). */
  private takeFirst(now: number): Waiter {
    // Waiters are kept in arrival order, so the first is the oldest.
    if (now - this.waiting[0].since >= MAX_WAIT_MS) return this.waiting.shift() as Waiter;
    let best = 0;
    for (let i = 1; i < this.waiting.length; i++) {
      const [w, b] = [this.waiting[i], this.waiting[best]];
      if (w.backlog > b.backlog || (w.backlog === b.backlog && w.seq < b.seq)) best = i;
    }
    return this.waiting.splice(best, 1)[0];
  }
}
