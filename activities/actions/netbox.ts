/**
 * NetBox's REST API for "where is <ip>": /api/ipam/ip-addresses/?address=
 * (the address, its VRF, the interface and device it is assigned to) and
 * /api/ipam/prefixes/?contains= (the longest prefix per VRF wins). Only
 * filters NetBox knows are sent, with an address already parsed: NetBox
 * answers a filter it does not know with the whole table. v2 tokens (nbt_…)
 * go as "Bearer", older ones as "Token".
 */
import type { Ip } from '../../lib/inventory/ip';
import { parsePrefix } from '../../lib/inventory/ip';
import type { NetBoxPlace } from '../../lib/inventory/where-is';

export class NetBoxRefused extends Error {
  override name = 'NetBoxRefused';
}

interface Page<T> {
  count: number | null;
  next: string | null;
  results: T[];
}

interface Named {
  name?: string;
  display?: string;
}

export interface NetBoxIpAddress {
  address: string;
  vrf: (Named & { rd?: string | null }) | null;
  status?: { value: string; label: string };
  dns_name?: string;
  description?: string;
  tenant?: Named | null;
  assigned_object_type?: string | null;
  assigned_object?: (Named & { device?: Named | null; virtual_machine?: Named | null }) | null;
}

export interface NetBoxPrefix {
  prefix: string;
  vrf: Named | null;
  scope_type?: string | null;
  scope?: Named | null;
  vlan?: (Named & { vid?: number }) | null;
  tenant?: Named | null;
  role?: Named | null;
  status?: { value: string; label: string };
  description?: string;
}


/** At most this many pages of 100 are read for one address. */
const MAX_PAGES = 10;
const PAGE_SIZE = 100;

export class NetBoxApi {
  constructor(private readonly options: { url: string; token?: () => string; timeoutMs?: number }) {}

  private authorization(): Record<string, string> {
    const token = this.options.token?.().trim();
    if (!token) return {};
    return { authorization: token.startsWith('nbt_') ? `Bearer ${token}` : `Token ${token}` };
  }

  /** Every page of a list, following "next" only within the configured NetBox. */
  private async list<T>(path: string, filter: Record<string, string>): Promise<T[]> {
    const base = new URL(this.options.url.replace(/\/*$/, '/'));
    let url: URL | undefined = new URL(path, base);
    for (const [k, v] of Object.entries({ ...filter, limit: String(PAGE_SIZE) })) url.searchParams.set(k, v);
    const found: T[] = [];
    for (let page = 0; url && page < MAX_PAGES; page++) {
      let res: Response;
      try {
        res = await fetch(url, { headers: { accept: 'application/json', ...this.authorization() }, redirect: 'manual', signal: AbortSignal.timeout(this.options.timeoutMs ?? 10_000) });
      } catch (err) {
        throw new Error(`NetBox at ${base.host} does not answer (${(err as Error).message})`);
      }
      const text = await res.text();
      const detail = () => {
        try {
          const body = JSON.parse(text) as { detail?: string };
          return body.detail ?? text.slice(0, 200);
        } catch {
          return text.slice(0, 200);
        }
      };
      if (res.status === 401 || res.status === 403) throw new NetBoxRefused(`NetBox refused the token (${res.status}: ${detail()}); check inventory.netbox.token`);
      if (res.status >= 400 && res.status < 500) throw new NetBoxRefused(`NetBox answered ${res.status}: ${detail()}`);
      if (!res.ok) throw new Error(`NetBox answered ${res.status}: ${detail()}`);
      const body = JSON.parse(text) as Page<T>;
      if (!Array.isArray(body?.results)) throw new NetBoxRefused(`NetBox's answer to ${path} is no page of results; is inventory.netbox.url NetBox's address?`);
      found.push(...body.results);
      // The next page's path and query, asked of the configured NetBox: a proxy's own scheme or host in the link changes nothing.
      const next = body.next ? new URL(body.next, base) : undefined;
      url = next && next.pathname === new URL(path, base).pathname ? new URL(`${next.pathname}${next.search}`, base) : undefined;
    }
    return found;
  }

  async lookup(ip: Ip): Promise<NetBoxPlace[]> {
    const [addresses, prefixes] = await Promise.all([
      this.list<NetBoxIpAddress>('api/ipam/ip-addresses/', { address: ip.text }),
      this.list<NetBoxPrefix>('api/ipam/prefixes/', { contains: ip.text }),
    ]);
    const places = new Map<string, NetBoxPlace>();
    const place = (vrf: string) => places.get(vrf) ?? (places.set(vrf, { vrf }).get(vrf) as NetBoxPlace);
    const label = (n: Named | null | undefined) => n?.name ?? n?.display;
    for (const a of addresses) {
      const assigned = a.assigned_object;
      place(label(a.vrf) ?? '').address = {
        address: a.address,
        status: a.status?.label,
        dnsName: a.dns_name || undefined,
        description: a.description || undefined,
        tenant: label(a.tenant),
        device: label(assigned?.device) ?? label(assigned?.virtual_machine),
        interface: label(assigned),
      };
    }
    // The longest prefix per VRF wins.
    const lengthOf = (p: string) => {
      try {
        return parsePrefix(p).length;
      } catch {
        return -1;
      }
    };
    for (const p of prefixes) {
      const spot = place(label(p.vrf) ?? '');
      if (spot.prefix && lengthOf(spot.prefix.prefix) >= lengthOf(p.prefix)) continue;
      spot.prefix = {
        prefix: p.prefix,
        site: p.scope_type === 'dcim.site' ? label(p.scope) : undefined,
        vlan: p.vlan ? `${p.vlan.vid ?? ''}${label(p.vlan) ? ` (${label(p.vlan)})` : ''}`.trim() : undefined,
        tenant: label(p.tenant),
        role: label(p.role),
        description: p.description || undefined,
      };
    }
    return [...places.values()].sort((a, b) => (a.vrf === '' ? -1 : b.vrf === '' ? 1 : a.vrf.localeCompare(b.vrf)));
  }
}
