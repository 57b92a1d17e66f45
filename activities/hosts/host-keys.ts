/**
 * Is this the host's real key? Three ways to know (hosts.<name>.hostKey): a
 * SHA256 fingerprint, an OpenSSH known_hosts file, or trust on first use
 * (the first key seen is pinned in the data folder and any other is refused
 * afterwards). Every refusal says what to check, so a person can act.
 */
import { createHash } from 'node:crypto';
import { link, mkdir, readFile, rm, writeFile } from 'node:fs/promises';
import path from 'node:path';
import { keysFor, knownHostsLine, type KnownKey } from './known-hosts';

export type HostKeyPolicy = { fingerprint: string } | { knownHostsFile: string } | { pinDir: string };

export interface HostKeyCheck {
  /** Host key algorithms to ask for, so the host shows the kind of key that is known (undefined: any). */
  algorithms(): Promise<string[] | undefined>;
  /** undefined when the key is the host's, else why it is refused. */
  verify(key: Buffer): Promise<string | undefined>;
  /**
   * Once the connection is up (the host has proved with a signature that it holds the key): a key taken on first
   * use is pinned now, not at verify, which runs before that proof. Rejects when another worker pinned another key.
   */
  proven?(key: Buffer): Promise<void>;
}

interface Target {
  name: string;
  address: string;
  port: number;
}

export function fingerprintOf(blob: Buffer): string {
  return `SHA256:${createHash('sha256').update(blob).digest('base64').replace(/=+$/, '')}`;
}

/** The key's type, from its SSH wire encoding (a length-prefixed name first). */
function asKnownKey(blob: Buffer): KnownKey {
  const length = blob.length >= 4 ? blob.readUInt32BE(0) : 0;
  return { type: blob.subarray(4, 4 + length).toString('latin1'), blob };
}

/** Algorithms that present a key of these types (an RSA key signs with SHA-2 or SHA-1). */
function algorithmsFor(types: string[]): string[] | undefined {
  const known = ['ssh-ed25519', 'ecdsa-sha2-nistp256', 'ecdsa-sha2-nistp384', 'ecdsa-sha2-nistp521', 'ssh-dss'];
  const list = [...new Set(types.flatMap((t) => (t === 'ssh-rsa' ? ['rsa-sha2-512', 'rsa-sha2-256', 'ssh-rsa'] : known.includes(t) ? [t] : [])))];
  return list.length ? list : undefined;
}

const where = (t: Target) => `${t.name} (${t.address}:${t.port})`;

function fingerprintCheck(t: Target, expected: string): HostKeyCheck {
  const want = expected.replace(/=+$/, '');
  return {
    algorithms: async () => undefined,
    async verify(key) {
      const seen = fingerprintOf(key);
      return seen === want ? undefined : `host key of ${where(t)} is not the configured ${expected} (it showed ${seen}); check hosts.${t.name}.hostKey`;
    },
  };
}

function knownHostsCheck(t: Target, file: string): HostKeyCheck {
  const read = async () => keysFor(await readFile(file, 'utf8'), t.address, t.port);
  return {
    algorithms: async () => read().then((k) => algorithmsFor(k.keys.map((key) => key.type)), () => undefined),
    async verify(key) {
      let known;
      try {
        known = await read();
      } catch (err) {
        return `cannot read the known_hosts file ${file} of hosts.${t.name}.hostKey (${(err as NodeJS.ErrnoException).code ?? (err as Error).message})`;
      }
      const seen = fingerprintOf(key);
      if (known.revoked.some((k) => k.blob.equals(key))) return `host key ${seen} of ${where(t)} is marked @revoked in ${file}`;
      if (known.keys.some((k) => k.blob.equals(key))) return undefined;
      if (!known.keys.length) return `${file} lists no key for ${where(t)}; add the host's key (ssh-keyscan -p ${t.port} ${t.address}, checked against ssh-keygen -lf on the host)`;
      return `host key of ${where(t)} (${seen}) is not among the keys ${file} lists for it; check the host, and that file`;
    },
  };
}

/** One file per host, named after its address and port. */
export function pinFile(dir: string, t: Pick<Target, 'address' | 'port'>): string {
  return path.join(dir, `${encodeURIComponent(t.address)}_${t.port}.known_hosts`);
}

function trustOnFirstUse(t: Target, dir: string): HostKeyCheck {
  const file = pinFile(dir, t);
  const pinned = async () => keysFor(await readFile(file, 'utf8'), t.address, t.port).keys;
  const pinnedOrNone = () => pinned().catch((err: NodeJS.ErrnoException) => (err.code === 'ENOENT' ? undefined : Promise.reject(err)));
  const changed = (key: Buffer, keys: { blob: Buffer }[]) =>
    `host key of ${where(t)} changed: it showed ${fingerprintOf(key)}, but ${keys.map((k) => fingerprintOf(k.blob)).join(', ') || '(none)'} was trusted on first use (pinned in ${file}). ` +
    'Someone may be in between; if the host was reinstalled or its key replaced, check the new fingerprint on the host, then delete that file';
  return {
    algorithms: async () => pinned().then((keys) => algorithmsFor(keys.map((k) => k.type)), () => undefined),
    async verify(key) {
      const keys = await pinnedOrNone();
      // Nothing pinned yet: taken for now, pinned once the host has proved it holds the key (proven).
      if (!keys || keys.some((k) => k.blob.equals(key))) return undefined;
      return changed(key, keys);
    },
    async proven(key) {
      await mkdir(dir, { recursive: true, mode: 0o700 });
      // Written whole to a temporary name, then linked into place: linking fails
      // when another worker pinned first, and nobody ever reads half a file.
      const temporary = `${file}.${process.pid}.${Date.now()}.tmp`;
      await writeFile(temporary, `${knownHostsLine(t.address, t.port, asKnownKey(key))}\n`, { mode: 0o600 });
      try {
        await link(temporary, file);
        return;
      } catch (err) {
        if ((err as NodeJS.ErrnoException).code !== 'EEXIST') throw err;
      } finally {
        await rm(temporary, { force: true });
      }
      const keys = await pinned();
      if (!keys.some((k) => k.blob.equals(key))) throw new Error(changed(key, keys));
    },
  };
}

export function hostKeyCheck(policy: HostKeyPolicy, target: Target): HostKeyCheck {
  if ('fingerprint' in policy) return fingerprintCheck(target, policy.fingerprint);
  if ('knownHostsFile' in policy) return knownHostsCheck(target, policy.knownHostsFile);
  return trustOnFirstUse(target, policy.pinDir);
}
