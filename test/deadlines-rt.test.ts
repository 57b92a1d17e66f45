/**
 * Deadline reminders on Temporal Schedules and OLA figures, against a real
 * Request Tracker 5 and the Temporal dev server: the schedules match the
 * configuration, a triggered run tells each engineer their own tickets and
 * the group its digest, `deadlines` answers on demand, `ola` and the HTTP API
 * give figures for tickets with known times. No test waits for a schedule's
 * hour: runs are triggered, as "Trigger" in the Temporal UI does.
 */
import { wallClock } from '../lib/time-zone';
import { ScheduleOverlapPolicy } from '@temporalio/client';
import { parseConfig } from '../config/load';
import { baseConfig, startDesk, type Desk } from './helpers/desk';
import { startRt, type TestRt } from './helpers/rt';
import { waitFor } from './helpers/wait';
import { syncReminderSchedules } from '../workers/reminder-schedules';
import { reminderScheduleId } from '../workflows/deadlines/definitions';
import type { OlaResult } from '../workflows/deadlines/definitions';
import type { ConsoleMessage } from '../chat-gateway/web-console/store';
import { outboxQuery } from '../workflows/outbox/definitions';

let rt: TestRt;
let desk: Desk;
let raw: Record<string, unknown>;
const MIN = 60_000;
const HOUR = 60 * MIN;
const API_TOKEN = 'api-token-bob';

function config(groups: Record<string, unknown>) {
  return baseConfig(
    { web1: { address: '127.0.0.1', transport: 'local', services: { shop: { steps: [{ name: 'noop', run: 'true' }] } } } },
    {
      roles: {
        engineer: { can: ['status', 'tickets'] },
        viewer: { can: ['status'] },
        lead: { can: ['status', 'tickets', 'remind'] },
      },
      users: [
        { id: 'alice', name: 'Alice', roles: ['engineer'], tickets: { rt: 'alice' }, timeZone: 'Asia/Tokyo' },
        { id: 'bob', name: 'Bob', roles: ['lead'], tickets: { rt: 'bob' }, language: 'es' },
        { id: 'carol', name: 'Carol', roles: ['viewer'] },
        { id: 'dan', name: 'Dan', roles: ['engineer'], tickets: { rt: 'dan' } },
        { id: 'erin', name: 'Erin', roles: ['engineer'] },
      ],
      chats: { ops: { title: 'Service desk', web: 'ops' }, net: { title: 'Network team', web: 'net' } },
      api: { tokens: [{ user: 'bob', token: { env: 'TEST_API_TOKEN_BOB' } }, { user: 'carol', token: { env: 'TEST_API_TOKEN_CAROL' } }] },
      tickets: {
        systems: { rt: { type: 'rt', url: rt.url, user: rt.user, password: { env: 'TEST_RT_PASSWORD' }, pollInterval: 'off' } },
        groups,
        ola: { targets: { High: { response: '15m', resolution: '4h' }, Medium: { response: '1h', resolution: '1d' } } },
      },
    },
  );
}

const GROUPS = {
  desk: { system: 'rt', queue: 'Service Desk', chat: 'ops', reminders: { times: ['09:00', '13:00', '17:00'], timeZone: 'Europe/Madrid' } },
  network: { system: 'rt', queue: 'Network', chat: 'net', reminders: { times: ['08:30'], window: '48h' } },
};

beforeAll(async () => {
  rt = await startRt();
  process.env.TEST_RT_PASSWORD = rt.password;
  process.env.TEST_API_TOKEN_BOB = API_TOKEN;
  process.env.TEST_API_TOKEN_CAROL = 'api-token-carol';
  raw = config(GROUPS);
  desk = await startDesk(raw);
}, 180_000);

afterAll(async () => {
  await desk?.stop();
  await rt?.remove();
});

/** RT's own date form, in UTC. */
const rtTime = (ms: number) => new Date(ms).toISOString().replace('T', ' ').replace(/\.\d+Z$/, '');

async function newTicket(queue: string, subject: string, fields: Record<string, unknown> = {}): Promise<string> {
  const created = (await rt.rest('POST', 'ticket', { Queue: queue, Subject: subject, Content: subject, ...fields })) as { id: string };
  return String(created.id);
}

const botTexts = async (chat: string) => (await desk.messages(chat)).filter((m) => m.from === 'bot').map((m) => m.text);

