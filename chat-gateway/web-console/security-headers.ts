/**
 * Headers on every console response (the page, its script and style, the
 * API, files): a strict Content-Security-Policy, so that even text that got
 * past the page's rendering could run no script, load nothing from
 * elsewhere and not be framed; no MIME sniffing; no Referer to other sites.
 */
import type { NextFunction, Request, Response } from 'express';

export const CONSOLE_CSP = [
  "default-src 'self'",
  "script-src 'self'",
  "style-src 'self'",
  // Pictures are the console's own files (/console/files/…); nothing inline is needed.
  "img-src 'self'",
  "connect-src 'self'",
  "object-src 'none'",
  "base-uri 'none'",
  "frame-ancestors 'none'",
  "form-action 'self'",
].join('; ');

/** Routes that are the console's: the page at / and everything under /console/. */
export function isConsolePath(p: string): boolean {
  return p === '/' || p.startsWith('/console/');
}

export function consoleSecurityHeaders(req: Request, res: Response, next: NextFunction) {
  if (isConsolePath(req.path)) {
    res.setHeader('Content-Security-Policy', CONSOLE_CSP);
    res.setHeader('X-Content-Type-Options', 'nosniff');
    // same-origin, not no-referrer: under no-referrer browsers send "Origin: null" with the page's own form posts.
    res.setHeader('Referrer-Policy', 'same-origin');
    // For browsers without frame-ancestors.
    res.setHeader('X-Frame-Options', 'DENY');
    res.setHeader('Cross-Origin-Opener-Policy', 'same-origin');
  }
  next();
}
