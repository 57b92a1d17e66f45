/**
 * The demo's debug capture (config/demo.yaml, net.capture) as the demo
 * defines it: tcpdump of the demo services' ports on a host's loopback for the
 * seconds asked, bounded in packets and size, handed over as a pcap file; one capture per host at a
 * time; values outside the grammar's range refused before anything runs.
 */
import path from 'node:path';
import { readFileSync } from 'node:fs';
import { parse } from 'yaml';
import type { ConsoleMessage } from '../chat-gateway/web-console/store';
import { baseConfig, startDesk, type Desk } from './helpers/desk';

let desk: Desk;
// The demo's own definition, as written.
const demo = parse(readFileSync(path.join(__dirname, '..', 'config', 'demo.yaml'), 'utf8')) as { actions: Record<string, unknown> };

beforeAll(async () => {
  desk = await startDesk(
    baseConfig(
      { 'cap-host': { address: '127.0.0.1', transport: 'local', groups: ['demo'], services: { app: { steps: [{ name: 'noop', run: 'true' }] } } } },
      { actions: { 'net.capture': demo.actions['net.capture'] } },
    ),
  );
}, 120_000);

afterAll(async () => {
  await desk?.stop();
});

const after = (m: ConsoleMessage) => (x: ConsoleMessage) => Number(x.id) > Number(m.id);

test('a capture of the seconds asked comes back as a pcap file; a second one on the same host waits its turn', async () => {
  const said = await desk.say('bob', 'dm-bob', 'capture cap-host 2');
  // While it captures, the same host's next capture is told it is running.
  await desk.botMessage('dm-bob', (m) => after(said)(m) && m.text.startsWith('⚙ Debug capture') && m.text.includes('▶'), 'the capture running');
  // Traffic to the demo shop's port (refused or not, its packets are on loopback) and to another port, which is left out,
  // all the while it captures.
  let capturing = true;
  const traffic = (async () => {
    while (capturing) {
      for (const port of [18081, 9]) await fetch(`http://127.0.0.1:${port}/`).catch(() => undefined);
      await new Promise((r) => setTimeout(r, 50));
    }
  })();
  const again = await desk.say('dan', 'dm-dan', 'capture cap-host 3');
  expect((await desk.botMessage('dm-dan', after(again), 'the answer')).text).toMatch(/^"Debug capture" is already running for this \(capture cap-host 2\), asked by Bob: /);
  const file = await desk.botMessage('dm-bob', (m) => after(said)(m) && m.text.startsWith('Debug capture · 2.') && m.attachment !== undefined, 'the capture file', 30_000);
  capturing = false;
  await traffic;
  expect(file.attachment!.name).toBe('dutydesk-capture-cap-host.pcap');
  const bytes = Buffer.from(await (await fetch(`${desk.url}/console/files/${file.attachment!.fileId}`)).arrayBuffer());
  // A pcap file: its magic number, then at most 2,000 packets of 256 bytes.
  expect(bytes.readUInt32LE(0)).toBe(0xa1b2c3d4);
  expect(bytes.length).toBeLessThan(24 + 2000 * (16 + 256) + 1);
  const ports: number[] = [];
  // Each record: a 16-byte header (its captured length at 8), then Ethernet (14), IPv4 (20+), TCP ports.
  for (let at = 24; at + 16 <= bytes.length; at += 16 + bytes.readUInt32LE(at + 8)) {
    const ip = at + 16 + 14;
    const tcp = ip + (bytes[ip] & 0x0f) * 4;
    ports.push(bytes.readUInt16BE(tcp), bytes.readUInt16BE(tcp + 2));
  }
  expect(ports).toContain(18081);
  expect(ports).not.toContain(9);
  const done = await desk.botMessage('dm-bob', (m) => after(said)(m) && m.text.startsWith('⚙ Debug capture') && /✅ Done in/.test(m.text), 'the run to end');
  expect(done.text).toContain('Hand over the capture');
}, 60_000);

test('seconds outside 1..30 and people without the role are refused before anything runs', async () => {
  const long = await desk.say('bob', 'dm-bob', 'capture cap-host 300');
  expect((await desk.botMessage('dm-bob', after(long), 'the answer')).text).toContain('capture <host> <seconds>');
  const carol = await desk.say('carol', 'dm-carol', 'capture cap-host 5');
  expect((await desk.botMessage('dm-carol', after(carol), 'the answer')).text).toBe('You may not run "Debug capture": it is for lead.');
});
