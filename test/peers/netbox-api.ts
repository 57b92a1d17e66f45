/**
 * A local server that answers as NetBox's REST API does for the two lists
 * "where is <ip>" reads, as NetBox 4.x defines them (ipam/filtersets.py,
 * ipam/api/serializers_/ip.py, netbox/api/authentication.py, pagination.py):
 * GET /api/ipam/ip-addresses/?address= and /api/ipam/prefixes/?contains=,
 * offset pages {count, next, previous, results}, "Token <v1>" and
 * "Bearer nbt_<key>.<token>" (v2) authorization, {"detail": …} errors. As
 * NetBox does, a filter it does not know is ignored (the whole table comes
 * back); every query's parameter names are kept so a test can see none was sent.
 */
import http from 'node:http';
import type { AddressInfo } from 'node:net';
import { parseIp, parsePrefix, type Ip } from '../../lib/inventory/ip';

export interface PeerIp {
  id: number;
  address: string;
  vrf: { id: number; name: string; rd: string | null } | null;
  status: { value: string; label: string };
  dns_name: string;
  description: string;
  tenant: { id: number; name: string } | null;
  assigned_object_type: string | null;
  assigned_object: { id: number; name: string; device?: { id: number; name: string }; virtual_machine?: { id: number; name: string } } | null;
}

export interface PeerPrefix {
  id: number;
  prefix: string;
  vrf: { id: number; name: string } | null;
  scope_type: string | null;
  scope: { id: number; name: string } | null;
  vlan: { id: number; vid: number; name: string } | null;
  tenant: { id: number; name: string } | null;
  role: { id: number; name: string } | null;
  status: { value: string; label: string };
  description: string;
}

/** The filters and paging parameters NetBox 4 defines for these lists (a subset: the ones a lookup may use). */
export const KNOWN_PARAMETERS = {
  'ip-addresses': new Set(['address', 'vrf_id', 'vrf', 'present_in_vrf_id', 'parent', 'mask_length', 'q', 'limit', 'offset', 'brief', 'fields']),
  prefixes: new Set(['contains', 'vrf_id', 'vrf', 'present_in_vrf_id', 'within', 'mask_length', 'q', 'limit', 'offset', 'brief', 'fields']),
};

export class NetBoxApi {
  private server?: http.Server;
  readonly ips: PeerIp[] = [];
  readonly prefixes: PeerPrefix[] = [];
  /** Each query's path and parameter names, in order. */
  readonly queries: { path: string; parameters: string[]; authorization?: string }[] = [];
  /** Answer 503 to this many requests. */
  unavailable = 0;
  private id = 1;

  constructor(readonly tokens: string[] = ['0123456789abcdef0123456789abcdef01234567', 'nbt_k3yId.s3cretpart0123456789']) {}

  get url(): string {
    return `http://127.0.0.1:${(this.server!.address() as AddressInfo).port}`;
  }

  async start(): Promise<this> {
    this.server = http.createServer((req, res) => this.handle(req, res));
    await new Promise<void>((r) => this.server!.listen(0, '127.0.0.1', () => r()));
    return this;
  }

  async stop(): Promise<void> {
    this.server?.closeAllConnections();
    await new Promise((r) => this.server?.close(r));
  }

  addIp(address: string, extra: Partial<Omit<PeerIp, 'id' | 'address'>> = {}): PeerIp {
    const ip: PeerIp = { id: this.id++, address, vrf: null, status: { value: 'active', label: 'Active' }, dns_name: '', description: '', tenant: null, assigned_object_type: null, assigned_object: null, ...extra };
    this.ips.push(ip);
    return ip;
  }

  addPrefix(prefix: string, extra: Partial<Omit<PeerPrefix, 'id' | 'prefix'>> = {}): PeerPrefix {
    const p: PeerPrefix = { id: this.id++, prefix, vrf: null, scope_type: null, scope: null, vlan: null, tenant: null, role: null, status: { value: 'active', label: 'Active' }, description: '', ...extra };
    this.prefixes.push(p);
    return p;
  }

  private authorized(header: string | undefined): string | undefined {
    if (!header) return 'Authentication credentials were not provided.';
    const [keyword, value] = header.split(/\s+/, 2);
    if (keyword === 'Bearer') {
      if (!value?.startsWith('nbt_')) return 'Invalid v2 token';
      return this.tokens.includes(value) ? undefined : 'Invalid v2 token';
    }
    if (keyword === 'Token') {
      if (value?.startsWith('nbt_')) return "Invalid token: v2 tokens must be passed with 'Bearer' instead of 'Token'.";
      return this.tokens.includes(value ?? '') ? undefined : 'Invalid v1 token';
    }
    return 'Invalid authorization header: Must be in the form "Bearer <key>.<token>" or "Token <token>"';
  }

  private handle(req: http.IncomingMessage, res: http.ServerResponse): void {
    const url = new URL(req.url ?? '/', this.url);
    const send = (status: number, body: unknown) => void res.writeHead(status, { 'content-type': 'application/json' }).end(JSON.stringify(body));
    this.queries.push({ path: url.pathname, parameters: [...url.searchParams.keys()], authorization: req.headers.authorization });
    if (this.unavailable > 0) {
      this.unavailable--;
      return send(503, { detail: 'Service Unavailable' });
    }
    const denied = this.authorized(req.headers.authorization);
    if (denied) return send(403, { detail: denied });
    if (req.method !== 'GET') return send(405, { detail: `Method "${req.method}" not allowed.` });
    const list = url.pathname === '/api/ipam/ip-addresses/' ? 'ip-addresses' : url.pathname === '/api/ipam/prefixes/' ? 'prefixes' : undefined;
    if (!list) return send(404, { detail: 'Not found.' });
    const q = url.searchParams;
    let rows: unknown[];
    if (list === 'ip-addresses') {
      // address=: the host part compared, whatever the mask (NetBox's net_host lookup); all invalid values match nothing.
      const wanted = q.getAll('address').map((a) => parseIp(a.split('/')[0]));
      rows = q.has('address') ? this.ips.filter((ip) => wanted.some((w) => w && sameIp(w, ip.address))) : this.ips;
    } else {
      const contains = q.get('contains');
      const ip = contains === null ? undefined : parseIp(contains.trim());
      rows = contains === null ? this.prefixes : ip ? this.prefixes.filter((p) => holds(p.prefix, ip)) : [];
    }
    const limit = Math.min(Number(q.get('limit') ?? 50) || 50, 1000);
    const offset = Number(q.get('offset') ?? 0) || 0;
    const page = rows.slice(offset, offset + limit);
    const link = (at: number) => {
      const next = new URL(url);
      next.searchParams.set('limit', String(limit));
      next.searchParams.set('offset', String(at));
      return next.toString();
    };
    send(200, { count: rows.length, next: offset + limit < rows.length ? link(offset + limit) : null, previous: offset > 0 ? link(Math.max(0, offset - limit)) : null, results: page });
  }
}

function sameIp(wanted: Ip, address: string): boolean {
  const ip = parseIp(address.split('/')[0]);
  return ip !== undefined && ip.version === wanted.version && ip.value === wanted.value;
}

function holds(prefix: string, ip: Ip): boolean {
  const p = parsePrefix(prefix);
  if (p.version !== ip.version) return false;
  const bits = p.version === 4 ? 32 : 128;
  const shift = BigInt(bits - p.length);
  return ip.value >> shift === p.network >> shift;
}
