/**
 * OpenSSH known_hosts files, read the way `ssh` reads them: the keys listed
 * for a host, by plain, wildcard (* ?), negated (!) or hashed (|1|) names,
 * "[address]:port" for ports other than 22, and @revoked keys. Lines marked
 * @cert-authority are not used (host certificates are not supported).
 */
import { createHmac } from 'node:crypto';

export interface KnownKey {
  type: string;
  blob: Buffer;
}

/** The name a host goes by in known_hosts. */
export function knownHostsName(address: string, port: number): string {
  return port === 22 ? address : `[${address}]:${port}`;
}

/** One known_hosts line for a key, as ssh-keyscan prints it. */
export function knownHostsLine(address: string, port: number, key: KnownKey): string {
  return `${knownHostsName(address, port)} ${key.type} ${key.blob.toString('base64')}`;
}

function globMatches(pattern: string, name: string): boolean {
  const re = pattern.replace(/[.+^${}()|[\]\\]/g, '\\$&').replace(/\*/g, '.*').replace(/\?/g, '.');
  return new RegExp(`^${re}$`).test(name);
}

/** |1|<base64 salt>|<base64 HMAC-SHA1 of the name>, as `ssh-keygen -H` writes. */
function hashedMatches(entry: string, name: string): boolean {
  const [, , salt, hash] = entry.split('|');
  if (!salt || !hash) return false;
  return createHmac('sha1', Buffer.from(salt, 'base64')).update(name).digest('base64') === hash;
}

function hostsMatch(patterns: string, name: string): boolean {
  if (patterns.startsWith('|1|')) return hashedMatches(patterns, name);
  let matched = false;
  for (const raw of patterns.split(',')) {
    const negated = raw.startsWith('!');
    const pattern = (negated ? raw.slice(1) : raw).toLowerCase();
    if (!globMatches(pattern, name)) continue;
    if (negated) return false;
    matched = true;
  }
  return matched;
}

/** The keys the file lists for the host, and the ones it revokes. */
export function keysFor(text: string, address: string, port: number): { keys: KnownKey[]; revoked: KnownKey[] } {
  const name = knownHostsName(address, port).toLowerCase();
  const keys: KnownKey[] = [];
  const revoked: KnownKey[] = [];
  for (const line of text.split('\n')) {
    const fields = line.trim().split(/\s+/);
    if (!fields[0] || fields[0].startsWith('#')) continue;
    const marker = fields[0].startsWith('@') ? fields.shift() : undefined;
    const [patterns, type, base64] = fields;
    if (!patterns || !type || !base64 || marker === '@cert-authority') continue;
    if (!hostsMatch(patterns, name)) continue;
    const key = { type, blob: Buffer.from(base64, 'base64') };
    (marker === '@revoked' ? revoked : keys).push(key);
  }
  return { keys, revoked };
}
