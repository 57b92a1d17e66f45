/** Heartbeats for activities that run for a while (host steps, dumps, chat deliveries waiting their turn). */
import { Context } from '@temporalio/activity';

/**
 * Heartbeats while work runs, so a dead worker is noticed in seconds and its activity retried elsewhere.
 * `details()` rides along with each heartbeat: the next attempt finds the last one in info.heartbeatDetails.
 */
export async function withHeartbeat<T>(work: (signal: AbortSignal) => Promise<T>, details?: () => unknown): Promise<T> {
  const ctx = Context.current();
  const timer = setInterval(() => ctx.heartbeat(details?.()), 1000);
  try {
    return await work(ctx.cancellationSignal);
  } finally {
    clearInterval(timer);
  }
}
