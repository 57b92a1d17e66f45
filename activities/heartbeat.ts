/** Heartbeats for activities that run for a while (host steps, dumps, chat deliveries waiting their turn). */
import { Context } from '@temporalio/activity';

/** Heartbeats while work runs, so a dead worker is noticed in seconds and its activity retried elsewhere. */
export async function withHeartbeat<T>(work: (signal: AbortSignal) => Promise<T>): Promise<T> {
  const ctx = Context.current();
  const timer = setInterval(() => ctx.heartbeat(), 1000);
  try {
    return await work(ctx.cancellationSignal);
  } finally {
    clearInterval(timer);
  }
}
