/**
 * Request Tracker on another clock and with other priority labels: an RT whose
 * $Timezone is America/New_York or Asia/Tokyo (TicketSQL reads dates in it,
 * REST 1.0 prints them in it) misses nothing and signals nothing twice, and
 * tickets filed with RT's own REST 1.0 under named priorities are announced
 * with those names; numbers are named by RT's PriorityAsString, the default
 * one and a custom one.
 */
import { baseConfig, startDesk, type Desk } from './helpers/desk';
import { startRt, type TestRt } from './helpers/rt';
import { waitFor } from './helpers/wait';
import { RtRest1 } from '../activities/tickets/rt-rest1';
import { RtRest2 } from '../activities/tickets/rt-rest2';
import type { ConsoleMessage } from '../chat-gateway/web-console/store';
import { pollerStatusQuery, ticketPollerWorkflowId, ticketWorkflowId } from '../workflows/ticket/definitions';

/** Network's own labels in RT; Service Desk keeps RT's default Low 0, Medium 50, High 100. */
const NETWORK_PRIORITIES = { Minor: 0, Major: 60, Critical: 90 };

describe.each(['America/New_York', 'Asia/Tokyo'])('RT on %s', (zone) => {
  let rt: TestRt;
  let desk: Desk;

  beforeAll(async () => {
    rt = await startRt({ timeZone: zone, priorities: { Default: { Low: 0, Medium: 50, High: 100 }, Network: NETWORK_PRIORITIES } });
    process.env.TEST_RT_TOKEN = rt.token;
    process.env.TEST_RT_PASSWORD = rt.password;
    const system = { type: 'rt', url: rt.url, user: rt.user, pollInterval: '1s', lookback: '10m', priorities: { Default: { Low: 0, Medium: 50, High: 100 }, Network: NETWORK_PRIORITIES } };
    desk = await startDesk(
      baseConfig(
        { web1: { address: '127.0.0.1', transport: 'local', services: { shop: { steps: [{ name: 'noop', run: 'true' }] } } } },
        {
          roles: { engineer: { can: ['status', 'tickets'] } },
          users: [{ id: 'alice', name: 'Alice', roles: ['engineer'], tickets: { rt: 'alice', rt1: 'alice' } }],
          chats: { ops: { title: 'Service desk', web: 'ops' }, net: { title: 'Network team', web: 'net' } },
          tickets: {
            systems: {
              rt: { ...system, api: 'rest2', token: { env: 'TEST_RT_TOKEN' } },
              rt1: { ...system, api: 'rest1', password: { env: 'TEST_RT_PASSWORD' }, timeZone: zone },
            },
            groups: { desk: { system: 'rt', queue: 'Service Desk', chat: 'ops' }, network: { system: 'rt1', queue: 'Network', chat: 'net' } },
          },
        },
      ),
    );
  }, 180_000);

  afterAll(async () => {
    await desk?.stop();
    await rt?.remove();
  });

  /** Files a ticket as RT's own command-line client does: REST 1.0, "Key: value" content. */
  async function fileWithRest1(queue: string, subject: string, priority: string): Promise<string> {
    const content = `id: ticket/new\nQueue: ${queue}\nSubject: ${subject}\nPriority: ${priority}\nText: ${subject}, filed by a person.`;
    const res = await fetch(`${rt.url}/REST/1.0/ticket/new`, { method: 'POST', body: new URLSearchParams({ user: 'alice', pass: 'alice-password', content }) });
    const id = /Ticket (\d+) created/.exec(await res.text())?.[1];
    if (!id) throw new Error(`RT did not file "${subject}"`);
    return id;
  }

  const announced = (chat: string, id: string) =>
    desk.botMessage(chat, (m: ConsoleMessage) => m.text.includes(`New ticket #${id} `), `the group message for ticket ${id}`);

  async function pollSignals(system: string, id: string): Promise<number> {
    const history = await desk.env.client.workflow.getHandle(ticketWorkflowId(system, id)).fetchHistory();
    return (history.events ?? []).filter((e) => {
      const data = e.workflowExecutionSignaledEventAttributes?.input?.payloads?.[0]?.data;
      return data && (JSON.parse(Buffer.from(data).toString('utf8')) as { source: string }).source === 'poll';
    }).length;
  }

  async function morePolls(system: string, count: number) {
    const poller = desk.env.client.workflow.getHandle(ticketPollerWorkflowId(system));
    const polls = (await poller.query(pollerStatusQuery)).polls;
    await waitFor(async () => (await poller.query(pollerStatusQuery)).polls >= polls + count, `${count} more polls of ${system}`);
  }

  test('new tickets through both APIs are announced at once, each change handed over once, with priorities named as RT names them', async () => {
    const high = await fileWithRest1('Service Desk', 'Named High', 'High');
    const sixty = await fileWithRest1('Service Desk', 'Sixty', '60');
    const critical = await fileWithRest1('Network', 'Named Critical', 'Critical');
    const major = await fileWithRest1('Network', 'Seventy-five', '75');
    expect((await announced('ops', high)).text).toContain('Urgency: High');
    expect((await announced('ops', sixty)).text).toContain('Urgency: Medium');
    expect((await announced('net', critical)).text).toContain('Urgency: Critical');
    expect((await announced('net', major)).text).toContain('Urgency: Major');
    // Several polls later each ticket has been handed to its workflow exactly once.
    await Promise.all([morePolls('rt', 3), morePolls('rt1', 3)]);
    for (const id of [high, sixty]) expect(await pollSignals('rt', id)).toBe(1);
    for (const id of [critical, major]) expect(await pollSignals('rt1', id)).toBe(1);
  });

  test("a change is seen once by the next poll, and a retried creation finds the ticket its first attempt filed", async () => {
    const id = await fileWithRest1('Service Desk', 'Changed later', 'Low');
    await announced('ops', id);
    await rt.rest('PUT', `ticket/${id}`, { Owner: 'alice' }, 'alice');
    await waitFor(async () => (await pollSignals('rt', id)) === 2, 'the change handed to the ticket workflow');
    await morePolls('rt', 3);
    expect(await pollSignals('rt', id)).toBe(2);
    // createTicket's retry looks for "changed within the last minute" exactly so.
    for (const api of [new RtRest2({ url: rt.url, user: rt.user, token: () => rt.token }), new RtRest1({ url: rt.url, user: rt.user, token: () => rt.token, timeZone: zone })]) {
      const recent = await api.changes(['Service Desk'], undefined, new Date(Date.now() - 60_000));
      expect(recent.tickets.map((t) => t.id)).toContain(id);
      const old = await api.changes(['Service Desk'], undefined, new Date(Date.now() + 3_600_000));
      expect(old.tickets).toEqual([]);
    }
  });

  test("REST 1.0's dates, printed on RT's clock, read as the same instants as REST 2.0's", async () => {
    const id = await fileWithRest1('Network', 'Dates', 'Minor');
    const [viaRest2, viaRest1] = await Promise.all([
      new RtRest2({ url: rt.url, user: rt.user, token: () => rt.token }).get(id),
      new RtRest1({ url: rt.url, user: rt.user, password: () => rt.password, timeZone: zone }).get(id),
    ]);
    expect(Date.parse(viaRest1.created)).toBe(Date.parse(viaRest2.created));
    expect(Date.parse(viaRest1.updated)).toBe(Date.parse(viaRest2.updated));
    expect(Math.abs(Date.parse(viaRest2.created) - Date.now())).toBeLessThan(120_000);
  });
});
