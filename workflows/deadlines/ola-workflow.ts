/**
 * OLA figures for a period: computed from the ticket systems' data, returned
 * as the workflow's result (the HTTP API reads it) and, when asked from chat,
 * sent there.
 */
import { rootMessage } from '../../lib/failure';
import { answer, onDemand } from './activity-proxies';
import type { OlaRequest, OlaResult } from './definitions';

export async function olaReportWorkflow(request: OlaRequest): Promise<OlaResult> {
  try {
    const result = await onDemand.computeOlaReport({ from: request.from, to: request.to, label: request.label, now: Date.now() });
    if (request.answer) await answer.sendOlaReport({ result, ...request.answer });
    return result;
  } catch (err) {
    if (request.answer) await answer.sendDeadlineFailure({ ...request.answer, key: `${request.answer.key}/failed`, messageKey: 'ola.failed', error: rootMessage(err) });
    throw err;
  }
}
