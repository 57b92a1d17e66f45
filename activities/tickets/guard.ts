/** How ticket-system errors become activity failures. */
import { ApplicationFailure } from '@temporalio/activity';
import { TicketSystemRefused } from './port';

/**
 * Refusals become failures with the system's own words. "No such ticket" or
 * a bad field (TicketSystemRefused) is final; refused credentials or rights
 * (401, 403: a rotated token, an RT outage of its auth) are TicketSystemDenied,
 * which callers retry where they can wait, so nothing followed is let go
 * while the bot is locked out. The rest (5xx, network) is retried.
 */
export async function guard<T>(work: () => Promise<T>): Promise<T> {
  try {
    return await work();
  } catch (err) {
    if (err instanceof TicketSystemRefused && (err.status === 401 || err.status === 403)) throw ApplicationFailure.retryable(err.message, 'TicketSystemDenied');
    if (err instanceof TicketSystemRefused) throw ApplicationFailure.nonRetryable(err.message, 'TicketSystemRefused');
    throw err;
  }
}

/** A refusal of dutydesk's own (unknown system or group): retrying will not help. */
export function refused(message: string): never {
  throw ApplicationFailure.nonRetryable(message, 'TicketSystemRefused');
}
