/**
 * Addresses and prefixes, IPv4 and IPv6, and "where is <ip>" from the
 * inventory: a host's own address, the longest network that holds it, per
 * VRF, and a plain nothing when nothing does.
 */
import { parseConfig } from '../config/load';
import { IpIndex, parseIp, parsePrefix } from '../lib/inventory/ip';
import { whereIs } from '../lib/inventory/where-is';
import { baseConfig } from './helpers/desk';

test('addresses: IPv4 without leading zeros, IPv6 in every short form, canonical text', () => {
  expect(parseIp('10.20.3.4')?.value).toBe(0x0a140304n);
  expect(parseIp('010.20.3.4')).toBeUndefined();
  expect(parseIp('10.20.3')).toBeUndefined();
  expect(parseIp('2001:DB8:0:0:0:0:0:1')?.text).toBe('2001:db8::1');
  expect(parseIp('::')?.text).toBe('::');
  expect(parseIp('::ffff:192.0.2.1')?.text).toBe('::ffff:c000:201');
  expect(parseIp('2001:db8::1::2')).toBeUndefined();
  expect(parseIp('2001:db8:0:0:0:0:0:0:1')).toBeUndefined();
  expect(parseIp('fe80::1%eth0')).toBeUndefined();
  expect(parseIp('1.2.3.4::')).toBeUndefined();
  expect(parseIp('1.2.3.4::5')).toBeUndefined();
  expect(parsePrefix('2001:db8::/32').text).toBe('2001:db8::/32');
  expect(() => parsePrefix('10.0.0.0/33')).toThrow('at most /32');
  expect(() => parsePrefix('10.0.0.0')).toThrow('not a prefix');
});

test('the longest prefix wins, per version and VRF', () => {
  const index = new IpIndex<string, { name: string }>();
  index.addPrefix(parsePrefix('10.0.0.0/8'), { name: 'corp' });
  index.addPrefix(parsePrefix('10.20.0.0/16'), { name: 'berlin' });
  index.addPrefix(parsePrefix('10.20.30.0/24'), { name: 'berlin-lab' });
  index.addPrefix(parsePrefix('10.20.0.0/16'), { name: 'guest' }, 'guest');
  index.addPrefix(parsePrefix('::/0'), { name: 'v6-default' });
  expect(index.longestPrefix(parseIp('10.20.30.7')!)?.name).toBe('berlin-lab');
  expect(index.longestPrefix(parseIp('10.20.31.7')!)?.name).toBe('berlin');
  expect(index.longestPrefix(parseIp('10.99.0.1')!)?.name).toBe('corp');
  expect(index.longestPrefix(parseIp('11.0.0.1')!)).toBeUndefined();
  expect(index.longestPrefix(parseIp('10.20.30.7')!, 'guest')?.name).toBe('guest');
  expect(index.longestPrefix(parseIp('2001:db8::5')!)?.name).toBe('v6-default');
});

test('where is: the hosts of the address and its network, in each VRF; nothing known is said plainly', () => {
  const config = parseConfig(
    baseConfig(
      {
        web1: { address: '10.20.30.5', transport: 'local', groups: ['web'], services: { app: { steps: [{ name: 'noop', run: 'true' }] } } },
        web2: { address: '10.20.30.5', transport: 'local', groups: ['web', 'shop'], services: { app: { steps: [{ name: 'noop', run: 'true' }] } } },
      },
      {
        inventory: {
          networks: [
            { prefix: '10.20.0.0/16', name: 'Berlin office', site: 'Berlin', owner: 'Network team' },
            { prefix: '10.20.30.0/24', name: 'Server room', site: 'Berlin', vlan: 130, owner: 'Service Desk' },
            { prefix: '10.20.30.0/24', name: 'Guest lab', vrf: 'guest', vlan: 930 },
            { prefix: '2001:db8:20::/48', name: 'Berlin v6', site: 'Berlin' },
          ],
        },
      },
    ),
    '/tmp/dutydesk.yaml',
  );
  expect(whereIs(config, parseIp('10.20.30.5')!)).toEqual({
    ip: '10.20.30.5',
    version: 4,
    places: [
      { vrf: '', hosts: [{ name: 'web1', groups: ['web'] }, { name: 'web2', groups: ['web', 'shop'] }], network: { prefix: '10.20.30.0/24', name: 'Server room', site: 'Berlin', vlan: 130, owner: 'Service Desk' } },
      { vrf: 'guest', network: { prefix: '10.20.30.0/24', name: 'Guest lab', vlan: 930 } },
    ],
  });
  expect(whereIs(config, parseIp('2001:db8:20:1::9')!).places).toEqual([{ vrf: '', network: { prefix: '2001:db8:20::/48', name: 'Berlin v6', site: 'Berlin' } }]);
  expect(whereIs(config, parseIp('192.0.2.1')!).places).toEqual([]);
  // As a dual-stack socket shows an IPv4 peer.
  expect(whereIs(config, parseIp('::ffff:10.20.30.5')!).places[0].hosts?.map((h) => h.name)).toEqual(['web1', 'web2']);
});
