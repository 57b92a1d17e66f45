/**
 * The inventory as tables, one for hosts and one for networks: the rows the
 * inventory report's CSV file and the Confluence pages are made of.
 */
import type { DutydeskConfig } from '../../config/schema';

export type Cell = string | number | undefined;
export interface Table {
  header: string[];
  rows: Cell[][];
}

/** The hosts in any of the groups ("*": all), by name. */
export function hostsIn(config: Pick<DutydeskConfig, 'hosts'>, hostGroups: readonly string[]): [string, DutydeskConfig['hosts'][string]][] {
  const all = hostGroups.includes('*');
  return Object.entries(config.hosts).filter(([, h]) => all || h.groups.some((g) => hostGroups.includes(g)));
}

export function hostTable(config: Pick<DutydeskConfig, 'hosts'>, hostGroups: readonly string[]): Table {
  return {
    header: ['host', 'address', 'groups', 'transport', 'production', 'services'],
    rows: hostsIn(config, hostGroups).map(([name, h]) => [name, h.address, h.groups.join(' '), h.transport, h.production ? 'yes' : 'no', Object.keys(h.services).join(' ')]),
  };
}

export function networkTable(config: Pick<DutydeskConfig, 'inventory'>): Table {
  return {
    header: ['prefix', 'name', 'site', 'vlan', 'owner', 'vrf'],
    rows: config.inventory.networks.map((n) => [n.prefix, n.name, n.site, n.vlan, n.owner, n.vrf]),
  };
}
