/**
 * Who may press Cancel on someone's dump: the requester, or a person with
 * `dump` on the dump host's own groups. `dump` on another host group is not
 * enough. A real JVM on this machine (local transport), the web console and
 * the Temporal dev server.
 */
import path from 'node:path';
import { mkdtempSync, rmSync } from 'node:fs';
import os from 'node:os';
import type { DumpProgress } from '../workflows/dump/definitions';
import type { ConsoleMessage } from '../chat-gateway/web-console/store';
import { baseConfig, startDesk, type Desk } from './helpers/desk';
import { startJvm, type TestJvm } from './helpers/jvm';

let jvm: TestJvm;
let desk: Desk;
let dir: string;

beforeAll(async () => {
  jvm = await startJvm({ heapMiB: 8 });
  dir = mkdtempSync(path.join(os.tmpdir(), 'dutydesk-dump-cancel-'));
  desk = await startDesk(
    baseConfig(
      {
        jvm1: {
          address: '127.0.0.1',
          transport: 'local',
          groups: ['shop'],
          services: { app: { steps: [{ name: 'noop', run: 'true' }], java: { match: jvm.match, dumpDir: path.join(dir, 'host'), reserve: '1MiB', threadDumps: { count: 3, interval: '2s' } } } },
        },
      },
      {
        roles: {
          shop: { can: ['status', 'dump'], hostGroups: ['shop'] },
          billing: { can: ['status', 'dump'], hostGroups: ['billing'] },
          viewer: { can: ['status'] },
        },
        users: [
          { id: 'alice', name: 'Alice', roles: ['shop'] },
          { id: 'bob', name: 'Bob', roles: ['shop'] },
          { id: 'eve', name: 'Eve', roles: ['billing'] },
        ],
        dumps: { dir: path.join(dir, 'worker') },
      },
    ),
  );
}, 180_000);

afterAll(async () => {
  await desk?.stop();
  await jvm?.stop();
  if (dir) rmSync(dir, { recursive: true, force: true });
});

/** Alice asks for thread dumps in the ops chat; the progress message once it shows the dumps running. */
async function aliceDumps(): Promise<ConsoleMessage> {
  const asked = await desk.say('alice', 'ops', 'dump threads jvm1 app');
  return desk.botMessage('ops', (m) => Number(m.id) > Number(asked.id) && m.text.includes('▶ Take the thread dumps') && m.buttons.length > 0, 'the thread dumps to run');
}

const cancel = (m: ConsoleMessage) => m.buttons.flat().find((b) => b.action.startsWith('dump.cancel:'))!.action;
const result = () => desk.env.client.workflow.getHandle('dump-jvm1-app').result() as Promise<DumpProgress>;

test('a person with dump only on another host group cannot cancel someone\'s dump', async () => {
  const running = await aliceDumps();
  expect(await desk.press('eve', 'ops', running.id, cancel(running))).toBe(202);
  await desk.botMessage('ops', (m) => m.text === 'Only Alice (who asked) or someone who may take dumps on jvm1 can cancel it.', 'the refusal');
  const done = await result();
  expect(done.phase).toBe('done');
  expect(done.cancelledBy).toBeUndefined();
});

test('a person with dump on the host\'s own group can', async () => {
  const running = await aliceDumps();
  expect(await desk.press('bob', 'ops', running.id, cancel(running))).toBe(202);
  const done = await result();
  expect(done.phase).toBe('cancelled');
  expect(done.cancelledBy?.name).toBe('Bob');
});
