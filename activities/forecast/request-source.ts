/**
 * Where a request's subtask XML comes from: forecast.requests, a file path
 * (relative to the config file) or an http(s) URL with {request} in it.
 * Reads at most the configured size, so a huge file is refused before it is
 * parsed; a missing file or a 404 is a refusal, other failures are retried.
 */
import { open } from 'node:fs/promises';
import path from 'node:path';
import { readAtMost } from '../../lib/read-at-most';
import { formatSize } from '../../lib/size';
import type { ForecastRefusal } from '../../workflows/forecast/definitions';

/** A request id as people type it: nothing that could leave the folder or change the URL. */
export const REQUEST_ID = /^[A-Za-z0-9][A-Za-z0-9_.-]{0,63}$/;

export class RequestRefused extends Error {
  constructor(readonly refusal: ForecastRefusal) {
    super(`${refusal.key} ${JSON.stringify(refusal.vars)}`);
  }
}

const FETCH_TIMEOUT_MS = 30_000;

export function requestLocation(template: string, request: string, configDir: string): string {
  const where = template.replaceAll('{request}', encodeURIComponent(request));
  return /^https?:\/\//i.test(where) ? where : path.resolve(configDir, where);
}

/** The XML text of the request, or a RequestRefused saying why not. */
export async function readRequestXml(template: string, request: string, configDir: string, maxBytes: number): Promise<{ xml: string; where: string }> {
  if (!REQUEST_ID.test(request)) throw new RequestRefused({ key: 'forecast.badRequestId', vars: { request } });
  const where = requestLocation(template, request, configDir);
  if (/^https?:\/\//i.test(where)) {
    const tooBig = () => new RequestRefused({ key: 'forecast.xmlTooBig', vars: { request, where, limit: formatSize(maxBytes) } });
    const res = await fetch(where, { signal: AbortSignal.timeout(FETCH_TIMEOUT_MS) });
    if (res.status === 404 || res.status === 410) throw new RequestRefused({ key: 'forecast.xmlNotFound', vars: { request, where } });
    // 5xx and the like may pass: the activity's retry tries again.
    if (!res.ok) throw new Error(`${where} answered ${res.status} ${res.statusText}`);
    if (Number(res.headers.get('content-length') ?? 0) > maxBytes) throw tooBig();
    const body = await readAtMost(res.body as unknown as AsyncIterable<Uint8Array>, maxBytes);
    if (!body) throw tooBig();
    return { xml: body.toString('utf8'), where };
  }
  return { xml: await readXmlFile(where, request, maxBytes), where };
}

/** A request's XML from a file: the configured place, or one sent in chat (saved by the gateway). */
export async function readXmlFile(where: string, request: string, maxBytes: number): Promise<string> {
  const file = await open(where, 'r').catch((err: NodeJS.ErrnoException) => {
    if (err.code === 'ENOENT' || err.code === 'ENOTDIR') throw new RequestRefused({ key: 'forecast.xmlNotFound', vars: { request, where } });
    throw new RequestRefused({ key: 'forecast.xmlUnreadable', vars: { request, where, error: err.message } });
  });
  try {
    const { size } = await file.stat();
    if (size > maxBytes) throw new RequestRefused({ key: 'forecast.xmlTooBig', vars: { request, where, limit: formatSize(maxBytes) } });
    return await file.readFile('utf8');
  } finally {
    await file.close();
  }
}
