/**
 * The audit trail: every command, button and API call, and every refusal,
 * as a JSON line in the data folder; `audit [person|host] [period]` answers
 * admins in chat and nobody else.
 */
import { readFileSync } from 'node:fs';
import path from 'node:path';
import { baseConfig, startDesk, type Desk } from './helpers/desk';
import { waitFor } from './helpers/wait';
import type { AuditEntry } from '../chat-gateway/audit';

let desk: Desk;

beforeAll(async () => {
  process.env.TEST_API_TOKEN_ERIN = 'api-token-erin';
  desk = await startDesk(
    baseConfig(
      {
        web1: { address: '127.0.0.1', transport: 'local', groups: ['test'], services: { app: { steps: [{ name: 'noop', title: 'noop', run: 'true' }] } } },
        db1: { address: '127.0.0.1', transport: 'local', groups: ['test'], services: { app: { steps: [{ name: 'noop', title: 'noop', run: 'true' }] } } },
      },
      {
        roles: {
          viewer: { can: ['status'] },
          engineer: { can: ['status', 'restart'], hostGroups: ['test'] },
          admin: { can: ['status', 'audit'], hostGroups: ['*'] },
        },
        users: [
          { id: 'alice', name: 'Alice', roles: ['engineer'] },
          { id: 'carol', name: 'Carol', roles: ['viewer'] },
          { id: 'erin', name: 'Erin', roles: ['admin'] },
        ],
        api: { tokens: [{ user: 'erin', token: { env: 'TEST_API_TOKEN_ERIN' } }] },
      },
    ),
  );
}, 120_000);

afterAll(async () => {
  await desk?.stop();
});

const trail = () =>
  readFileSync(path.join(path.dirname(desk.configFile), '.data', 'audit.jsonl'), 'utf8')
    .split('\n')
    .filter(Boolean)
    .map((l) => JSON.parse(l) as AuditEntry);

test('commands, refusals, strangers and API calls each leave a line; admins read them with audit, others may not', async () => {
  await desk.say('alice', 'dm-alice', 'restart web1');
  await desk.botMessage('dm-alice', (m) => m.text.includes('✅ Done in'), 'the restart done');
  await desk.say('carol', 'dm-carol', 'restart db1');
  await desk.botMessage('dm-carol', (m) => m.text.startsWith('You may not use "restart"'), 'the refusal');
  await desk.say('mallory', 'dm-mallory', 'restart db1');
  expect((await fetch(`${desk.url}/api/v1/ola`, { headers: { authorization: 'Bearer guessed' } })).status).toBe(401);

  await waitFor(() => trail().length >= 4, 'four lines in the audit trail');
  const lines = trail();
  expect(lines).toEqual(
    expect.arrayContaining([
      expect.objectContaining({ who: 'alice', platform: 'web', chat: 'dm-alice', what: 'restart web1', outcome: 'done' }),
      expect.objectContaining({ who: 'carol', what: 'restart db1', outcome: 'refused', detail: 'lacks "restart"' }),
      expect.objectContaining({ who: 'mallory', what: 'restart db1', outcome: 'refused', detail: 'unknown person' }),
      expect.objectContaining({ platform: 'api', what: 'GET /api/v1/ola', outcome: 'refused', detail: 'missing or unknown token' }),
    ]),
  );
  expect(lines.every((l) => !Number.isNaN(Date.parse(l.at)))).toBe(true);

  await desk.say('erin', 'dm-erin', 'audit');
  const all = await desk.botMessage('dm-erin', (m) => m.text.startsWith('🧾 Audit trail for everyone'), 'the audit answer');
  expect(all.text).toContain('alice (web dm-alice): restart web1 → done');
  expect(all.text).toContain('carol (web dm-carol): restart db1 → refused (lacks "restart")');
  await desk.say('erin', 'dm-erin', 'audit carol today');
  const carols = await desk.botMessage('dm-erin', (m) => m.text.startsWith('🧾 Audit trail for carol'), "carol's lines");
  expect(carols.text).not.toContain('alice');
  await desk.say('erin', 'dm-erin', 'audit web1');
  const web1 = await desk.botMessage('dm-erin', (m) => m.text.startsWith('🧾 Audit trail for web1'), "web1's lines");
  expect(web1.text).toContain('restart web1 → done');
  expect(web1.text).not.toContain('db1');
  await desk.say('erin', 'dm-erin', 'audit constructor');
  await desk.botMessage('dm-erin', (m) => m.text.startsWith('I do not understand the period "constructor"'), 'a name that is neither a person nor a host');

  await desk.say('alice', 'dm-alice', 'audit');
  await desk.botMessage('dm-alice', (m) => m.text.startsWith('You may not use "audit"'), 'audit refused to Alice');
  await waitFor(() => trail().some((l) => l.who === 'alice' && l.what === 'audit' && l.outcome === 'refused'), "Alice's refused audit in the trail");
});
