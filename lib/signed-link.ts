/**
 * Expiring download links signed with HMAC-SHA256: the worker signs, the
 * gateway checks. A changed name or expiry, or a link past its expiry, is
 * refused.
 */
import { createHmac, timingSafeEqual } from 'node:crypto';

function signature(name: string, expires: number, secret: string): string {
  return createHmac('sha256', secret).update(`dump\n${name}\n${expires}`).digest('hex');
}

export function signedDumpUrl(baseUrl: string, name: string, expires: number, secret: string): string {
  return `${baseUrl.replace(/\/+$/, '')}/dumps/${encodeURIComponent(name)}?expires=${expires}&sig=${signature(name, expires, secret)}`;
}

export type LinkCheck = 'ok' | 'bad-signature' | 'expired';

export function checkDumpLink(name: string, expires: string | undefined, sig: string | undefined, secret: string, now = Date.now()): LinkCheck {
  const when = Number(expires);
  if (!expires || !sig || !Number.isSafeInteger(when) || !/^[0-9a-f]{64}$/.test(sig)) return 'bad-signature';
  const expected = Buffer.from(signature(name, when, secret), 'hex');
  if (!timingSafeEqual(expected, Buffer.from(sig, 'hex'))) return 'bad-signature';
  return now > when ? 'expired' : 'ok';
}
