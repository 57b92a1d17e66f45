/**
 * A run's whole history as text, with every payload decoded (history keeps
 * inputs, results and failures as bytes, so searching the raw object would
 * find nothing and prove nothing).
 */
import type { Client } from '@temporalio/client';

function collect(value: unknown, out: string[], seen: Set<unknown>): void {
  if (value === null || value === undefined) return;
  if (value instanceof Uint8Array) return void out.push(Buffer.from(value).toString('utf8'));
  if (typeof value === 'string') return void out.push(value);
  if (typeof value !== 'object' || seen.has(value)) return;
  seen.add(value);
  for (const inner of Object.values(value as Record<string, unknown>)) collect(inner, out, seen);
}

export async function historyText(client: Client, workflowId: string, runId?: string): Promise<string> {
  const history = await client.workflow.getHandle(workflowId, runId).fetchHistory();
  const out: string[] = [];
  collect(history, out, new Set());
  return out.join('\n');
}