/** Waits for the schedule's most recent run and returns what it reported. */
async function lastRun(group: string, after: number): Promise<{ tickets: number; messages: number }> {
  const handle = desk.env.client.schedule.getHandle(reminderScheduleId(group));
  const action = await waitFor(async () => (await handle.describe()).info.recentActions.find((a) => a.takenAt.getTime() >= after - 1000), `a run of ${group}'s schedule`);
  return desk.env.client.workflow.getHandle(action.action.workflow.workflowId).result();
}

test('each group with reminders has a schedule with the configured times, zone, window and policies', async () => {
  const described = await desk.env.client.schedule.getHandle(reminderScheduleId('desk')).describe();
  expect(described.spec.calendars?.map((c) => [c.hour, c.minute])).toEqual([
    [[{ start: 9, end: 9, step: 1 }], [{ start: 0, end: 0, step: 1 }]],
    [[{ start: 13, end: 13, step: 1 }], [{ start: 0, end: 0, step: 1 }]],
    [[{ start: 17, end: 17, step: 1 }], [{ start: 0, end: 0, step: 1 }]],
  ]);
  expect(described.spec.timezone).toBe('Europe/Madrid');
  // The server's own plan of the next runs: on a Madrid clock, each at one of the configured times, in order, none missed.
  const next = described.info.nextActionTimes.map((d) => d.getTime());
  expect(next.length).toBeGreaterThanOrEqual(3);
  for (const at of next) expect([9, 13, 17].map((h) => `${h}:0`)).toContain(`${wallClock(at, 'Europe/Madrid').hour}:${wallClock(at, 'Europe/Madrid').minute}`);
  expect(next[0]).toBeGreaterThan(Date.now() - 60_000);
  expect(next[0]).toBeLessThanOrEqual(Date.now() + 17 * HOUR);
  // 17:00 to 09:00 is the longest gap (16 h; 17 h on the night clocks go back).
  next.slice(1).forEach((at, i) => {
    expect(at).toBeGreaterThan(next[i]);
    expect(at - next[i]).toBeLessThanOrEqual(17 * HOUR);
  });
  expect(described.action).toMatchObject({ type: 'startWorkflow', workflowType: 'deadlineReminderWorkflow', args: [{ group: 'desk', windowMs: 24 * HOUR }] });
  expect(described.policies).toMatchObject({ overlap: ScheduleOverlapPolicy.SKIP, catchupWindow: HOUR });
  const network = await desk.env.client.schedule.getHandle(reminderScheduleId('network')).describe();
  expect(network.spec.timezone).toBe('UTC');
  expect(network.action).toMatchObject({ args: [{ group: 'network', windowMs: 48 * HOUR }] });
});

test('a changed configuration updates the schedule; a removed group loses its schedule; a pause set by ops stays', async () => {
  const client = desk.env.client;
  // Listing is eventually consistent: wait until both are listed, as a later start would see them.
  await waitFor(async () => {
    const ids: string[] = [];
    for await (const s of client.schedule.list()) ids.push(s.scheduleId);
    return ids.includes(reminderScheduleId('desk')) && ids.includes(reminderScheduleId('network'));
  }, 'both schedules to be listed');
  await client.schedule.getHandle(reminderScheduleId('desk')).pause('paused by ops for the holidays');

  const changed = parseConfig(config({ desk: { ...GROUPS.desk, reminders: { times: ['10:15'], timeZone: 'America/New_York', window: '12h' } }, network: { ...GROUPS.network, reminders: undefined } }), 'changed.yaml');
  const sync = await syncReminderSchedules(client, changed);
  expect(sync).toEqual({ created: [], updated: [reminderScheduleId('desk')], deleted: [reminderScheduleId('network')] });
  const described = await client.schedule.getHandle(reminderScheduleId('desk')).describe();
  expect(described.spec.calendars?.map((c) => [c.hour?.[0].start, c.minute?.[0].start])).toEqual([[10, 15]]);
  expect(described.spec.timezone).toBe('America/New_York');
  expect(described.action).toMatchObject({ args: [{ group: 'desk', windowMs: 12 * HOUR }] });
  expect(described.state.paused).toBe(true);
  await expect(client.schedule.getHandle(reminderScheduleId('network')).describe()).rejects.toThrow(/not found/i);
  // A group whose schedule is missing (the worker makes it when it starts) is told so, not a bare error.
  await desk.say('bob', 'dm-bob', 'remind now network');
  await desk.botMessage('dm-bob', (m) => m.text.startsWith('La programación de recordatorios de network aún no existe'), 'the answer for a missing schedule');

  // Back to the test configuration (and unpaused) for the tests that follow.
  await client.schedule.getHandle(reminderScheduleId('desk')).unpause();
  expect(await syncReminderSchedules(client, desk.config)).toMatchObject({ created: [reminderScheduleId('network')], updated: [reminderScheduleId('desk')] });
});

