/**
 * "Where is <ip>" from NetBox as well as the inventory, against a local server
 * answering as NetBox 4's REST API does: the address with its interface and
 * device, the longest prefix per VRF, v1 and v2 tokens, pages, refusals, an
 * outage retried, and never a filter NetBox does not know.
 */
import { NetBoxApi as NetBoxClient } from '../activities/actions/netbox';
import { parseIp } from '../lib/inventory/ip';
import { baseConfig, startDesk, type Desk } from './helpers/desk';
import { KNOWN_PARAMETERS, NetBoxApi } from './peers/netbox-api';

let netbox: NetBoxApi;
let desk: Desk;
const [V1, V2] = ['0123456789abcdef0123456789abcdef01234567', 'nbt_k3yId.s3cretpart0123456789'];

beforeAll(async () => {
  netbox = await new NetBoxApi([V1, V2]).start();
  netbox.addIp('10.20.30.7/24', { dns_name: 'pos-7.berlin.example', description: 'Till 7', assigned_object_type: 'dcim.interface', assigned_object: { id: 5, name: 'eth0', device: { id: 9, name: 'pos-7' } } });
  netbox.addIp('10.20.30.7/24', { vrf: { id: 2, name: 'guest', rd: '65000:2' }, status: { value: 'reserved', label: 'Reserved' } });
  netbox.addIp('2001:db8:20::7/64', { assigned_object_type: 'virtualization.vminterface', assigned_object: { id: 6, name: 'ens3', virtual_machine: { id: 3, name: 'vm-web' } } });
  netbox.addPrefix('10.0.0.0/8', { description: 'Corporate' });
  netbox.addPrefix('10.20.0.0/16', { scope_type: 'dcim.site', scope: { id: 1, name: 'Berlin' } });
  netbox.addPrefix('10.20.30.0/24', { scope_type: 'dcim.site', scope: { id: 1, name: 'Berlin' }, vlan: { id: 4, vid: 130, name: 'shop-floor' }, role: { id: 1, name: 'Point of sale' } });
  netbox.addPrefix('10.20.30.0/24', { vrf: { id: 2, name: 'guest' }, vlan: { id: 5, vid: 930, name: 'guest' } });
  netbox.addPrefix('2001:db8:20::/48', { scope_type: 'dcim.site', scope: { id: 1, name: 'Berlin' } });
  process.env.TEST_NETBOX_TOKEN = V2;
  desk = await startDesk(
    baseConfig(
      { h1: { address: '127.0.0.1', transport: 'local', groups: ['test'], services: { app: { steps: [{ name: 'noop', run: 'true' }] } } } },
      {
        inventory: { netbox: { url: netbox.url, token: { env: 'TEST_NETBOX_TOKEN' } }, networks: [{ prefix: '10.20.30.0/24', name: 'Berlin shop floor', owner: 'Retail IT' }] },
        actions: { 'net.whereis': { title: 'Where is this IP?', says: 'where is {ip:ip}', steps: [{ ipLookup: '{ip}' }] } },
      },
    ),
  );
}, 120_000);

afterAll(async () => {
  await desk?.stop();
  await netbox?.stop();
});

const client = (token?: string) => new NetBoxClient({ url: netbox.url, token: token === undefined ? undefined : () => token });

test('the address with its device and interface, and the longest prefix, per VRF; IPv6 too', async () => {
  expect(await client(V1).lookup(parseIp('10.20.30.7')!)).toEqual([
    {
      vrf: '',
      address: { address: '10.20.30.7/24', status: 'Active', dnsName: 'pos-7.berlin.example', description: 'Till 7', device: 'pos-7', interface: 'eth0', tenant: undefined },
      prefix: { prefix: '10.20.30.0/24', site: 'Berlin', vlan: '130 (shop-floor)', role: 'Point of sale', tenant: undefined, description: undefined },
    },
    { vrf: 'guest', address: expect.objectContaining({ address: '10.20.30.7/24', status: 'Reserved' }), prefix: expect.objectContaining({ prefix: '10.20.30.0/24', vlan: '930 (guest)' }) },
  ]);
  const v6 = await client(V2).lookup(parseIp('2001:DB8:20:0::7')!);
  expect(v6).toEqual([{ vrf: '', address: expect.objectContaining({ device: 'vm-web', interface: 'ens3' }), prefix: expect.objectContaining({ prefix: '2001:db8:20::/48', site: 'Berlin' }) }]);
  expect(await client(V1).lookup(parseIp('192.0.2.1')!)).toEqual([]);
});

test('v2 tokens go as Bearer, v1 as Token; a refused token is said plainly', async () => {
  await client(V2).lookup(parseIp('10.0.0.1')!);
  expect(netbox.queries.at(-1)!.authorization).toBe(`Bearer ${V2}`);
  await client(V1).lookup(parseIp('10.0.0.1')!);
  expect(netbox.queries.at(-1)!.authorization).toBe(`Token ${V1}`);
  await expect(client('nbt_wrong.token').lookup(parseIp('10.0.0.1')!)).rejects.toThrow('NetBox refused the token (403: Invalid v2 token); check inventory.netbox.token');
  await expect(client().lookup(parseIp('10.0.0.1')!)).rejects.toThrow('Authentication credentials were not provided.');
});

test('every page is read (the longest prefix may be on the last), within NetBox only', async () => {
  for (let i = 0; i < 150; i++) netbox.addPrefix('172.16.0.0/12', { vrf: { id: 100 + i, name: `tenant-${i}` } });
  netbox.addPrefix('172.16.5.0/24', { vrf: { id: 249, name: 'tenant-149' }, description: 'deepest' });
  const found = await client(V1).lookup(parseIp('172.16.5.9')!);
  expect(found).toHaveLength(150);
  expect(found.find((p) => p.vrf === 'tenant-149')?.prefix?.description).toBe('deepest');
});

test('only filters NetBox knows are ever sent (it answers others with the whole table)', () => {
  expect(netbox.queries.length).toBeGreaterThan(5);
  for (const q of netbox.queries) {
    const known = q.path.endsWith('/ip-addresses/') ? KNOWN_PARAMETERS['ip-addresses'] : KNOWN_PARAMETERS.prefixes;
    expect(q.parameters.filter((p) => !known.has(p))).toEqual([]);
  }
});

test('from chat: the inventory and NetBox in one answer; NetBox away a moment is retried', async () => {
  netbox.unavailable = 2;
  const said = await desk.say('carol', 'dm-carol', 'where is 10.20.30.7');
  const output = await desk.botMessage('dm-carol', (m) => Number(m.id) > Number(said.id) && m.text.startsWith('Where is this IP? · 1.'), 'the answer', 60_000);
  expect(output.text).toContain('network 10.20.30.0/24 Berlin shop floor · owner Retail IT');
  expect(output.text).toContain('NetBox: address 10.20.30.7/24 on pos-7 · interface eth0 · Active · DNS pos-7.berlin.example · Till 7; prefix 10.20.30.0/24 site Berlin · VLAN 130 (shop-floor) · Point of sale');
  expect(output.text).toContain('NetBox VRF guest: address 10.20.30.7/24 Reserved; prefix 10.20.30.0/24 VLAN 930 (guest)');
  expect(netbox.unavailable).toBe(0);
}, 90_000);
