/**
 * HTTP calls to ticket systems, with the failure classes the activities need:
 * 4xx (except 408/429) is a refusal not worth retrying, anything else is the
 * system being unavailable. Errors name the call, never the credentials.
 */
import { TicketSystemRefused, TicketSystemUnavailable } from './port';

export interface HttpResult {
  status: number;
  text: string;
  contentType: string;
  /** Set-Cookie headers of the answer. */
  cookies: string[];
  /** The server's clock when it answered (its Date header), in ms; undefined without one. */
  serverTime?: number;
}

export async function httpCall(url: string, init: RequestInit, what: string, timeoutMs = 30_000): Promise<HttpResult> {
  let res: Response;
  try {
    res = await fetch(url, { ...init, signal: AbortSignal.timeout(timeoutMs) });
  } catch (err) {
    throw unreachable(url, what, err);
  }
  const text = await res.text();
  if (res.ok) return { status: res.status, text, contentType: res.headers.get('content-type') ?? '', cookies: res.headers.getSetCookie(), serverTime: Date.parse(res.headers.get('date') ?? '') || undefined };
  const detail = briefError(text);
  if (res.status >= 400 && res.status < 500 && res.status !== 408 && res.status !== 429) {
    throw new TicketSystemRefused(`${what}: ${res.status} ${detail}`.trim(), res.status);
  }
  throw new TicketSystemUnavailable(`${what}: ${res.status} ${detail}`.trim());
}

/** The error's own words from a JSON or text body, short enough for chat. */
function briefError(body: string): string {
  try {
    const json = JSON.parse(body) as { message?: string; errorMessages?: string[]; errors?: Record<string, string> };
    const parts = [json.message, ...(json.errorMessages ?? []), ...Object.values(json.errors ?? {})].filter(Boolean);
    if (parts.length) return parts.join('; ').slice(0, 300);
  } catch {
    /* not JSON */
  }
  return body.replace(/<[^>]+>/g, ' ').replace(/\s+/g, ' ').trim().slice(0, 300);
}

/** A request that got no answer at all (refused, timed out, no route): worth retrying. */
export function unreachable(url: string, what: string, err: unknown): TicketSystemUnavailable {
  const cause = (err as { cause?: { code?: string } }).cause?.code ?? (err as Error).name;
  return new TicketSystemUnavailable(`${what}: ${new URL(url).host} unreachable (${cause})`);
}

export function isJson(contentType: string | null | undefined): boolean {
  return /json/i.test(contentType ?? '');
}

export function basicAuth(user: string, password: string): string {
  return `Basic ${Buffer.from(`${user}:${password}`).toString('base64')}`;
}