describe('a reminder run', () => {
  const ids: Record<string, string> = {};
  let triggeredAt = 0;

  beforeAll(async () => {
    const now = Date.now();
    ids.soon = await newTicket('Service Desk', 'Renew the TLS certificate', { Owner: 'alice', Due: rtTime(now + 3 * HOUR) });
    ids.late = await newTicket('Service Desk', 'Backup job failing', { Owner: 'alice', Due: rtTime(now - 40 * MIN) });
    ids.bobs = await newTicket('Service Desk', 'Printer queue stuck', { Owner: 'bob', Due: rtTime(now + 20 * HOUR) });
    ids.nobody = await newTicket('Service Desk', 'New laptop for Zoe', { Due: rtTime(now + 5 * HOUR) });
    ids.later = await newTicket('Service Desk', 'Plan the office move', { Owner: 'alice', Due: rtTime(now + 30 * HOUR) });
    ids.done = await newTicket('Service Desk', 'Reset a password', { Owner: 'dan', Due: rtTime(now + HOUR), Status: 'resolved' });
    ids.noDue = await newTicket('Service Desk', 'Order toner', { Owner: 'alice' });
    triggeredAt = Date.now();
    await desk.say('bob', 'dm-bob', 'remind now desk');
    await desk.botMessage('dm-bob', (m) => m.text.startsWith('⏰ Recordatorios de vencimientos lanzados para desk'), 'the answer to remind now');
  }, 60_000);

  test('tells each engineer only their own tickets, soonest first, in their language and time zone', async () => {
    const alice = await desk.botMessage('dm-alice', (m) => m.text.startsWith('⏰ Your tickets due within 24 h'), "Alice's reminder");
    expect(alice.text).toMatch(/^⏰ Your tickets due within 24 h: 2 \(1 overdue\)/);
    expect(alice.text).toMatch(new RegExp(`#${ids.late} Backup job failing — overdue by (39|40|41) min`));
    expect(alice.text).toMatch(new RegExp(`#${ids.soon} Renew the TLS certificate — (2 h 59 min|3 h|3 h 1 min) left`));
    expect(alice.text.indexOf(`#${ids.late} `)).toBeLessThan(alice.text.indexOf(`#${ids.soon} `));
    for (const other of [ids.later, ids.bobs, ids.nobody, ids.done, ids.noDue]) expect(alice.text).not.toContain(`#${other} `);
    // Alice reads times in Tokyo.
    const due = (await rt.rest('GET', `ticket/${ids.soon}`)) as { Due: string };
    const tokyo = new Intl.DateTimeFormat('en', { timeZone: 'Asia/Tokyo', month: 'short', day: 'numeric', hour: '2-digit', minute: '2-digit', hourCycle: 'h23' }).format(new Date(due.Due));
    expect(alice.text).toContain(`(${tokyo})`);
    expect(alice.text).toContain(`Ticket/Display.html?id=${ids.soon}`);

    const bob = await desk.botMessage('dm-bob', (m) => m.text.startsWith('⏰ Tus tickets'), "Bob's reminder");
    expect(bob.text).toMatch(new RegExp(`#${ids.bobs} Printer queue stuck — quedan (19 h 59 min|20 h)`));
    expect(bob.text.match(/#\d+ /g)).toHaveLength(1);
    // Dan's only ticket is resolved: nothing for him.
    expect(await botTexts('dm-dan')).toEqual([]);
  });

  test("sends the group one digest with everyone's tickets and the unassigned marked", async () => {
    const digest = await desk.botMessage('ops', (m) => m.text.startsWith('⏰ Service desk:'), 'the group digest');
    expect(digest.text).toMatch(/^⏰ Service desk: 4 tickets due within 24 h \(1 overdue\)/);
    expect(digest.text).toContain(`#${ids.nobody} New laptop for Zoe — ❗ unassigned — `);
    expect(digest.text).toContain(`#${ids.bobs} Printer queue stuck — Bob — `);
    expect(digest.text).toContain(`#${ids.late} Backup job failing — Alice — overdue by`);
    for (const other of [ids.later, ids.done, ids.noDue]) expect(digest.text).not.toContain(`#${other} `);
    expect(await lastRun('desk', triggeredAt)).toMatchObject({ tickets: 4, overdue: 1, messages: 3, engineers: 2 });
  });

  test('a run repeated under the same workflow id (as a retried run is) sends nothing twice', async () => {
    const client = desk.env.client;
    const options = { workflowId: 'deadline-reminders-desk-again', taskQueue: 'dutydesk-desk', args: [{ group: 'desk', windowMs: 24 * HOUR }] };
    const digests = async () => (await botTexts('ops')).filter((text) => text.startsWith('⏰ Service desk:')).length;
    const before = await digests();
    await client.workflow.execute('deadlineReminderWorkflow', options);
    await waitFor(async () => (await digests()) === before + 1, 'the first digest');
    const delivered = { alice: (await botTexts('dm-alice')).length, ops: (await botTexts('ops')).length };
    await client.workflow.execute('deadlineReminderWorkflow', options);
    // The second run put the same keys in the outboxes; once they are idle, nothing new has arrived.
    for (const outbox of ['outbox-web-ops', 'outbox-web-dm-alice']) {
      await waitFor(async () => (await client.workflow.getHandle(outbox).query(outboxQuery)).queue.length === 0, `${outbox} to be idle`);
    }
    expect({ alice: (await botTexts('dm-alice')).length, ops: (await botTexts('ops')).length }).toEqual(delivered);
  });

  test('a group with nothing due sends nothing', async () => {
    const at = Date.now();
    await desk.say('bob', 'dm-bob', 'remind now network');
    expect(await lastRun('network', at)).toMatchObject({ tickets: 0, messages: 0 });
    expect(await botTexts('net')).toEqual([]);
  });

  test('deadlines answers with my tickets on demand; a wider window shows more', async () => {
    await desk.say('alice', 'dm-alice', 'deadlines 48h');
    const mine = await desk.botMessage('dm-alice', (m) => m.text.startsWith('⏰ Your tickets due within 48 h'), 'the answer to deadlines 48h');
    expect(mine.text).toMatch(/: 3 \(1 overdue\)/);
    expect(mine.text).toContain(`#${ids.later} Plan the office move — 1 d 6 h left`);
    await desk.say('dan', 'dm-dan', 'deadlines');
    await desk.botMessage('dm-dan', (m) => m.text === '✅ None of your tickets is due within 48 h.', 'the answer to Dan (the widest reminder window)');
    await desk.say('erin', 'dm-erin', 'deadlines');
    await desk.botMessage('dm-erin', (m) => m.text.startsWith('You have no ticket system login'), 'the answer to Erin');
    await desk.say('alice', 'dm-alice', 'deadlines soon');
    await desk.botMessage('dm-alice', (m) => m.text === 'Usage: deadlines [window], for example: deadlines 48h', 'the usage answer');
  });

  test('remind now is for leads, and names the groups it knows', async () => {
    await desk.say('alice', 'dm-alice', 'remind now');
    await desk.botMessage('dm-alice', (m) => m.text === 'You may not use "remind". Type help for what you can do.', 'the refusal');
    await desk.say('bob', 'dm-bob', 'remind now hr');
    await desk.botMessage('dm-bob', (m) => m.text.includes('"hr"') && m.text.includes('desk, network'), 'the unknown group answer');
    await desk.say('bob', 'dm-bob', 'remind later');
    await desk.botMessage('dm-bob', (m) => m.text.startsWith('Uso: remind now'), 'the usage answer');
  });
});

describe('OLA figures', () => {
  const ids: Record<string, string> = {};

  beforeAll(async () => {
    // RT stamps Created itself, so the known times are set relative to it: Started and Resolved.
    const created = Date.now();
    ids.fast = await newTicket('Network', 'Switch port flapping', { Priority: 100, Owner: 'dan', Status: 'resolved', Started: rtTime(created + 10 * MIN), Resolved: rtTime(created + 3 * HOUR) });
    ids.slow = await newTicket('Network', 'Wi-Fi down on floor 2', { Priority: 100, Owner: 'dan', Status: 'resolved', Started: rtTime(created + 30 * MIN), Resolved: rtTime(created + 5 * HOUR) });
    ids.waiting = await newTicket('Network', 'New VLAN for lab', { Priority: 50 });
  }, 60_000);

  function figures(result: OlaResult) {
    return { total: result.report.total, network: result.report.groups.network, dan: result.report.engineers.Dan };
  }

  test('the HTTP API gives the figures as JSON, for a token whose user may see tickets', async () => {
    const res = await fetch(`${desk.url}/api/v1/ola?period=this+month`, { headers: { authorization: `Bearer ${API_TOKEN}` } });
    expect(res.status).toBe(200);
    const result = (await res.json()) as OlaResult;
    const { total, network, dan } = figures(result);
    // Network: fast (both met), slow (both missed), waiting (Medium, just created: pending).
    expect(network).toEqual({ tickets: 3, response: { met: 1, missed: 1, pending: 1, share: 0.5 }, resolution: { met: 1, missed: 1, pending: 1, share: 0.5 } });
    expect(dan).toEqual({ tickets: 2, response: { met: 1, missed: 1, pending: 0, share: 0.5 }, resolution: { met: 1, missed: 1, pending: 0, share: 0.5 } });
    // Service Desk tickets above are Low: no target, not counted.
    expect(total).toEqual(network);
    expect(result.report.withoutTarget).toBeGreaterThanOrEqual(7);
    expect(result.label).toMatch(/^\d{4}-\d\d-01 – \d{4}-\d\d-\d\d$/);

    const bad = await fetch(`${desk.url}/api/v1/ola?period=fortnight`, { headers: { authorization: `Bearer ${API_TOKEN}` } });
    expect(bad.status).toBe(400);
    expect(await bad.json()).toMatchObject({ error: 'unknown period "fortnight"', accepted: expect.arrayContaining(['last month', 'YYYY-MM']) });
    // All of history is not a period: it would read every ticket ever filed.
    const all = await fetch(`${desk.url}/api/v1/ola?period=1970-01-01..2099-12-31`, { headers: { authorization: `Bearer ${API_TOKEN}` } });
    expect(all.status).toBe(400);
    expect(((await all.json()) as { error: string }).error).toBe('the period 1970-01-01 – 2099-12-31 is 47482 days long; OLA figures cover at most 366 days: ask for a year or less');
    expect((await fetch(`${desk.url}/api/v1/ola`)).status).toBe(401);
    expect((await fetch(`${desk.url}/api/v1/ola`, { headers: { authorization: 'Bearer wrong' } })).status).toBe(401);
    const carol = await fetch(`${desk.url}/api/v1/ola`, { headers: { authorization: 'Bearer api-token-carol' } });
    expect(carol.status).toBe(403);
    expect(((await carol.json()) as { error: string }).error).toContain('"tickets" capability');
  });

  test('a response marked by the bot counts: take for me, then ola in chat', async () => {
    const id = await newTicket('Network', 'Firewall rule for the VPN', { Priority: 100 });
    // Nobody polls in this test: the ticket's workflow is started as the webhook would.
    await desk.env.client.workflow.signalWithStart('ticketWorkflow', { workflowId: `ticket-rt-${id}`, taskQueue: 'dutydesk-desk', args: [{ system: 'rt', id }], signal: 'observed', signalArgs: [{ source: 'webhook' }] });
    const message = await desk.botMessage('net', (m: ConsoleMessage) => m.text.includes(`#${id} `), 'the group message');
    await desk.press('dan', 'net', message.id, message.buttons.flat().find((b) => b.label === 'Take for me')!.action);
    await desk.botMessage('net', (m) => m.id === message.id && m.text.includes('✋ Taken by Dan'), 'the taken message');

    await desk.say('bob', 'dm-bob', 'ola');
    await desk.botMessage('dm-bob', (m) => m.text.startsWith('⏳ Calculando las cifras de OLA'), 'the progress answer');
    const report = await desk.botMessage('dm-bob', (m) => m.text.startsWith('📊 OLA'), 'the OLA report');
    expect(report.text).toContain('• network: respuesta 66.7 % (2/3), resolución 50 % (1/2) (4 tickets)');
    expect(report.text).toContain('• Dan: respuesta 66.7 % (2/3), resolución 50 % (1/2) (3 tickets)');
    await desk.say('bob', 'dm-bob', 'ola fortnight');
    await desk.botMessage('dm-bob', (m) => m.text.startsWith('No entiendo el periodo "fortnight". Usa uno de: today, yesterday'), 'the bad period answer');
    await desk.say('bob', 'dm-bob', 'ola 999d');
    await desk.botMessage('dm-bob', (m) => m.text.startsWith('El periodo ') && m.text.includes('dura 999 días'), 'the too-long period answer');
  });
});
