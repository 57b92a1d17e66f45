/**
 * "Where is this IP?" from the configuration's inventory: a host whose
 * address it is, and the longest configured network that holds it (its site,
 * VLAN, owner), in every VRF that knows it. The index is built once per
 * loaded configuration.
 */
import type { DutydeskConfig } from '../../config/schema';
import type { NetworkConfig } from '../../config/actions-schema';
import { IpIndex, parseIp, parsePrefix, unmappedIpv4, type Ip } from './ip';

export interface IpPlace {
  /** "" for the global table. */
  vrf: string;
  /** The configured hosts with this address (several services on one machine are several hosts). */
  hosts?: { name: string; groups: string[] }[];
  network?: Omit<NetworkConfig, 'prefix'> & { prefix: string };
}

/** What NetBox knows of the address in one VRF. */
export interface NetBoxPlace {
  vrf: string;
  address?: { address: string; status?: string; dnsName?: string; description?: string; tenant?: string; device?: string; interface?: string };
  prefix?: { prefix: string; site?: string; vlan?: string; tenant?: string; role?: string; description?: string };
}

export interface WhereIs {
  ip: string;
  version: 4 | 6;
  places: IpPlace[];
  /** Present when NetBox was asked. */
  netbox?: NetBoxPlace[];
}

type HostEntry = { name: string; groups: string[] };
type NetworkEntry = Omit<NetworkConfig, 'prefix'>;

const indexes = new WeakMap<object, IpIndex<HostEntry, NetworkEntry>>();

export function inventoryIndex(config: Pick<DutydeskConfig, 'hosts' | 'inventory'>): IpIndex<HostEntry, NetworkEntry> {
  let index = indexes.get(config);
  if (index) return index;
  index = new IpIndex<HostEntry, NetworkEntry>();
  for (const [name, host] of Object.entries(config.hosts)) {
    const ip = parseIp(host.address);
    if (ip) index.addAddress(ip, { name, groups: host.groups });
  }
  for (const { prefix, vrf, ...rest } of config.inventory.networks) index.addPrefix(parsePrefix(prefix), rest, vrf ?? '');
  indexes.set(config, index);
  return index;
}

/** What the inventory knows of the address; places is empty when nothing does. */
export function whereIs(config: Pick<DutydeskConfig, 'hosts' | 'inventory'>, asked: Ip): WhereIs {
  const index = inventoryIndex(config);
  // An IPv4-mapped address is looked up as the IPv4 address it is.
  const ip = unmappedIpv4(asked) ?? asked;
  const places: IpPlace[] = [];
  for (const vrf of index.vrfs()) {
    const hosts = index.address(ip, vrf);
    const hit = index.longestPrefix(ip, vrf);
    if (hosts.length === 0 && !hit) continue;
    const network = hit && (({ prefix, ...rest }) => ({ ...rest, prefix: prefix.text }))(hit);
    places.push({ vrf, ...(hosts.length ? { hosts } : {}), ...(network ? { network } : {}) });
  }
  return { ip: asked.text, version: asked.version, places };
}
