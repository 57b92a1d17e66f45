/**
 * IPv4 and IPv6 addresses and prefixes as numbers, and a lookup index: an
 * address's own entry, else the longest prefix that contains it, per VRF.
 * Built once per configuration; a lookup costs one map probe per distinct
 * prefix length (at most 33 for IPv4, 129 for IPv6), whatever the size.
 */

export interface Ip {
  version: 4 | 6;
  value: bigint;
  /** The canonical text (IPv6 compressed, lowercase). */
  text: string;
}

const V4 = /^(25[0-5]|2[0-4]\d|1\d\d|[1-9]?\d)(\.(25[0-5]|2[0-4]\d|1\d\d|[1-9]?\d)){3}$/;

function parseV4(text: string): bigint | undefined {
  if (!V4.test(text)) return undefined;
  return text.split('.').reduce((acc, part) => (acc << 8n) | BigInt(Number(part)), 0n);
}

function parseV6(text: string): bigint | undefined {
  if (!/^[0-9a-f:.]+$/i.test(text) || text.length > 45) return undefined;
  const halves = text.split('::');
  if (halves.length > 2) return undefined;
  const groups = (part: string): number[] | undefined => {
    if (part === '') return [];
    const out: number[] = [];
    const pieces = part.split(':');
    for (let i = 0; i < pieces.length; i++) {
      const p = pieces[i];
      // An embedded IPv4 address ends the text: ::ffff:192.0.2.1.
      if (i === pieces.length - 1 && p.includes('.')) {
        const v4 = parseV4(p);
        if (v4 === undefined) return undefined;
        out.push(Number(v4 >> 16n), Number(v4 & 0xffffn));
        continue;
      }
      if (!/^[0-9a-f]{1,4}$/i.test(p)) return undefined;
      out.push(parseInt(p, 16));
    }
    return out;
  };
  // An embedded IPv4 address may only end the address: 1.2.3.4:: is none.
  if (halves.length === 2 && halves[0].includes('.')) return undefined;
  const head = groups(halves[0]);
  const tail = halves.length === 2 ? groups(halves[1]) : [];
  if (!head || !tail) return undefined;
  const missing = 8 - head.length - tail.length;
  if (halves.length === 2 ? missing < 1 : missing !== 0) return undefined;
  const all = [...head, ...Array(halves.length === 2 ? missing : 0).fill(0), ...tail];
  return all.reduce((acc, g) => (acc << 16n) | BigInt(g), 0n);
}

function v6Text(value: bigint): string {
  const groups = Array.from({ length: 8 }, (_, i) => Number((value >> BigInt(16 * (7 - i))) & 0xffffn));
  // The longest run of two or more zero groups becomes "::" (RFC 5952).
  let best = { at: -1, len: 1 };
  for (let i = 0; i < 8; ) {
    if (groups[i] !== 0) {
      i++;
      continue;
    }
    let j = i;
    while (j < 8 && groups[j] === 0) j++;
    if (j - i > best.len) best = { at: i, len: j - i };
    i = j;
  }
  const hex = groups.map((g) => g.toString(16));
  if (best.at < 0) return hex.join(':');
  return `${hex.slice(0, best.at).join(':')}::${hex.slice(best.at + best.len).join(':')}`;
}

/** An address as people type it (no zone, no brackets); undefined when it is none. */
export function parseIp(text: string): Ip | undefined {
  const v4 = parseV4(text);
  if (v4 !== undefined) return { version: 4, value: v4, text };
  const v6 = parseV6(text);
  if (v6 !== undefined) return { version: 6, value: v6, text: v6Text(v6) };
  return undefined;
}

/** ::ffff:a.b.c.d is the IPv4 address a.b.c.d (as a dual-stack socket shows it). */
export function unmappedIpv4(ip: Ip): Ip | undefined {
  if (ip.version !== 6 || ip.value >> 32n !== 0xffffn) return undefined;
  const value = ip.value & 0xffffffffn;
  return { version: 4, value, text: [24n, 16n, 8n, 0n].map((s) => Number((value >> s) & 0xffn)).join('.') };
}

