/**
 * Jira's v2 API renders descriptions and comments as wiki markup: what
 * dutydesk writes there (alert text, failure messages, people's words, all
 * hostile) is escaped so it reads as written, with its URLs still linked.
 * Checked on what the local Jira peer received from the adapter.
 */
import { JiraClient } from '../activities/tickets/jira';
import { jiraWikiText } from '../activities/tickets/jira-wiki';
import { JiraApi } from './peers/jira-api';

let jira: JiraApi;
beforeAll(async () => {
  jira = await new JiraApi().start();
});
afterAll(() => jira.stop());

const HOSTILE = [
  'Summary: disk *full* on db_1 -- see [the runbook|https://evil.example/phish] !https://evil.example/pixel.png!',
  'h1. Not a heading',
  '* not a list',
  '{html}<script>alert(1)</script>{html} | col | ^up^ ~down~ +under+ ??cite?? #1',
  'Run: https://temporal.example/namespaces/default/workflows/incident-host-db_1/abc?x=1&y=2',
].join('\n');

/** What Jira's wiki renderer shows for escaped text: each "\x" is x ("\\" would be a line break, and never comes). */
const rendered = (wiki: string) => {
  expect(wiki).not.toContain('\\\\');
  return wiki.replace(/\\(.)/g, '$1');
};
/** A markup character with an even number of backslashes before it is live. */
const LIVE = /(?<!\\)(?:\\\\)*[![{]/;

test('v2: every markup character of the text is escaped, URLs stay whole, and the text reads as written', async () => {
  const client = new JiraClient({ url: jira.url, email: jira.email, token: () => jira.token, version: 2 });
  const { id } = await client.create({ queue: 'WIKI', title: 'db_1 [down]', text: HOSTILE });
  const sent = jira.issues.get(id)!.description;
  expect(sent).not.toMatch(LIVE);
  expect(sent).toContain('\nh1\\. Not a heading');
  expect(sent).toContain('\n\\* not a list');
  expect(sent).toContain('https://temporal.example/namespaces/default/workflows/incident-host-db_1/abc?x=1&y=2');
  expect(rendered(sent)).toBe(HOSTILE);
  await client.comment(id, '[x|https://evil.example] *bold*');
  expect(jira.issues.get(id)!.comments.at(-1)!.body).toBe('\\[x\\|https://evil.example\\] \\*bold\\*');
});

test('v3: documents carry the text as it is (ADF has no markup to escape)', async () => {
  const client = new JiraClient({ url: jira.url, email: jira.email, token: () => jira.token, version: 3 });
  const { id } = await client.create({ queue: 'WIKI', title: 'db_1 [down]', text: HOSTILE });
  expect(jira.issues.get(id)!.description).toBe(HOSTILE);
});

test('a backslash of the text, in a URL or not, cannot undo the escape of what follows', () => {
  expect(jiraWikiText('\\[x]')).toBe('\u29f5\\[x\\]');
  for (const hostile of ['see https://a.example/\\!https://evil.example/p.png?\\! ok', 'https://a/\\[https://evil.example/\\]', 'C:\\tmp\\!x!']) {
    expect(jiraWikiText(hostile)).not.toMatch(LIVE);
  }
});

test('v2: what dutydesk wrote reads back as written', async () => {
  const client = new JiraClient({ url: jira.url, email: jira.email, token: () => jira.token, version: 2 });
  const { id } = await client.create({ queue: 'WIKI', title: 'read back', text: 'disk *full* on db_1 -- see [x|https://e.example/a_b]' });
  expect((await client.get(id)).description).toBe('disk *full* on db_1 -- see [x|https://e.example/a_b]');
});
