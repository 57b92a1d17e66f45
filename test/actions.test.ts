/**
 * Runbook actions from chat, end to end on the Temporal dev server and the web
 * console: where is <ip> from the inventory, a program on a host whose values
 * arrive as single arguments however they read, an internal API's JSON, long
 * output handed over as a file, roles, bad values answered with the grammar,
 * help listing what the person may run, and a run started by hand with values
 * the configuration does not allow refused by the worker.
 */
import { chmodSync, mkdirSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { createServer, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import os from 'node:os';
import path from 'node:path';
import { baseConfig, startDesk, type Desk } from './helpers/desk';
import { waitFor } from './helpers/wait';
import { TASK_QUEUES } from '../workers/task-queues';
import { decideActionUpdate, type ActionProgress } from '../workflows/action/definitions';
import { ActionClient } from '../chat-gateway/actions/action-client';
import type { ConsoleMessage } from '../chat-gateway/web-console/store';

let desk: Desk;
/** Runs of the echo program asked from chat so far (it logs each). */
let runsFromChat = 0;
let dir: string;
let api: Server;
const asked: string[] = [];

beforeAll(async () => {
  dir = mkdtempSync(path.join(os.tmpdir(), 'dutydesk-actions-'));
  const echo = path.join(dir, 'echo-args.sh');
  writeFileSync(echo, `#!/bin/sh\necho run >> ${path.join(dir, 'echo.log')}\nfor a in "$@"; do printf "[%s]\\n" "$a"; done\n`);
  const long = path.join(dir, 'long.sh');
  writeFileSync(long, '#!/bin/sh\ni=0; while [ $i -lt 300 ]; do echo "line $i of a long report, padded to be long enough"; i=$((i+1)); done\n');
  mkdirSync(path.join(dir, 'logs'));
  writeFileSync(path.join(dir, 'logs', 'app.log'), 'started\nserving\n');
  writeFileSync(path.join(dir, 'logs', 'big.log'), 'x'.repeat(5000));
  chmodSync(echo, 0o755);
  chmodSync(long, 0o755);
  api = createServer((req, res) => {
    asked.push(req.url ?? '');
    const name = new URL(req.url ?? '/', 'http://x').searchParams.get('name');
    if (name === 'missing') return void res.writeHead(404, { 'content-type': 'text/plain' }).end('no such service');
    res.writeHead(200, { 'content-type': 'application/json' }).end(JSON.stringify({ service: name, state: 'up', checks: 3 }));
  });
  await new Promise<void>((r) => api.listen(0, '127.0.0.1', r));
  const port = (api.address() as AddressInfo).port;
  const local = (groups: string[]) => ({ address: '127.0.0.1', transport: 'local', groups, services: { app: { steps: [{ name: 'noop', run: 'true' }] } } });
  desk = await startDesk(
    baseConfig(
      { web1: { ...local(['web']), address: '10.20.30.5' }, db1: local(['db']) },
      {
        users: [
          { id: 'alice', name: 'Alice', roles: ['engineer'] },
          { id: 'bob', name: 'Bob', roles: ['lead'] },
          { id: 'carol', name: 'Carol', roles: ['viewer'] },
          { id: 'dan', name: 'Dan', roles: ['lead'] },
          { id: 'elise', name: 'Élise', roles: ['viewer'], language: 'fr' },
        ],
        inventory: {
          networks: [
            { prefix: '10.20.30.0/24', name: 'Server room', site: 'Berlin', vlan: 130, owner: 'Service Desk' },
            // A name that a spreadsheet would take for a formula.
            { prefix: '10.99.0.0/16', name: '=HYPERLINK("http://evil.example","x")', owner: 'Lab, "east"' },
          ],
        },
        actions: {
          'net.whereis': { title: 'Where is this IP?', says: 'where is {ip:ip}', steps: [{ ipLookup: '{ip}' }] },
          'sd.echo': { title: 'Echo on a web host', says: 'echo on {host:host} {words:text}', roles: ['lead', 'engineer'], steps: [{ title: 'Echo the words', command: { host: '{host}', hostGroups: ['web'], run: echo, args: ['{host}', '{words}'] } }] },
          'sd.report': { title: 'Long report', says: 'long report', roles: ['lead'], steps: [{ command: { host: 'db1', hostGroups: ['db'], run: long } }] },
          'sd.purge': {
            title: 'Purge the cache',
            says: 'purge cache on {host:host}',
            roles: ['engineer', 'lead'],
            approval: { role: 'lead', chat: 'ops', timeout: '1m' },
            concurrency: '{host}',
            steps: [{ command: { host: '{host}', hostGroups: ['web'], run: echo, args: ['purged'] } }],
          },
          'sd.inventory': { title: 'Inventory report', says: 'inventory report', steps: [{ inventory: { of: 'hosts' } }, { inventory: { of: 'networks' } }] },
          'sd.getlog': { title: 'Fetch a log', says: 'get log {name:word} from {host:host}', steps: [{ fetch: { host: '{host}', hostGroups: ['web'], path: `${path.join(dir, 'logs')}/{name}.log`, maxSize: '1KiB' } }] },
          'sd.signal': { title: 'Signal a process', says: 'signal {host:host} {pid:int<=99999} {sig:term|hup}', roles: ['lead'], steps: [{ command: { host: '{host}', hostGroups: ['web'], run: echo, args: ['{pid}', '{sig}'] } }] },
          'sd.wait': { title: 'Slow job', says: 'slow job', concurrency: 'slow', roles: ['lead', 'engineer'], steps: [{ command: { host: 'db1', hostGroups: ['db'], run: '/bin/sleep', args: ['3'] } }] },
          'net.daily': { title: 'Daily address check', says: 'daily check of {ip:ip}', roles: ['lead'], schedule: { every: '1h', chat: 'ops', params: { ip: '10.20.30.5' } }, steps: [{ ipLookup: '{ip}' }] },
          'sd.service': { title: 'Service state', says: 'service {name:word}', steps: [{ title: 'Ask the status API', http: { url: `http://127.0.0.1:${port}/status?name={name}` } }] },
        },
      },
    ),
  );
}, 120_000);

afterAll(async () => {
  await desk?.stop();
  api?.close();
  rmSync(dir, { recursive: true, force: true });
});

const after = (m: ConsoleMessage) => (x: ConsoleMessage) => Number(x.id) > Number(m.id);
async function finished(chat: string, said: ConsoleMessage, title: string): Promise<ConsoleMessage> {
  return desk.botMessage(chat, (m) => after(said)(m) && m.text.startsWith(`⚙ ${title}`) && /✅ Done in|❌ Failed/.test(m.text), `the ${title} run to end`);
}

test('where is <ip>: the host and its network from the inventory, in one progress message; unknown addresses said plainly', async () => {
  const said = await desk.say('carol', 'dm-carol', 'where is 10.20.30.5');
  const progress = await finished('dm-carol', said, 'Where is this IP?');
  expect(progress.text).toContain('⚙ Where is this IP?: where is 10.20.30.5');
  expect(progress.text).toContain('✔ Look it up in the inventory');
  const output = await desk.botMessage('dm-carol', (m) => after(said)(m) && m.text.startsWith('Where is this IP? · 1.'), 'the lookup output');
  expect(output.text).toContain('host web1 (groups: web); network 10.20.30.0/24 Server room · site Berlin · VLAN 130 · owner Service Desk');
  const unknown = await desk.say('carol', 'dm-carol', 'where is 2001:db8::9');
  await finished('dm-carol', unknown, 'Where is this IP?');
  const none = await desk.botMessage('dm-carol', (m) => after(unknown)(m) && m.text.startsWith('Where is this IP? · 1.'), 'the lookup output');
  expect(none.text).toContain('📍 2001:db8::9 is not in the inventory');
});

test('bad values are answered with the grammar and what was wrong; no run starts', async () => {
  const said = await desk.say('carol', 'dm-carol', 'where is 10.20.30.999');
  const answer = await desk.botMessage('dm-carol', after(said), 'the answer');
  expect(answer.text).toBe('"10.20.30.999" is not an IPv4 or IPv6 address. Write: where is <ip>');
  const inFrench = await desk.say('elise', 'dm-elise', 'where is 10.20.30.999');
  expect((await desk.botMessage('dm-elise', after(inFrench), 'the answer in French')).text).toBe('« 10.20.30.999 » n’est pas une adresse IPv4 ou IPv6. Écrivez : where is <ip>');
});

test('a program on a host gets each value as one argument, however it reads; the host must be in the action\'s groups', async () => {
  const said = await desk.say('alice', 'ops', 'echo on web1 a; rm -rf / $(id) `id` "q"');
  await finished('ops', said, 'Echo on a web host');
  const output = await desk.botMessage('ops', (m) => after(said)(m) && m.text.startsWith('Echo on a web host · 1.'), 'the output');
  expect(output.text).toContain('[web1]\n[a; rm -rf / $(id) `id` "q"]');
  runsFromChat++;
  const elsewhere = await desk.say('alice', 'ops', 'echo on db1 hello');
  const refused = await finished('ops', elsewhere, 'Echo on a web host: echo on db1 hello');
  expect(refused.text).toContain('❌ Failed: db1 is not in web, where this action runs');
});

test('roles: someone without one the action names is told who may run it, and help lists only what they may', async () => {
  const said = await desk.say('carol', 'ops', 'long report');
  expect((await desk.botMessage('ops', after(said), 'the refusal')).text).toBe('You may not run "Long report": it is for lead.');
  const help = await desk.say('carol', 'dm-carol', 'help');
  const text = (await desk.botMessage('dm-carol', after(help), 'help')).text;
  expect(text).toContain('• where is <ip> — Where is this IP?');
  expect(text).toContain('• service <name> — Service state');
  expect(text).not.toContain('long report');
});

test('long output: its start in the message, the whole as a file', async () => {
  const said = await desk.say('bob', 'ops', 'long report');
  await finished('ops', said, 'Long report');
  const output = await desk.botMessage('ops', (m) => after(said)(m) && m.text.startsWith('Long report · 1.'), 'the output');
  expect(output.text).toContain('(the whole output is in sd.report-1.txt)');
  expect(output.attachment?.kind).toBe('document');
  const file = await (await fetch(`${desk.url}/console/files/${output.attachment!.fileId}`)).text();
  expect(file.split('\n').filter(Boolean)).toHaveLength(300);
});

test('an internal API: values URL-encoded, JSON shown readably, a 4xx said as the failure', async () => {
  const said = await desk.say('carol', 'dm-carol', 'service shop&x=1');
  const progress = await finished('dm-carol', said, 'Service state');
  expect(progress.text).toContain('✔ Ask the status API');
  expect(asked).toContain('/status?name=shop%26x%3D1');
  const output = await desk.botMessage('dm-carol', (m) => after(said)(m) && m.text.startsWith('Service state · 1.'), 'the output');
  expect(output.text).toContain('"service": "shop&x=1"');
  const climbing = await desk.say('carol', 'dm-carol', 'service ..');
  expect((await finished('dm-carol', climbing, 'Service state')).text).toContain('❌ Failed: ".." is no value for a URL');
  const missing = await desk.say('carol', 'dm-carol', 'service missing');
  expect((await finished('dm-carol', missing, 'Service state')).text).toContain('❌ Failed: http://127.0.0.1:');
});

test('a run started by hand with what the configuration does not allow is refused by the worker, nothing run', async () => {
  const run = (params: Record<string, string>, actionId = 'sd.echo', by = 'alice') =>
    desk.env.client.workflow.execute('actionWorkflow', {
      taskQueue: TASK_QUEUES.desk,
      workflowId: `action-by-hand-${Date.now()}-${Math.random()}`,
      args: [{ actionId, params, requestedBy: { id: by, name: by }, chat: { platform: 'web', chatId: 'ops' }, language: 'en' }],
    }) as Promise<ActionProgress>;
  expect((await run({ host: 'db1', words: 'x' })).error).toBe('db1 is not in web, where this action runs');
  expect((await run({ host: 'web1', words: 'x', extra: 'y' })).error).toBe('"extra" is no parameter of "echo on {host:host} {words:text}"');
  expect((await run({ host: 'web1', words: 'x' }, 'sd.report')).error).toBe('Alice may not run Long report: it is for lead');
  expect((await run({ host: 'web1', words: 'x' }, 'constructor')).error).toBe('there is no action "constructor" in this worker\'s configuration');
  expect((await run({ host: 'web1', words: 'x' }, 'sd.echo', 'mallory')).error).toBe('the person who asked is not in the configuration');
  // Values that would shift words into another parameter: each must read as itself.
  expect((await run({ host: 'web1', pid: '12 term', sig: '' }, 'sd.signal', 'bob')).error).toBe('the value of pid does not fit "signal {host:host} {pid:int<=99999} {sig:term|hup}" on its own');
  expect((await run({ host: 'web1', pid: '12\nterm', sig: 'hup' }, 'sd.signal', 'bob')).error).toMatch(/^the value(s do not fit| of pid does not fit)/);
  // Only the runs from chat ran the program.
  expect(readFileSync(path.join(dir, 'echo.log'), 'utf8')).toBe('run\n'.repeat(runsFromChat));
});

test('an action with approval waits for a second person with the role; the asker cannot approve; deny ends it unrun', async () => {
  const said = await desk.say('bob', 'dm-bob', 'purge cache on web1');
  const waiting = await desk.botMessage('dm-bob', (m) => after(said)(m) && m.text.includes('⏸ Waiting for a lead to approve it'), 'the run waiting');
  expect(waiting.text).toContain('⚙ Purge the cache: purge cache on web1');
  const request = await desk.botMessage('ops', (m) => m.text.startsWith('🔐 Bob asks to run "Purge the cache": purge cache on web1') && (m.buttons?.length ?? 0) > 0, 'the approval request');
  const approve = request.buttons!.flat().find((b) => b.label === 'Approve')!.action;
  // The asker, then someone without the role, then a lead.
  await desk.press('bob', 'ops', request.id, approve);
  await desk.botMessage('ops', (m) => m.text === '⚠ this action needs a second person: you cannot approve your own request', 'the self-approval refused');
  await desk.press('alice', 'ops', request.id, approve);
  await desk.botMessage('ops', (m) => m.text === 'Only a lead may decide on "Purge the cache".', 'the engineer refused');
  // Asked again meanwhile: one run per host, so it is the same run.
  // Temporal's own API with a person the configuration does not make a lead: refused by the run itself.
  const handle = desk.env.client.workflow.getHandle(request.buttons!.flat().find((b) => b.label === 'Approve')!.action.replace('action.approve:', ''));
  await expect(handle.executeUpdate(decideActionUpdate, { args: [{ by: { id: 'carol', name: 'Dan' }, approve: true }] })).rejects.toThrow();
  const again = await desk.say('alice', 'ops', 'purge cache on web1');
  expect((await desk.botMessage('ops', after(again), 'the answer')).text).toMatch(/^"Purge the cache" is already running for this \(purge cache on web1\), asked by Bob: http/);
  await desk.press('dan', 'ops', request.id, approve);
  const done = await desk.botMessage('dm-bob', (m) => m.id === waiting.id && m.text.includes('✅ Done in'), 'the run to finish after approval');
  expect(done.text).toContain('Requested by Bob · Approved by Dan');
  runsFromChat++;
  await desk.botMessage('ops', (m) => m.id === request.id && m.text.includes('Approved by Dan') && (m.buttons?.length ?? 0) === 0, 'the request showing who approved');

  const denied = await desk.say('bob', 'dm-bob', 'purge cache on web1');
  const second = await desk.botMessage('ops', (m) => Number(m.id) > Number(request.id) && m.text.startsWith('🔐 Bob asks') && (m.buttons?.length ?? 0) > 0, 'the second request');
  await desk.press('dan', 'ops', second.id, second.buttons!.flat().find((b) => b.label === 'Deny')!.action);
  const ended = await desk.botMessage('dm-bob', (m) => after(denied)(m) && m.text.includes('🚫 Denied by Dan'), 'the denied run');
  expect(ended.text).toContain('– Run echo-args.sh');
});

test('a concurrency key: one run at a time; asking again meanwhile is told who runs it', async () => {
  const first = await desk.say('alice', 'ops', 'slow job');
  await desk.botMessage('ops', (m) => after(first)(m) && m.text.startsWith('⚙ Slow job') && m.text.includes('▶'), 'the slow job running');
  const second = await desk.say('bob', 'ops', 'slow job');
  expect((await desk.botMessage('ops', after(second), 'the answer')).text).toMatch(/^"Slow job" is already running for this \(slow job\), asked by Alice: http/);
  await finished('ops', first, 'Slow job');
  // Once it is over, a new run may start.
  const third = await desk.say('bob', 'ops', 'slow job');
  await desk.botMessage('ops', (m) => after(third)(m) && m.text.startsWith('⚙ Slow job') && m.text.includes('Requested by Bob'), 'a new run');
});

test('a scheduled action runs by its Temporal Schedule into its chat; a "scheduled" run started by hand with other values is refused', async () => {
  const schedule = desk.env.client.schedule.getHandle('action-schedule-net.daily');
  expect((await schedule.describe()).spec.intervals?.[0]?.every).toBe(3_600_000);
  const before = (await desk.messages('ops')).length;
  await schedule.trigger();
  const output = await desk.botMessage('ops', (m) => m.text.startsWith('Daily address check · 1.') && m.text.includes('host web1'), 'the scheduled run\'s output');
  expect(Number(output.id)).toBeGreaterThan(before);
  const progress = (await desk.messages('ops')).filter((m) => m.text.startsWith('⚙ Daily address check')).pop()!;
  expect(progress.text).toContain('Requested by Schedule');
  const forged = (await desk.env.client.workflow.execute('actionWorkflow', {
    taskQueue: TASK_QUEUES.desk,
    workflowId: `action-forged-${Date.now()}`,
    args: [{ actionId: 'net.daily', params: { ip: '10.20.30.6' }, requestedBy: { id: 'schedule', name: 'Schedule' }, chat: { platform: 'web', chatId: 'ops' }, language: 'en', scheduled: true }],
  })) as ActionProgress;
  expect(forged.error).toBe('this run of Daily address check says it is scheduled, but its Schedule did not start it');
});

test('home lists the actions the person may run, with a button for each that takes no values; pressed, it runs', async () => {
  const asked = await desk.say('bob', 'dm-bob', 'home');
  const home = await desk.botMessage('dm-bob', (m) => after(asked)(m) && m.text.startsWith('dutydesk for Bob'), 'the home');
  expect(home.text).toContain('• where is <ip> — Where is this IP?');
  expect(home.text).toContain('• long report — Long report');
  const labels = home.buttons!.flat().map((b) => b.label);
  expect(labels).toEqual(expect.arrayContaining(['▶ Long report', '▶ Slow job']));
  expect(labels).not.toContain('▶ Where is this IP?');
  await desk.press('bob', 'dm-bob', home.id, home.buttons!.flat().find((b) => b.label === '▶ Long report')!.action);
  await desk.botMessage('dm-bob', (m) => Number(m.id) > Number(home.id) && m.text.startsWith('⚙ Long report') && m.text.includes('✅ Done in'), 'the pressed action to run');
  // Someone without the role: not on their home (Telegram's /start shows the same), and a lead's button in a group does nothing for them.
  const carols = await desk.say('carol', 'dm-carol', 'start');
  const hers = await desk.botMessage('dm-carol', (m) => after(carols)(m) && m.text.startsWith('dutydesk for Carol'), 'her home');
  expect(hers.text).not.toContain('Long report');
  const inGroup = await desk.say('bob', 'ops', 'home');
  const bobs = await desk.botMessage('ops', (m) => after(inGroup)(m) && m.text.startsWith('dutydesk for Bob'), 'his home in the group');
  await desk.press('carol', 'ops', bobs.id, bobs.buttons!.flat().find((b) => b.label === '▶ Long report')!.action);
  await desk.botMessage('ops', (m) => Number(m.id) > Number(bobs.id) && m.text === 'You may not run "Long report": it is for lead.', 'the refusal');
});

test('a message\'s run happens once, even when the message comes again after the run ended', async () => {
  const actions = new ActionClient(desk.env.client);
  const request = { actionId: 'net.whereis', params: { ip: '10.20.30.5' }, requestedBy: { id: 'carol', name: 'Carol' }, chat: { platform: 'web' as const, chatId: 'dm-carol' }, language: 'en' };
  const first = await actions.start(request, 'web:dm-carol:once-1', true);
  expect(first.started).toBe(true);
  await desk.env.client.workflow.getHandle(first.workflowId).result();
  expect((await actions.start(request, 'web:dm-carol:once-1', true)).started).toBe(false);
});

test('a file fetched back from a host is handed over; one past the size limit is refused before copying; a name cannot leave the folder', async () => {
  const said = await desk.say('carol', 'dm-carol', 'get log app from web1');
  await finished('dm-carol', said, 'Fetch a log');
  const output = await desk.botMessage('dm-carol', (m) => after(said)(m) && m.text.startsWith('Fetch a log · 1.'), 'the file');
  expect(output.text).toContain('📎 app.log');
  expect(await (await fetch(`${desk.url}/console/files/${output.attachment!.fileId}`)).text()).toBe('started\nserving\n');
  const big = await desk.say('carol', 'dm-carol', 'get log big from web1');
  expect((await finished('dm-carol', big, 'Fetch a log')).text).toMatch(/❌ Failed: .*big\.log on web1 is 4\.9 KiB, more than the 1\.0 KiB this action hands over/);
  const up = (await desk.env.client.workflow.execute('actionWorkflow', {
    taskQueue: TASK_QUEUES.desk,
    workflowId: `action-climb-${Date.now()}`,
    args: [{ actionId: 'sd.getlog', params: { name: '..', host: 'web1' }, requestedBy: { id: 'carol', name: 'Carol' }, chat: { platform: 'web', chatId: 'dm-carol' }, language: 'en' }],
  })) as ActionProgress;
  expect(up.error).toBe('".." is no name for a file');
});
test('an inventory report: hosts and networks as CSV files, with a summary line each; no field can start a formula', async () => {
  const said = await desk.say('carol', 'dm-carol', 'inventory report');
  const progress = await finished('dm-carol', said, 'Inventory report');
  expect(progress.text).toContain('✔ List the hosts');
  expect(progress.text).toContain('2 hosts in 2 groups');
  expect(progress.text).toContain('2 networks in 1 routing tables');
  const files = await waitFor(async () => {
    const out = (await desk.messages('dm-carol')).filter((m) => after(said)(m) && m.text.startsWith('Inventory report ·') && m.attachment);
    return out.length === 2 ? out : undefined;
  }, 'both files');
  const read = async (m: ConsoleMessage) => (await fetch(`${desk.url}/console/files/${m.attachment!.fileId}`)).text();
  const hosts = await read(files.find((m) => m.text.includes('hosts.csv'))!);
  expect(hosts.split('\n')[0]).toBe('host,address,groups,transport,production,services');
  expect(hosts).toContain('web1,10.20.30.5,web,local,no,app');
  const networks = await read(files.find((m) => m.text.includes('networks.csv'))!);
  expect(networks).toContain(`10.99.0.0/16,"'=HYPERLINK(""http://evil.example"",""x"")",,,"Lab, ""east""",`);
});