export interface Prefix {
  version: 4 | 6;
  /** The network address (host bits zero). */
  network: bigint;
  length: number;
  text: string;
}

const bits = (version: 4 | 6) => (version === 4 ? 32 : 128);
/** The network mask of a prefix length, as a number. */
export const maskOf = (version: 4 | 6, length: number) => ((1n << BigInt(bits(version))) - 1n) ^ ((1n << BigInt(bits(version) - length)) - 1n);

/** "10.20.0.0/16" or "2001:db8::/32"; host bits must be zero. Throws with what is wrong. */
export function parsePrefix(text: string): Prefix {
  const [addr, len, extra] = text.split('/');
  const ip = addr === undefined ? undefined : parseIp(addr);
  if (!ip || len === undefined || extra !== undefined || !/^\d{1,3}$/.test(len)) throw new Error(`"${text}" is not a prefix like 10.20.0.0/16 or 2001:db8::/32`);
  const length = Number(len);
  if (length > bits(ip.version)) throw new Error(`"${text}": an IPv${ip.version} prefix is at most /${bits(ip.version)}`);
  const network = ip.value & maskOf(ip.version, length);
  if (network !== ip.value) throw new Error(`"${text}" has host bits set; its network is ${ip.version === 4 ? v4Text(network) : v6Text(network)}/${length}`);
  return { version: ip.version, network, length, text: `${ip.version === 4 ? v4Text(network) : v6Text(network)}/${length}` };
}

function v4Text(value: bigint): string {
  return [24n, 16n, 8n, 0n].map((s) => Number((value >> s) & 0xffn)).join('.');
}

export function ipText(ip: { version: 4 | 6; value: bigint }): string {
  return ip.version === 4 ? v4Text(ip.value) : v6Text(ip.value);
}

/** Addresses and prefixes with what is known of them, per VRF ("" is the global table). */
export class IpIndex<A, P> {
  /** Several entries may share an address (hosts on one machine). */
  private readonly addresses = new Map<string, A[]>();
  /** Per VRF and version: prefix length → network → entry; lengths longest first. */
  private readonly prefixes = new Map<string, { lengths: number[]; byLength: Map<number, Map<bigint, P & { prefix: Prefix }>> }>();
  /** The VRFs that hold anything, global first. */
  private readonly vrfNames = new Set<string>(['']);

  addAddress(ip: Ip, entry: A, vrf = ''): void {
    this.vrfNames.add(vrf);
    const key = `${vrf}|${ip.version}|${ip.value}`;
    const entries = this.addresses.get(key);
    if (entries) entries.push(entry);
    else this.addresses.set(key, [entry]);
  }

  addPrefix(prefix: Prefix, entry: P, vrf = ''): void {
    this.vrfNames.add(vrf);
    const key = `${vrf}|${prefix.version}`;
    let table = this.prefixes.get(key);
    if (!table) this.prefixes.set(key, (table = { lengths: [], byLength: new Map() }));
    let byNetwork = table.byLength.get(prefix.length);
    if (!byNetwork) {
      table.byLength.set(prefix.length, (byNetwork = new Map()));
      table.lengths.push(prefix.length);
      table.lengths.sort((a, b) => b - a);
    }
    byNetwork.set(prefix.network, { ...entry, prefix });
  }

  address(ip: Ip, vrf = ''): A[] {
    return this.addresses.get(`${vrf}|${ip.version}|${ip.value}`) ?? [];
  }

  /** The longest prefix holding the address, if any. */
  longestPrefix(ip: Ip, vrf = ''): (P & { prefix: Prefix }) | undefined {
    const table = this.prefixes.get(`${vrf}|${ip.version}`);
    if (!table) return undefined;
    for (const length of table.lengths) {
      const hit = table.byLength.get(length)!.get(ip.value & maskOf(ip.version, length));
      if (hit) return hit;
    }
    return undefined;
  }

  /** The VRFs that hold anything, global first. */
  vrfs(): string[] {
    return [...this.vrfNames];
  }
}
