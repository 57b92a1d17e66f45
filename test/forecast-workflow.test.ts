/**
 * "forecast <request>" end to end: the request's XML on disk, statuses and
 * history in a real PostgreSQL, the forecast workflow on the Temporal dev
 * server, answers with a Gantt chart in the web console; watching, the finish,
 * bad input, and the database going away and coming back.
 */
import { existsSync, mkdtempSync, readdirSync, rmSync, statSync, utimesSync, writeFileSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { baseConfig, startDesk, type Desk } from './helpers/desk';
import { startPostgres, type TestPostgres } from './helpers/postgres';
import { waitFor } from './helpers/wait';
import { forecastStateQuery, forecastWorkflowId } from '../workflows/forecast/definitions';
import type { ConsoleMessage } from '../chat-gateway/web-console/store';

let pg: TestPostgres;
let desk: Desk;
let xmlDir: string;

const REQUEST_XML = `<?xml version="1.0"?>
<request id="REQ-1" title="Move the shop database">
  <task id="snapshot" type="snapshot" name="Snapshot the volume"/>
  <parallel name="Copy">
    <task id="copy-orders" type="copy-orders" name="Copy orders"/>
    <task id="copy-stock" type="copy-stock" name="Copy stock"/>
  </parallel>
  <task id="switch" type="switch" name="Switch the shop over"/>
</request>
`;

/** Each type always took exactly this long on earlier days, so the forecast has one exact answer. */
const USUAL = { snapshot: 10, 'copy-orders': 30, 'copy-stock': 40, switch: 15 };

async function loadHistory() {
  await pg.sql(`CREATE TABLE subtask_run (request_id text NOT NULL, subtask_id text NOT NULL, subtask_type text NOT NULL,
    state text NOT NULL DEFAULT 'PENDING', started_at timestamptz, finished_at timestamptz, PRIMARY KEY (request_id, subtask_id))`);
  for (const [type, minutes] of Object.entries(USUAL)) {
    for (let day = 1; day <= 20; day++) {
      await pg.sql(
        `INSERT INTO subtask_run VALUES ($1, $2, $2, 'DONE', now() - $3 * interval '1 day', now() - $3 * interval '1 day' + $4 * interval '1 minute')`,
        [`OLD-${day}`, type, day, minutes],
      );
    }
  }
}

/** REQ-1 as of now: the snapshot done, orders copying for 10 minutes, stock and the switch still to do. */
async function loadRequest() {
  await pg.sql(`DELETE FROM subtask_run WHERE request_id = 'REQ-1'`);
  await pg.sql(`INSERT INTO subtask_run VALUES
    ('REQ-1', 'snapshot', 'snapshot', 'DONE', now() - interval '25 minutes', now() - interval '15 minutes'),
    ('REQ-1', 'copy-orders', 'copy-orders', 'RUNNING', now() - interval '10 minutes', NULL)`);
}

beforeAll(async () => {
  pg = await startPostgres();
  await loadHistory();
  await loadRequest();
  xmlDir = mkdtempSync(path.join(os.tmpdir(), 'dutydesk-requests-'));
  writeFileSync(path.join(xmlDir, 'REQ-1.xml'), REQUEST_XML);
  writeFileSync(path.join(xmlDir, 'BROKEN.xml'), '<request>\n  <task id="a" type="t"/>\n  <parallel>\n    <task id="b" type="t">\n  </parallel>\n</request>\n');
  writeFileSync(path.join(xmlDir, 'BOMB.xml'), '<?xml version="1.0"?>\n<!DOCTYPE lolz [<!ENTITY lol "lol"><!ENTITY lol2 "&lol;&lol;&lol;&lol;">]>\n<request>&lol2;</request>\n');
  process.env.TEST_TASKDB_PASSWORD = pg.password;
  const roles = {
    viewer: { can: ['status'] },
    engineer: { can: ['status', 'forecast'], hostGroups: ['test'] },
    lead: { can: ['status', 'restart', 'approve', 'forecast'], hostGroups: ['*'] },
  };
  desk = await startDesk(
    baseConfig(
      { h1: { address: '127.0.0.1', transport: 'local', groups: ['test'], services: { app: { steps: [{ name: 'noop', run: 'true' }] } } } },
      {
        roles,
        users: [
          { id: 'alice', name: 'Alice', roles: ['engineer'] },
          { id: 'bob', name: 'Bob', roles: ['lead'] },
          { id: 'carol', name: 'Carol', roles: ['viewer'] },
          { id: 'elise', name: 'Élise', roles: ['engineer'], language: 'fr' },
        ],
        forecast: {
          requests: path.join(xmlDir, '{request}.xml'),
          database: { type: 'postgres', connectString: pg.url, password: { env: 'TEST_TASKDB_PASSWORD' } },
          recheck: '1s',
          margin: '5m',
        },
      },
    ),
  );
});

afterAll(async () => {
  await desk?.stop();
  await pg?.remove();
  rmSync(xmlDir, { recursive: true, force: true });
});

/** The bot's next message in the chat after `after` that matches. */
function next(chat: string, after: ConsoleMessage, match: (m: ConsoleMessage) => boolean, what: string, timeoutMs?: number) {
  return desk.botMessage(chat, (m) => Number(m.id) > Number(after.id) && match(m), what, timeoutMs);
}

async function png(m: ConsoleMessage): Promise<Buffer> {
  expect(m.attachment?.kind).toBe('photo');
  return Buffer.from(await (await fetch(`${desk.url}/console/files/${m.attachment!.fileId}`)).arrayBuffer());
}

test('forecast answers with the ETA, its range, the critical path and a Gantt chart', async () => {
  const asked = await desk.say('alice', 'dm-alice', 'forecast REQ-1');
  const answer = await next('dm-alice', asked, (m) => m.text.startsWith('🔮 Forecast for REQ-1'), 'the forecast');
  // Stock (40 min from now, as the snapshot is done) then the switch (15 min): 55 minutes from now, exactly,
  // as every past run of each type took the same time; orders (20 min left) run beside stock.
  expect(answer.text).toContain('🔮 Forecast for REQ-1 — Move the shop database');
  expect(answer.text).toMatch(/ETA: .+, in 55 min \(80% range: /);
  expect(answer.text).toContain('Subtasks: 1 done, 1 running, 2 pending, 0 failed, of 4');
  expect(answer.text).toContain('Critical path (2 subtasks ahead): Copy stock → Switch the shop over');
  expect(answer.text).toContain(`Run in Temporal: http://127.0.0.1:8233/namespaces/default/workflows/${forecastWorkflowId('REQ-1')}/`);
  expect(answer.buttons.flat().map((b) => b.label)).toEqual(['👁 Tell me if it moves by more than 5 min']);

  const image = await png(answer);
  expect(image.subarray(1, 4).toString('latin1')).toBe('PNG');
  const width = image.readUInt32BE(16);
  const height = image.readUInt32BE(20);
  expect(width).toBeGreaterThanOrEqual(800);
  expect(height).toBeGreaterThan(150);
  expect(height).toBeLessThan(1500);
  // Nobody watches, so the run has ended.
  await waitFor(async () => (await desk.env.client.workflow.getHandle(forecastWorkflowId('REQ-1')).describe()).status.name === 'COMPLETED', 'the forecast run to end');
});

test('a watcher is told when the forecast moves by more than the margin, and when the request is done', async () => {
  await loadRequest();
  const asked = await desk.say('bob', 'dm-bob', 'forecast REQ-1 watch');
  const answer = await next('dm-bob', asked, (m) => m.text.startsWith('🔮 Forecast for REQ-1'), 'the forecast');
  expect(answer.text).toContain('👁 I will tell you here when it moves by more than 5 min, and when it is done.');
  expect(answer.buttons.flat().map((b) => b.label)).toEqual(['Stop telling me']);
  const handle = desk.env.client.workflow.getHandle(forecastWorkflowId('REQ-1'));
  expect((await handle.query(forecastStateQuery)).watchers.map((w) => w.person.id)).toEqual(['bob']);

  // Stock is copied already: only the switch (15 min) is left after orders (20 min): 35 min, 20 min earlier.
  await pg.sql(`INSERT INTO subtask_run VALUES ('REQ-1', 'copy-stock', 'copy-stock', 'DONE', now() - interval '30 minutes', now())`);
  const moved = await next('dm-bob', answer, (m) => m.text.includes('The forecast moved'), 'the move');
  expect(moved.text).toMatch(/🎉 The forecast moved 20 min earlier \(was .+\)\./);
  expect(moved.text).toMatch(/in (34|35) min/);
  expect(moved.attachment?.kind).toBe('photo');

  // Everything done: the watcher hears it once, and the run ends.
  // One simple query: its statements commit together, so no re-check sees half of it.
  await pg.sql(`UPDATE subtask_run SET state = 'DONE', finished_at = now() WHERE request_id = 'REQ-1' AND finished_at IS NULL;
    INSERT INTO subtask_run VALUES ('REQ-1', 'switch', 'switch', 'DONE', now() - interval '1 minute', now())`);
  const done = await next('dm-bob', moved, (m) => m.text.includes('✅ The request is done'), 'the finish');
  expect(done.text).toMatch(/✅ Done: finished at .+, \d+ min after the start\./);
  expect(done.buttons).toEqual([]);
  await handle.result();
  const told = (await desk.messages('dm-bob')).filter((m) => m.from === 'bot' && m.text.includes('✅ The request is done'));
  expect(told).toHaveLength(1);
  await loadRequest();
});

test('stop watching ends the run; watching needs a sensible margin', async () => {
  const asked = await desk.say('bob', 'dm-bob', 'forecast REQ-1 watch 30m');
  const answer = await next('dm-bob', asked, (m) => m.text.includes('👁 I will tell you here when it moves by more than 30 min'), 'the watched forecast');
  const handle = desk.env.client.workflow.getHandle(forecastWorkflowId('REQ-1'));
  expect(await desk.press('bob', 'dm-bob', answer.id, 'forecast.unwatch:REQ-1')).toBe(202);
  await next('dm-bob', answer, (m) => m.text === 'OK: no more forecast news about REQ-1 here.', 'the stop');
  await handle.result();
  const again = await desk.say('bob', 'dm-bob', 'forecast stop REQ-1');
  await next('dm-bob', again, (m) => m.text === 'You are not watching REQ-1 here.', 'not watching');
  const bad = await desk.say('bob', 'dm-bob', 'forecast REQ-1 watch soon');
  await next('dm-bob', bad, (m) => m.text.startsWith('"soon" is not a margin'), 'the margin error');
});

test('bad input is answered with what was wrong', async () => {
  const answer = async (user: string, text: string) => {
    const asked = await desk.say(user, `dm-${user}`, text);
    return (await next(`dm-${user}`, asked, () => true, `the answer to "${text}"`)).text;
  };
  expect(await answer('alice', 'forecast')).toMatch(/^Usage: forecast <request> \[watch \[margin\]\]/);
  expect(await answer('alice', 'forecast ../etc/passwd')).toContain('is not a request id');
  expect(await answer('alice', 'forecast NOPE-7')).toBe(
    `❌ No forecast for NOPE-7: there is no subtask file for it (${path.join(xmlDir, 'NOPE-7.xml')}). Check the request id.\nRun in Temporal: http://127.0.0.1:8233/namespaces/default/workflows/forecast-NOPE-7/` +
      `${(await desk.env.client.workflow.getHandle('forecast-NOPE-7').describe()).runId}/history`,
  );
  const broken = await answer('alice', 'forecast BROKEN');
  expect(broken).toMatch(/^❌ No forecast for BROKEN: its subtask file is not valid\. Line 4, column 5: <task> is never closed\./);
  const bomb = await answer('alice', 'forecast BOMB');
  expect(bomb).toMatch(/^❌ No forecast for BOMB: its subtask file is not valid\. .*DOCTYPE/);
  // The mistake itself is told in the reader's language too.
  expect(await answer('elise', 'forecast BROKEN')).toMatch(/^❌ .*BROKEN.* Ligne 4, colonne 5 : <task> n’est jamais fermé/);
  expect(await answer('carol', 'forecast REQ-1')).toContain('You may not use "forecast"');
});

test('a request\'s XML sent with the command is used, its mistakes answered at once', async () => {
  // Not in the configured folder: only the file sent along knows this request.
  const xml = '<request id="REQ-UP" title="Sent in chat">\n  <task id="up-snapshot" type="snapshot"/>\n  <task id="up-switch" type="switch"/>\n</request>\n';
  const asked = await desk.sayWithFile('alice', 'dm-alice', 'forecast', { name: 'req-up.xml', content: xml });
  expect(asked.text).toBe('forecast\n📎 req-up.xml');
  const answer = await next('dm-alice', asked, (m) => m.text.startsWith('🔮 Forecast for REQ-UP'), 'the forecast of the sent XML');
  // Nothing started: the snapshot (10 min) then the switch (15 min).
  expect(answer.text).toContain('🔮 Forecast for REQ-UP — Sent in chat');
  expect(answer.text).toMatch(/ETA: .+, in 25 min \(80% range: /);
  expect(answer.attachment?.kind).toBe('photo');

  const typo = await desk.sayWithFile('alice', 'dm-alice', 'forecast REQ-UP', { name: 'req-up.xml', content: '<request>\n  <task id="a" type="t">\n</request>\n' });
  const refused = await next('dm-alice', typo, () => true, 'the refusal');
  expect(refused.text).toMatch(/^❌ No forecast for REQ-UP: its subtask file is not valid\. Line \d+, column \d+: /);
  const anonymous = await desk.sayWithFile('alice', 'dm-alice', 'forecast', { name: 'plan.xml', content: '<request><task id="a" type="t"/></request>' });
  expect((await next('dm-alice', anonymous, () => true, 'the question')).text).toBe('The file plan.xml names no request: add id="…" to its <request>, or send it with "forecast <request>".');
});

test('the database away is retried, said once, and the answer comes when it is back', async () => {
  await pg.stop();
  const asked = await desk.say('alice', 'dm-alice', 'forecast REQ-1');
  const retrying = await next('dm-alice', asked, (m) => m.text.startsWith('⏳ The task database does not answer for REQ-1'), 'the retrying note');
  await pg.start();
  const answer = await next('dm-alice', retrying, (m) => m.text.startsWith('🔮 Forecast for REQ-1'), 'the forecast after the outage', 90_000);
  expect(answer.text).toMatch(/ETA: .+ \(80% range: /);
  const notes = (await desk.messages('dm-alice')).filter((m) => Number(m.id) > Number(asked.id) && m.text.startsWith('⏳'));
  expect(notes).toHaveLength(1);
});

test('a database that stays away is said after the retries', async () => {
  await pg.stop();
  try {
    const asked = await desk.say('alice', 'dm-alice', 'forecast REQ-1');
    const failed = await next('dm-alice', asked, (m) => m.text.startsWith('⚠ No forecast for REQ-1'), 'the failure', 110_000);
    expect(failed.text).toContain('the task database did not answer after several tries');
    expect(failed.text).not.toContain(pg.password);
  } finally {
    await pg.start();
  }
}, 150_000);

test('a watch on a request\'s XML sent in chat keeps its file: each round touches it, so the day\'s pruning of sent files passes it by', async () => {
  const xml = '<request id="REQ-KEPT" title="Kept for the watch">\n  <task id="kept-snapshot" type="snapshot"/>\n</request>\n';
  const asked = await desk.sayWithFile('bob', 'dm-bob', 'forecast REQ-KEPT watch', { name: 'req-kept.xml', content: xml });
  await next('dm-bob', asked, (m) => m.text.startsWith('🔮 Forecast for REQ-KEPT'), 'the watched forecast of the sent XML');
  const dir = desk.config.gateway.incomingDir;
  const file = path.join(dir, readdirSync(dir).find((n) => n.endsWith('-req-kept.xml')) as string);
  // As if sent 25 hours ago: the next upload's pruning would remove it, unless a round reads (and touches) it first.
  const dayAndMore = new Date(Date.now() - 25 * 3_600_000);
  utimesSync(file, dayAndMore, dayAndMore);
  await waitFor(() => statSync(file).mtimeMs > Date.now() - 60_000, 'a round of the watch to touch the file', 30_000);
  await desk.sayWithFile('alice', 'dm-alice', 'forecast', { name: 'other.xml', content: '<request id="REQ-OTHER"><task id="o" type="snapshot"/></request>' });
  await waitFor(() => readdirSync(dir).some((n) => n.endsWith('-other.xml')), 'the other upload');
  expect(existsSync(file)).toBe(true);
  const handle = desk.env.client.workflow.getHandle(forecastWorkflowId('REQ-KEPT'));
  await handle.terminate('test done');
});
