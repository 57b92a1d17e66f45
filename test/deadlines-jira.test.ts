/**
 * The Jira adapter's deadline and OLA searches, v3 and v2, against the local
 * server that answers as Jira's REST API does: the JQL it sends, due dates as
 * whole days, response times from the response field or else the changelog.
 */
import { JiraClient } from '../activities/tickets/jira';
import { JiraApi } from './peers/jira-api';

let jira: JiraApi;
const HOUR = 3_600_000;
const day = (offsetDays: number) => new Date(Date.now() + offsetDays * 24 * HOUR).toISOString().slice(0, 10);

beforeAll(async () => {
  jira = await new JiraApi().start();
});
afterAll(() => jira.stop());

const client = (version: 2 | 3, responseField?: string) => new JiraClient({ url: jira.url, email: jira.email, token: () => jira.token, version, responseField });

describe.each([3, 2] as const)('Jira v%s', (version) => {
  const project = `D${version}`;

  test('open issues due by the end of the window, overdue ones included, done and undated ones not', async () => {
    const today = jira.seed(project, 'Due today', { created: Date.now() - HOUR, due: day(0), assignee: 'alice' });
    const late = jira.seed(project, 'Was due yesterday', { created: Date.now() - 48 * HOUR, due: day(-1) });
    jira.seed(project, 'Due in three days', { created: Date.now(), due: day(3) });
    jira.seed(project, 'Done, due today', { created: Date.now() - HOUR, due: day(0), resolved: Date.now() });
    jira.seed(project, 'No due date', { created: Date.now() });
    const due = await client(version).dueBefore([project], new Date(Date.now() + 24 * HOUR));
    expect(due.map((t) => t.id).sort()).toEqual([today.key, late.key].sort());
    // A due date is a day: due at its end.
    expect(due.find((t) => t.id === today.key)?.due).toBe(`${day(0)}T23:59:59.000Z`);
    expect(due.find((t) => t.id === today.key)?.owner).toBe(version === 3 ? 'acc-alice' : 'alice');
  });

  test('tickets created in a period, with response times from the changelog or the response field', async () => {
    const project2 = `O${version}`;
    const base = Date.parse('2026-10-10T08:00:00Z');
    const taken = jira.seed(project2, 'Taken after 20 minutes', { created: base, assignee: 'dan', assigned: base + 20 * 60_000, resolved: base + 3 * HOUR });
    const marked = jira.seed(project2, 'Marked by the bot', { created: base + HOUR });
    marked.fields.customfield_10050 = new Date(base + HOUR + 5 * 60_000).toISOString().replace('Z', '+0000');
    jira.seed(project2, 'Before the period', { created: Date.parse('2026-09-30T23:00:00Z') });
    jira.seed(project2, 'After the period', { created: Date.parse('2026-11-01T00:00:00Z') });
    const october = [new Date('2026-10-01T00:00:00Z'), new Date('2026-11-01T00:00:00Z')] as const;

    const fromChangelog = await client(version).createdBetween([project2], ...october);
    expect(fromChangelog.map((t) => t.title)).toEqual(['Taken after 20 minutes', 'Marked by the bot']);
    expect(fromChangelog[0]).toMatchObject({ id: taken.key, responded: new Date(base + 20 * 60_000).toISOString(), resolved: new Date(base + 3 * HOUR).toISOString() });
    expect(fromChangelog[1].responded).toBeUndefined();

    const fromField = await client(version, 'customfield_10050').createdBetween([project2], ...october);
    expect(fromField[1].responded).toBe(new Date(base + HOUR + 5 * 60_000).toISOString());
    expect(fromField[0].responded).toBeUndefined();
  });
});
