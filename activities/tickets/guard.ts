/** How ticket-system errors become activity failures. */
import { ApplicationFailure } from '@temporalio/activity';
import { TicketSystemRefused } from './port';

/** Refusals become non-retryable failures with the system's own words; the rest is retried. */
export async function guard<T>(work: () => Promise<T>): Promise<T> {
  try {
    return await work();
  } catch (err) {
    if (err instanceof TicketSystemRefused) throw ApplicationFailure.nonRetryable(err.message, 'TicketSystemRefused');
    throw err;
  }
}

/** A refusal of dutydesk's own (unknown system or group): retrying will not help. */
export function refused(message: string): never {
  throw ApplicationFailure.nonRetryable(message, 'TicketSystemRefused');
}
