/**
 * Runbook actions. Three figures:
 *  1. "where is <ip>" in the inventory: A host addresses and P networks
 *     (default 50,000 and 5,000, IPv4 and IPv6, nested prefixes and VRFs) built
 *     into the index once, then L lookups of random addresses (hits and
 *     misses); p50 and p95 per lookup, and the build time. Target p95 < 50 ms.
 *  2. The same through NetBox: the local NetBox peer holding as many addresses
 *     and prefixes, L lookups over HTTP (two lists each, every page).
 *     Target p95 < 1 s.
 *  3. An action from chat: "where is <ip>" typed in the web console, timed to
 *     its first progress message and to its output (the Temporal dev server,
 *     the worker and the gateway as `npm start` runs them).
 *   npm run bench:actions -- [addresses=50000] [prefixes=5000] [lookups=2000] [chatRounds=20]
 */
import { DefaultLogger, Runtime } from '@temporalio/worker';
import { NetBoxApi as NetBoxClient } from '../activities/actions/netbox';
import { parseConfig } from '../config/load';
import { parseIp } from '../lib/inventory/ip';
import { whereIs } from '../lib/inventory/where-is';
import { baseConfig, startDesk } from '../test/helpers/desk';
import { followChat } from '../test/helpers/console-events';
import { NetBoxApi } from '../test/peers/netbox-api';
import { percentile, runBench } from './stats';

const [addresses = 50_000, prefixes = 5_000, lookups = 2_000, chatRounds = 20] = process.argv.slice(2).map(Number);

/** A deterministic pseudo-random source, so runs compare. */
function random(seed: number): () => number {
  let s = seed >>> 0;
  return () => ((s = (Math.imul(s, 1664525) + 1013904223) >>> 0) / 2 ** 32);
}
const rnd = random(42);
const v4 = (a: number, b: number, c: number, d: number) => `${a}.${b}.${c}.${d}`;

function inventory() {
  const hosts: Record<string, unknown> = {};
  const addressList: string[] = [];
  for (let i = 0; i < addresses; i++) {
    const address = i % 10 === 9 ? `2001:db8:${(i >> 8) & 0xffff}::${(i & 0xff).toString(16)}` : v4(10, (i >> 16) & 0xff, (i >> 8) & 0xff, (i & 0xff) || 1);
    addressList.push(address);
    hosts[`h${i}`] = { address, transport: 'local', groups: ['fleet'], services: { app: { steps: [{ name: 'noop', run: 'true' }] } } };
  }
  const networks: { prefix: string; name: string; vrf?: string; site: string }[] = [];
  for (let i = 0; networks.length < prefixes; i++) {
    const b = i % 256;
    const c = Math.floor(i / 256) % 256;
    networks.push({ prefix: `10.${b}.0.0/16`, name: `site-${b}`, site: `S${b}` });
    if (networks.length < prefixes) networks.push({ prefix: v4(10, b, c, 0) + '/24', name: `lan-${b}-${c}`, site: `S${b}`, ...(i % 7 === 0 ? { vrf: 'guest' } : {}) });
    if (networks.length < prefixes && i % 5 === 0) networks.push({ prefix: `2001:db8:${i.toString(16)}::/48`, name: `v6-${i}`, site: `S${b}` });
  }
  return { hosts, networks, addressList };
}

function pick(addressList: string[]): string {
  // Three in four an address of the inventory, else one of nothing in it.
  return rnd() < 0.75 ? addressList[Math.floor(rnd() * addressList.length)] : v4(192, 0, 2, Math.floor(rnd() * 254) + 1);
}

async function main() {
  try {
    Runtime.install({ logger: new DefaultLogger('ERROR') });
  } catch {
    /* installed by the desk helper */
  }
  const { hosts, networks, addressList } = inventory();
  const config = parseConfig(baseConfig(hosts, { inventory: { networks } }), '/tmp/dutydesk-bench.yaml');
  const builtAt = performance.now();
  whereIs(config, parseIp('10.0.0.1')!);
  const build = performance.now() - builtAt;
  const local: number[] = [];
  let found = 0;
  for (let i = 0; i < lookups; i++) {
    const ip = parseIp(pick(addressList))!;
    const t0 = performance.now();
    if (whereIs(config, ip).places.length) found++;
    local.push(performance.now() - t0);
  }
  console.log(`where is <ip>, inventory of ${addresses} addresses and ${prefixes} networks (${lookups} lookups, ${found} found)`);
  console.log(`  index built in ${build.toFixed(0)} ms`);
  console.log(`  lookup p50 ${percentile(local, 50).toFixed(3)} ms  p95 ${percentile(local, 95).toFixed(3)} ms  (target p95 < 50 ms: ${percentile(local, 95) < 50 ? 'met' : 'MISSED'})`);

  const netbox = await new NetBoxApi(['bench-token']).start();
  for (const a of addressList) netbox.addIp(`${a}/${a.includes(':') ? 64 : 24}`);
  for (const n of networks) netbox.addPrefix(n.prefix, n.vrf ? { vrf: { id: 7, name: n.vrf } } : {});
  const client = new NetBoxClient({ url: netbox.url, token: () => 'bench-token' });
  const remote: number[] = [];
  const n = Math.min(lookups, 500);
  for (let i = 0; i < n; i++) {
    const ip = parseIp(pick(addressList))!;
    const t0 = performance.now();
    await client.lookup(ip);
    remote.push(performance.now() - t0);
  }
  await netbox.stop();
  console.log(`where is <ip> through the local NetBox peer holding as many (${n} lookups, two lists each)`);
  console.log(`  lookup p50 ${percentile(remote, 50).toFixed(1)} ms  p95 ${percentile(remote, 95).toFixed(1)} ms  (target p95 < 1 s: ${percentile(remote, 95) < 1000 ? 'met' : 'MISSED'})`);

  const desk = await startDesk(
    baseConfig(
      { h1: { address: '10.20.30.5', transport: 'local', groups: ['test'], services: { app: { steps: [{ name: 'noop', run: 'true' }] } } } },
      {
        inventory: { networks: [{ prefix: '10.20.30.0/24', name: 'Server room' }] },
        actions: { 'net.whereis': { title: 'Where is this IP?', says: 'where is {ip:ip}', steps: [{ ipLookup: '{ip}' }] } },
      },
    ),
  );
  const first: number[] = [];
  const output: number[] = [];
  for (let r = 0; r <= chatRounds; r++) {
    const follower = await followChat(desk.url, 'dm-carol');
    const t0 = performance.now();
    await desk.say('carol', 'dm-carol', `where is 10.20.30.${r + 1}`);
    let seenFirst: number | undefined;
    await follower.readUntil((m) => {
      if (m.from === 'bot' && m.text.startsWith('⚙ Where is this IP?') && seenFirst === undefined) seenFirst = performance.now() - t0;
      return m.from === 'bot' && m.text.startsWith('Where is this IP? · 1.');
    });
    const done = performance.now() - t0;
    await follower.close();
    if (r === 0) continue; // warm-up: worker caches
    first.push(seenFirst ?? done);
    output.push(done);
  }
  await desk.stop();
  console.log(`an action from chat ("where is <ip>" in the web console), ${chatRounds} measured rounds`);
  console.log(`  command to first progress message : p50 ${percentile(first, 50).toFixed(0)} ms  p95 ${percentile(first, 95).toFixed(0)} ms`);
  console.log(`  command to its output             : p50 ${percentile(output, 50).toFixed(0)} ms  p95 ${percentile(output, 95).toFixed(0)} ms`);
}

runBench(main);
