/**
 * Runs one restart step, as the worker's configuration has it: a command, a
 * condition polled until it holds, or an HTTP / TCP health check made from
 * the worker. Returns a short detail for chat, or throws StepFailed with the
 * words a person needs to act (URLs in them without their secrets).
 */
import net from 'node:net';
import type { HostStep } from '../../config/restart-plan';
import { redactSecrets } from '../../lib/redact';
import type { HostExecutor } from './executor';

export class StepFailed extends Error {
  override name = 'StepFailed';
}

const delay = (ms: number, signal?: AbortSignal) =>
  new Promise<void>((resolve) => {
    const t = setTimeout(resolve, ms);
    signal?.addEventListener('abort', () => (clearTimeout(t), resolve()), { once: true });
  });

function lastLine(text: string): string {
  return text.trim().split('\n').slice(-3).join(' | ').slice(0, 300);
}

/** A URL's user:password@ as a basic auth header: fetch refuses URLs that carry credentials. */
function httpRequest(target: string): { url: string; headers: Record<string, string> } {
  const url = new URL(target);
  if (!url.username && !url.password) return { url: target, headers: {} };
  const credentials = `${decodeURIComponent(url.username)}:${decodeURIComponent(url.password)}`;
  url.username = '';
  url.password = '';
  return { url: url.toString(), headers: { authorization: `Basic ${Buffer.from(credentials).toString('base64')}` } };
}

/** Re-runs `attempt` until it succeeds, the step's retries are used, or its time is up. */
async function untilOk(
  step: HostStep,
  signal: AbortSignal | undefined,
  attempt: (remainingMs: number) => Promise<{ ok: true; detail?: string } | { ok: false; why: string }>,
  polling: boolean,
): Promise<string | undefined> {
  const deadline = Date.now() + step.timeoutMs;
  let tries = 0;
  let why = 'not run';
  for (;;) {
    if (signal?.aborted) throw new StepFailed('cancelled');
    const result = await attempt(Math.max(1, deadline - Date.now()));
    tries++;
    if (result.ok) return result.detail;
    why = result.why;
    const outOfTries = !polling && tries > step.retries;
    if (outOfTries || Date.now() + step.intervalMs >= deadline) break;
    await delay(step.intervalMs, signal);
  }
  const after = polling ? ` (still failing after ${Math.round(step.timeoutMs / 1000)} s)` : tries > 1 ? ` (after ${tries} tries)` : '';
  throw new StepFailed(`${why}${after}`);
}

export async function runStep(step: HostStep, executor: HostExecutor, signal?: AbortSignal): Promise<string | undefined> {
  switch (step.kind) {
    case 'run':
    case 'wait':
      return untilOk(
        step,
        signal,
        async (remainingMs) => {
          const r = await executor.exec(step.target, { timeoutMs: remainingMs, signal });
          if (r.code === 0) return { ok: true, detail: lastLine(r.stdout) || undefined };
          if (r.timedOut) return { ok: false, why: `timed out after ${Math.round(step.timeoutMs / 1000)} s` };
          const output = lastLine(r.stderr) || lastLine(r.stdout);
          return { ok: false, why: `exit code ${r.code ?? 'killed'}${output ? `: ${output}` : ''}` };
        },
        step.kind === 'wait',
      );
    case 'http': {
      const { url, headers } = httpRequest(step.target);
      const shown = redactSecrets(step.target);
      return untilOk(
        step,
        signal,
        async (remainingMs) => {
          try {
            const res = await fetch(url, { headers, signal: AbortSignal.timeout(Math.min(remainingMs, 10_000)) });
            await res.arrayBuffer();
            const good = step.expectStatus ? res.status === step.expectStatus : res.status >= 200 && res.status < 300;
            return good ? { ok: true, detail: `HTTP ${res.status}` } : { ok: false, why: `${shown} answered HTTP ${res.status}` };
          } catch (err) {
            const cause = (err as { cause?: { code?: string } }).cause?.code ?? (err as Error).message;
            return { ok: false, why: `${shown} unreachable (${redactSecrets(cause.split(url).join(shown))})` };
          }
        },
        true,
      );
    }
    case 'tcp':
      return untilOk(
        step,
        signal,
        (remainingMs) =>
          new Promise((resolve) => {
            const [host, port] = [step.target.slice(0, step.target.lastIndexOf(':')), Number(step.target.slice(step.target.lastIndexOf(':') + 1))];
            const socket = net.connect({ host, port, timeout: Math.min(remainingMs, 5_000) });
            socket.once('connect', () => (socket.destroy(), resolve({ ok: true, detail: `port ${port} open` })));
            socket.once('timeout', () => (socket.destroy(), resolve({ ok: false, why: `${step.target} did not answer` })));
            socket.once('error', (e: NodeJS.ErrnoException) => resolve({ ok: false, why: `${step.target} refused (${e.code ?? e.message})` }));
          }),
        true,
      );
    default:
      throw new StepFailed(`step kind "${(step as { kind: string }).kind}" does not run on a host`);
  }
}
