/**
 * The exact time ranges of deadline and OLA searches. Ticket systems compare
 * dates in their own account's zone (or to the day), so adapters ask a little
 * wider and keep what these say.
 */
import type { Ticket } from './port';

export const DAY_MS = 86_400_000;

export const dueBy = (until: Date) => (t: Ticket) => t.state !== 'done' && t.due !== undefined && Date.parse(t.due) <= until.getTime();

export const createdIn = (from: Date, to: Date) => (t: Ticket) => Date.parse(t.created) >= from.getTime() && Date.parse(t.created) < to.getTime();
