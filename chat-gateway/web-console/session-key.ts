/**
 * The key console sessions and sign-in links are signed with:
 * gateway.console.sessionKey when configured (the same for several gateways),
 * else one made once and kept in the data folder (mode 600), else (no data
 * folder) one for this process only.
 */
import { randomBytes } from 'node:crypto';
import { existsSync, mkdirSync, readFileSync, writeFileSync } from 'node:fs';
import path from 'node:path';
import { readSecret, type LoadedConfig } from '../../config/load';

export function consoleSessionKey(config: LoadedConfig, consoleFile?: string): Buffer {
  const ref = config.gateway.console.sessionKey;
  if (ref) {
    const key = readSecret(ref, config).trim();
    if (key.length < 32) throw new Error('gateway.console.sessionKey is shorter than 32 characters: make one with `openssl rand -hex 32`');
    return Buffer.from(key);
  }
  if (!consoleFile) return randomBytes(32);
  const file = path.join(path.dirname(consoleFile), 'console-session-key');
  if (!existsSync(file)) {
    mkdirSync(path.dirname(file), { recursive: true });
    writeFileSync(file, randomBytes(32).toString('hex'), { mode: 0o600, flag: 'wx' });
  }
  return Buffer.from(readFileSync(file, 'utf8').trim());
}
