/**
 * One deadline reminder run over many open tickets: N issues (default
 * 10,000) due within the window in a local server speaking Jira's REST API,
 * owned by E engineers (a tenth unassigned), one group. Triggers the group's
 * Temporal Schedule as `remind now` does and times it to the last message in
 * the web console. Prints tickets, messages, the run's own time, end to end,
 * and the longest message against the platforms' limits.
 *   npm run bench:deadlines -- [tickets=10000] [engineers=50]
 */
import { baseConfig, startDesk } from '../test/helpers/desk';
import { JiraApi } from '../test/peers/jira-api';
import { waitFor } from '../test/helpers/wait';
import { reminderScheduleId, type ReminderRunResult } from '../workflows/deadlines/definitions';
import { runBench } from './stats';

const [count = 10_000, engineerCount = 50] = process.argv.slice(2).map(Number);
const HOUR = 3_600_000;
const LIMITS = { telegram: 4096, slack: 40_000 };

async function main() {
  const engineers = Array.from({ length: engineerCount }, (_, i) => `eng${String(i + 1).padStart(2, '0')}`);
  const jira = await new JiraApi('bot@example.com', 'bench-token', engineers).start();
  const now = Date.now();
  for (let i = 0; i < count; i++) {
    // Due over the next day (one in twenty overdue since yesterday); one ticket in ten unassigned.
    const due = new Date(now + (i % 20 === 0 ? -24 : i % 24) * HOUR).toISOString().slice(0, 10);
    jira.seed('OPS', `Ticket ${i + 1}: disk usage above threshold on host-${i % 300}`, { created: now - 48 * HOUR, due, assignee: i % 10 === 9 ? undefined : engineers[i % engineerCount], assigned: now - 47 * HOUR });
  }
  process.env.BENCH_JIRA_TOKEN = jira.token;
  const desk = await startDesk(
    baseConfig(
      { web1: { address: '127.0.0.1', transport: 'local', services: { shop: { steps: [{ name: 'noop', run: 'true' }] } } } },
      {
        roles: { engineer: { can: ['status', 'tickets'] }, lead: { can: ['status', 'tickets', 'remind'] } },
        users: [
          { id: 'lead', name: 'Lead', roles: ['lead'] },
          ...engineers.map((e) => ({ id: e, name: e.toUpperCase(), roles: ['engineer'], tickets: { jira: `acc-${e}` } })),
        ],
        chats: { ops: { title: 'Operations', web: 'ops' } },
        tickets: {
          systems: { jira: { type: 'jira', url: jira.url, user: jira.email, token: { env: 'BENCH_JIRA_TOKEN' }, pollInterval: 'off' } },
          // A 48 h window holds every seeded due date (Jira's are whole days).
          groups: { ops: { system: 'jira', queue: 'OPS', chat: 'ops', reminders: { times: ['09:00'], timeZone: 'Europe/Madrid', window: '48h' } } },
        },
      },
    ),
  );
  const chats = ['ops', ...engineers.map((e) => `dm-${e}`)];
  try {
    const started = Date.now();
    await desk.say('lead', 'dm-lead', 'remind now');
    const schedule = desk.env.client.schedule.getHandle(reminderScheduleId('ops'));
    const action = await waitFor(async () => (await schedule.describe()).info.recentActions[0], 'the triggered run', 60_000);
    const run = desk.env.client.workflow.getHandle(action.action.workflow.workflowId);
    const result = (await run.result()) as ReminderRunResult;
    const described = await run.describe();
    const runMs = (described.closeTime?.getTime() ?? 0) - described.startTime.getTime();
    let texts: string[] = [];
    await waitFor(
      async () => {
        const all = await Promise.all(chats.map((c) => desk.messages(c)));
        texts = all.flat().filter((m) => m.from === 'bot' && m.text.startsWith('⏰')).map((m) => m.text);
        return texts.length >= result.messages;
      },
      `${result.messages} messages in the console`,
      600_000,
      250,
    );
    const endToEnd = Date.now() - started;
    const longest = Math.max(...texts.map((t) => t.length));
    const listed = texts.join('\n').match(/^• #OPS-\d+ /gm)?.length ?? 0;
    console.log(`tickets in the window: ${result.tickets} (${result.overdue} overdue), engineers told: ${result.engineers}`);
    console.log(`messages: ${result.messages} (${texts.length} delivered), ticket lines: ${listed} (each ticket once to the group, once to its engineer)`);
    console.log(`reminder run (workflow start → done, messages in the outboxes): ${(runMs / 1000).toFixed(1)} s`);
    console.log(`end to end (remind now → last message in the console): ${(endToEnd / 1000).toFixed(1)} s (target < 30 s)`);
    console.log(`longest message: ${longest} characters (Telegram allows ${LIMITS.telegram}, Slack ${LIMITS.slack}): ${longest <= LIMITS.telegram ? 'fits' : 'TOO LONG'}`);
  } finally {
    await desk.stop();
    await jira.stop();
  }
}

runBench(main);
