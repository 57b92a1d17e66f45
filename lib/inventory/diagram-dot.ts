/**
 * The network diagram as Graphviz DOT: networks grouped by site, each joined
 * to the network that contains it, and each host to the network its address
 * is in. Every label is escaped and every node id is made here, so no name in
 * the configuration can add a node, an attribute or markup.
 */
import type { DutydeskConfig } from '../../config/schema';
import { maskOf, parseIp, parsePrefix, type Prefix } from './ip';
import { hostsIn } from './tables';

/** More than this is no diagram anyone reads; the rest is said in a note. */
export const DIAGRAM_LIMITS = { networks: 500, hosts: 1000 };

/** A DOT string literal: quotes and backslashes escaped, no line breaks or control characters. */
export function dotString(text: string): string {
  return `"${text.replace(/[\u0000-\u001f\u007f]+/g, ' ').replace(/[\ud800-\udbff](?![\udc00-\udfff])|(?<![\ud800-\udbff])[\udc00-\udfff]/g, '').replace(/\\/g, '\\\\').replace(/"/g, '\\"')}"`;
}

/** Label lines joined with DOT's centred line break. */
const label = (...lines: (string | undefined)[]) => `"${lines.filter((l): l is string => Boolean(l)).map((l) => dotString(l).slice(1, -1)).join('\\n')}"`;

const keyOf = (vrf: string, p: Prefix) => `${vrf}|${p.version}|${p.length}|${p.network}`;

export interface Diagram {
  dot: string;
  networks: number;
  hosts: number;
  /** What the limits left out. */
  leftOut: { networks: number; hosts: number };
}

export function networkDiagram(config: Pick<DutydeskConfig, 'hosts' | 'inventory'>, hostGroups: readonly string[]): Diagram {
  const all = config.inventory.networks;
  const networks = all.slice(0, DIAGRAM_LIMITS.networks).map((n, i) => ({ ...n, id: `n${i + 1}`, parsed: parsePrefix(n.prefix), vrf: n.vrf ?? '' }));
  const byKey = new Map(networks.map((n) => [keyOf(n.vrf, n.parsed), n]));
  // The longest network holding this address or prefix, in the VRF.
  const container = (vrf: string, version: 4 | 6, value: bigint, below: number) => {
    for (let length = below; length >= 0; length--) {
      const hit = byKey.get(`${vrf}|${version}|${length}|${value & maskOf(version, length)}`);
      if (hit) return hit;
    }
    return undefined;
  };
  const lines = [
    'graph inventory {',
    '  graph [rankdir=LR, fontname="DejaVu Sans", fontsize=11, nodesep=0.3, ranksep=0.6];',
    '  node [fontname="DejaVu Sans", fontsize=10, shape=box, style="rounded,filled", fillcolor="#e8f0fe"];',
    '  edge [color="#7a869a"];',
  ];
  const sites = new Map<string, typeof networks>();
  for (const n of networks) sites.set(n.site ?? '', [...(sites.get(n.site ?? '') ?? []), n]);
  let cluster = 0;
  for (const [site, members] of sites) {
    const nodes = members.map((n) => `    ${n.id} [label=${label(n.parsed.text, n.name, n.vlan !== undefined ? `VLAN ${n.vlan}` : undefined, n.vrf ? `VRF ${n.vrf}` : undefined, n.owner)}];`);
    if (site) lines.push(`  subgraph cluster_${++cluster} {`, `    label=${dotString(site)}; style="rounded"; color="#b3bac5";`, ...nodes, '  }');
    else lines.push(...nodes.map((l) => l.slice(2)));
  }
  for (const n of networks) {
    const parent = n.parsed.length > 0 ? container(n.vrf, n.parsed.version, n.parsed.network, n.parsed.length - 1) : undefined;
    if (parent) lines.push(`  ${parent.id} -- ${n.id};`);
  }
  const hosts = hostsIn(config, hostGroups);
  const shown = hosts.slice(0, DIAGRAM_LIMITS.hosts);
  shown.forEach(([name, host], i) => {
    const id = `h${i + 1}`;
    lines.push(`  ${id} [label=${label(name, host.address)}, shape=ellipse, fillcolor="${host.production ? '#ffebe6' : '#e3fcef'}"];`);
    const ip = parseIp(host.address);
    const network = ip && container('', ip.version, ip.value, ip.version === 4 ? 32 : 128);
    if (network) lines.push(`  ${network.id} -- ${id};`);
  });
  lines.push('}');
  return { dot: lines.join('\n') + '\n', networks: networks.length, hosts: shown.length, leftOut: { networks: all.length - networks.length, hosts: hosts.length - shown.length } };
}
