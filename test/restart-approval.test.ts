/**
 * Production hosts need a second person's approval before any step runs:
 * granted, denied, timed out, and never by the requester themself.
 */
import { baseConfig, startDesk, type Desk } from './helpers/desk';
import { hostLog, type HostLog } from './helpers/host-scripts';
import { startSshd, type Sshd } from './helpers/sshd';

let sshd: Sshd;
let desk: Desk;
let log: HostLog;

beforeAll(async () => {
  sshd = await startSshd();
  log = hostLog(sshd.dir, 'prod');
  desk = await startDesk(
    baseConfig(
      {
        pay1: {
          address: '127.0.0.1',
          port: sshd.port,
          user: sshd.user,
          privateKey: { file: sshd.keyFile },
          hostKey: sshd.hostKeyFingerprint,
          groups: ['test'],
          production: true,
          services: { payments: { steps: [{ name: 'restart', title: 'Restart payments', run: log.step('restart') }] } },
        },
      },
      { restart: { approvalTimeout: '4s', heartbeatTimeout: '3s' } },
    ),
  );
}, 120_000);

afterAll(async () => {
  await desk?.stop();
  await sshd?.stop();
});

async function untilEnded() {
  return desk.env.client.workflow.getHandle('restart-pay1').result();
}

async function approvalRequest() {
  return desk.botMessage('ops', (m) => m.text.includes('asks to restart payments on production host pay1') && m.buttons.length > 0, 'the approval request');
}

const action = (m: { buttons: { label: string; action: string }[][] }, label: string) => m.buttons.flat().find((b) => b.label === label)!.action;

test('approved by a second lead: the steps run only after approval', async () => {
  await desk.say('bob', 'dm-bob', 'restart pay1');
  const progress = await desk.botMessage('dm-bob', (m) => m.text.includes('⏸ Waiting for approval'), 'the waiting progress message');
  expect(progress.text).toContain('(production)');
  const request = await approvalRequest();

  // The requester cannot approve their own request, even as a lead.
  await desk.press('bob', 'ops', request.id, action(request, 'Approve'));
  await desk.botMessage('ops', (m) => m.text.includes('cannot approve your own request'), 'the self-approval refusal');
  // Someone without the approve capability cannot either.
  await desk.press('alice', 'ops', request.id, action(request, 'Approve'));
  await desk.botMessage('ops', (m) => m.text.includes('You may not approve restarts of pay1. Roles that may: lead'), 'the role refusal');
  expect(log.lines()).toEqual([]);

  await desk.press('dan', 'ops', request.id, action(request, 'Approve'));
  const result = await untilEnded();
  expect(result.phase).toBe('done');
  expect(result.approvedBy?.name).toBe('Dan');
  expect(log.lines()).toEqual(['start restart', 'end restart']);
  await desk.botMessage('ops', (m) => m.id === request.id && m.text.includes('✅ Approved by Dan') && m.buttons.length === 0, 'the request marked approved');
  await desk.botMessage('dm-bob', (m) => m.id === progress.id && m.text.includes('Approved by Dan') && m.text.includes('✅ Done in'), 'the progress message done');
});

test('denied: nothing runs and the requester sees who denied it', async () => {
  const before = log.lines().length;
  await desk.say('bob', 'dm-bob', 'restart pay1');
  const request = await approvalRequest();
  await desk.press('dan', 'ops', request.id, action(request, 'Deny'));
  const result = await untilEnded();
  expect(result.phase).toBe('denied');
  await desk.botMessage('dm-bob', (m) => m.text.includes('🚫 Denied by Dan') && m.text.includes('– Restart payments'), 'the denied progress message');
  expect(log.lines().length).toBe(before);
});

test('nobody approves in time: the request expires with a clear message and nothing runs', async () => {
  const before = log.lines().length;
  await desk.say('bob', 'dm-bob', 'restart pay1');
  const request = await approvalRequest();
  const result = await untilEnded();
  expect(result.phase).toBe('expired');
  await desk.botMessage('dm-bob', (m) => m.text.includes('⌛ Not approved in time: no approval within 4.0 s'), 'the expired progress message');
  await desk.botMessage('ops', (m) => m.id === request.id && m.text.includes('Nobody approved in time'), 'the request marked expired');
  expect(log.lines().length).toBe(before);
  // A late press on the old buttons is refused: they are no longer on the message.
  expect(await desk.press('dan', 'ops', request.id, action(request, 'Approve'))).toBe(409);
});
