/**
 * Names people type are looked up among the configured ones only: names
 * every plain object inherits ("constructor", "toString", "__proto__") get the
 * usual "unknown …" answer listing what exists, and start nothing. Before,
 * `restart demo-web constructor` ran zero steps and said the host was up.
 */
import { baseConfig, startDesk, type Desk } from './helpers/desk';
import { waitFor } from './helpers/wait';

let desk: Desk;

beforeAll(async () => {
  const local = { address: '127.0.0.1', transport: 'local', groups: ['test'] };
  desk = await startDesk(
    baseConfig(
      {
        local1: {
          ...local,
          services: {
            app: { steps: [{ name: 'stop', run: 'true' }] },
            inventory: { steps: [{ name: 'stop', run: 'true' }], java: { match: 'no-such-java-service-here' } },
          },
        },
      },
      {
        roles: {
          viewer: { can: ['status'] },
          engineer: { can: ['status', 'restart', 'dump'], hostGroups: ['test'] },
          lead: { can: ['status', 'restart', 'approve', 'dump'], hostGroups: ['*'] },
        },
        // A role name no role has, but every object inherits: it grants nothing.
        users: [
          { id: 'alice', name: 'Alice', roles: ['engineer'] },
          { id: 'bob', name: 'Bob', roles: ['lead'] },
          { id: 'trent', name: 'Trent', roles: ['toString'] },
        ],
      },
    ),
  );
}, 120_000);

afterAll(async () => {
  await desk?.stop();
});

async function answer(user: string, text: string): Promise<string> {
  const asked = await desk.say(user, `dm-${user}`, text);
  return (await desk.botMessage(`dm-${user}`, (m) => Number(m.id) > Number(asked.id), `the answer to "${text}"`)).text;
}

const unknownHost = (name: string) => `Unknown host "${name}". Hosts: local1.`;
const unknownService = (name: string) => `local1 has no service "${name}". Services: app, inventory.`;

test.each([
  ['restart local1 constructor', unknownService('constructor')],
  ['restart local1 __proto__', unknownService('__proto__')],
  ['restart constructor', unknownHost('constructor')],
  ['restart __proto__ app', unknownHost('__proto__')],
  ['status toString', unknownHost('toString')],
  ['status hasOwnProperty', unknownHost('hasOwnProperty')],
  ['cancel constructor', unknownHost('constructor')],
  ['dump heap local1 __proto__', unknownService('__proto__')],
  ['dump threads local1 toString', unknownService('toString')],
  ['dump heap constructor', unknownHost('constructor')],
  ['dump constructor local1', 'Usage: dump heap <host> <service>'],
])('"%s" gets the usual answer', async (text, expected) => {
  expect(await answer('alice', text)).toContain(expected);
});

test('a role named like an inherited property grants nothing', async () => {
  expect(await answer('trent', 'restart local1 app')).toContain('You may not use "restart"');
  expect(await answer('trent', 'status local1')).toContain('You may not use "status"');
});

test('none of them started a run; a real request does', async () => {
  await desk.say('alice', 'dm-alice', 'restart local1 app');
  await desk.botMessage('dm-alice', (m) => m.text.includes('Restart app on local1') && m.text.includes('✅ Done in'), 'the real restart');
  const count = async (query: string) => (await desk.env.client.workflow.count(query)).count;
  // Visibility catches up with the run asked last; anything started before it would be counted too.
  await waitFor(async () => (await count(`WorkflowType = 'restartWorkflow'`)) === 1, 'the real run in visibility');
  expect(await count(`WorkflowType = 'restartWorkflow' AND DutydeskService = 'app'`)).toBe(1);
  expect(await count(`WorkflowType = 'dumpWorkflow'`)).toBe(0);
});
