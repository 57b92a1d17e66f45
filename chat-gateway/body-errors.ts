/**
 * The gateway's last error handler: what express's body parsers refuse (too
 * big, not JSON, a charset it cannot read) answered as JSON that says what was
 * wrong, like every other refusal, instead of express's HTML page with a stack
 * trace outside production. Anything else is a 500 that names no internals.
 * And the one way the gateway refuses a request before reading its body.
 */
import type { NextFunction, Request, Response } from 'express';

/** Answers without reading the body, and closes the connection rather than take in the rest of it. */
export function refuseUnread(res: Response, status: number, error: string, headers: Record<string, string> = {}) {
  res.set({ ...headers, connection: 'close' }).status(status).json({ error });
}

interface BodyError {
  type?: string;
  status?: number;
  limit?: number;
}

const kib = (bytes: number) => (bytes >= 1024 * 1024 ? `${Math.round(bytes / 1024 / 1024)} MiB` : `${Math.round(bytes / 1024)} KiB`);

export function bodyErrors(log: (line: string) => void) {
  return (err: unknown, req: Request, res: Response, next: NextFunction) => {
    if (res.headersSent) return next(err);
    const e = (err ?? {}) as BodyError;
    if (e.type === 'entity.too.large') return refuseUnread(res, 413, `the request body is over ${kib(e.limit ?? 0)}, the most ${req.path} takes: send less`);
    if (e.type === 'entity.parse.failed') return res.status(400).json({ error: 'the body is not valid JSON' });
    if (e.type === 'charset.unsupported' || e.type === 'encoding.unsupported') return res.status(415).json({ error: 'send the body as UTF-8, without a content encoding' });
    if (e.type === 'request.aborted') return res.status(400).end();
    log(`dutydesk gateway: ${req.method} ${req.path.slice(0, 200)} failed: ${(err as Error)?.message ?? String(err)}`);
    res.status(typeof e.status === 'number' && e.status >= 400 && e.status < 600 ? e.status : 500).json({ error: 'the gateway could not handle this request; see its log' });
  };
}
