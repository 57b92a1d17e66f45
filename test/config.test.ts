/** The YAML configuration: the shipped files load, and every bad key is named with what is expected. */
import { spawnSync } from 'node:child_process';
import { mkdtempSync, writeFileSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { ConfigError, loadConfig, parseConfig, readSecret } from '../config/load';
import { buildRestartRequest } from '../config/restart-plan';

const ROOT = path.resolve(__dirname, '..');

function problemsOf(raw: unknown): string[] {
  try {
    parseConfig(raw, 'test.yaml');
  } catch (err) {
    if (err instanceof ConfigError) return err.problems;
    throw err;
  }
  throw new Error('the config was accepted');
}

const minimal = () => ({
  roles: { engineer: { can: ['restart'] } },
  users: [{ id: 'alice', name: 'Alice', roles: ['engineer'] }],
  chats: { ops: { title: 'Ops', web: 'ops' } },
  hosts: { web1: { address: '127.0.0.1', transport: 'local', services: { app: { steps: [{ name: 'stop', run: 'true' }] } } } },
});

test('the demo and the example configuration load', () => {
  const demo = loadConfig(path.join(ROOT, 'config/demo.yaml'));
  expect(Object.keys(demo.hosts)).toEqual(['demo-java', 'demo-web', 'demo-batch', 'demo-prod']);
  expect(demo.hosts['demo-java'].services.inventory.java?.match).toBe('DemoInventory\\.java 18083');
  const example = loadConfig(path.join(ROOT, 'config/dutydesk.example.yaml'));
  expect(example.hosts['shop-web-1'].production).toBe(true);
  expect(example.restart.approvalTimeout).toBe(15 * 60_000);
});

test('a restart plan is built from the service steps with their kinds and timeouts', () => {
  const demo = loadConfig(path.join(ROOT, 'config/demo.yaml'));
  const request = buildRestartRequest(demo, 'demo-web', 'web', { id: 'alice', name: 'Alice' }, { platform: 'web', chatId: 'ops' });
  if (request.plan.mode !== 'steps') throw new Error('expected steps');
  expect(request.plan.steps.map((s) => s.kind)).toEqual(['announce', 'run', 'sleep', 'run', 'wait', 'run', 'http', 'run', 'http']);
  expect(request.plan.steps.find((s) => s.name === 'wait-exit')?.timeoutMs).toBe(30_000);
  expect(request.plan.steps.find((s) => s.name === 'let-finish')?.timeoutMs).toBe(2_000);
  expect(request.notifyChat).toEqual({ platform: 'web', chatId: 'dm-alice' });
});

const rt = { type: 'rt', url: 'http://rt.example', user: 'bot', password: { env: 'RT_PASSWORD' } };
const tickets = (over: Record<string, unknown> = {}) => ({
  systems: { rt },
  groups: { desk: { system: 'rt', queue: 'Desk', chat: 'ops' } },
  ...over,
});

test.each([
  ['a bad duration', (c: any) => (c.hosts.web1.services.app.steps[0].timeout = '10 minutes'), 'hosts.web1.services.app.steps[0].timeout: expected a duration such as 500ms, 30s, 5m or 1h'],
  ['an unknown key', (c: any) => (c.hosts.web1.adress = 'x'), 'hosts.web1: unknown key(s) "adress"'],
  ['an unknown role', (c: any) => (c.users[0].roles = ['enginer']), 'users[0].roles[0]: unknown role "enginer"; defined roles: engineer'],
  ['a step with two kinds', (c: any) => (c.hosts.web1.services.app.steps[0].wait = 'true'), 'a step needs exactly one of run, wait, http, tcp, announce or sleep (found run, wait)'],
  ['an ssh host without a key', (c: any) => (c.hosts.web1.transport = 'ssh'), 'hosts.web1.privateKey: required for ssh hosts'],
  ['a bad transport', (c: any) => (c.hosts.web1.transport = 'telnet'), "hosts.web1.transport: expected one of ssh, local, got \"telnet\""],
  ['a production host and no approvals chat', (c: any) => (c.hosts.web1.production = true), 'notify.approvals: host "web1" is production'],
  ['a service with no steps or script', (c: any) => (c.hosts.web1.services.app = {}), 'hosts.web1.services.app: a service needs either "steps" or "script"'],
  ['a duplicate step name', (c: any) => c.hosts.web1.services.app.steps.push({ name: 'stop', run: 'x' }), 'hosts.web1.services.app.steps[1].name: step name "stop" is used twice'],
  ['a missing users list', (c: any) => delete c.users, 'users: required (expected array)'],
  ['an unknown chat', (c: any) => (c.notify = { approvals: 'nowhere' }), 'notify.approvals: unknown chat "nowhere"'],
  ['a ticket group on an unknown system', (c: any) => (c.tickets = tickets({ groups: { desk: { system: 'jira', queue: 'OPS', chat: 'ops' } } })), 'tickets.groups.desk.system: unknown ticket system "jira"; defined: rt'],
  ['a ticket group in an unknown chat', (c: any) => (c.tickets = tickets({ groups: { desk: { system: 'rt', queue: 'Desk', chat: 'nowhere' } } })), 'tickets.groups.desk.chat: unknown chat "nowhere"'],
  ['RT without a token or password', (c: any) => (c.tickets = tickets({ systems: { rt: { type: 'rt', url: 'http://rt.example', user: 'bot' } } })), "tickets.systems.rt.token: RT needs token (an auth token of the bot account, from RT's Settings → Auth Tokens), or user and password"],
  ['RT priorities that are not numbers', (c: any) => (c.tickets = tickets({ systems: { rt: { ...rt, priorities: { Default: { High: 'top' } } } } })), 'tickets.systems.rt.priorities'],
  ['an RT time zone that does not exist', (c: any) => (c.tickets = tickets({ systems: { rt: { ...rt, api: 'rest1', timeZone: 'Mars/Olympus' } } })), 'tickets.systems.rt.timeZone: expected an IANA time zone'],
  ['Jira speaking RT\'s API', (c: any) => (c.tickets = tickets({ systems: { rt: { type: 'jira', api: 'rest1', url: 'http://j.example', user: 'a@b', token: { env: 'T' } } } })), 'tickets.systems.rt.api: jira speaks v3 or v2'],
  ['a bad poll interval', (c: any) => (c.tickets = tickets({ systems: { rt: { ...rt, pollInterval: 'often' } } })), 'tickets.systems.rt.pollInterval: expected "off" or a duration of at least 1s'],
  ['a ticket login in an unknown system', (c: any) => (c.tickets = tickets(), (c.users[0].tickets = { jira: 'alice' })), 'users[0].tickets.jira: unknown ticket system "jira"; defined: rt'],
  ['an unknown default group', (c: any) => (c.tickets = tickets({ defaultGroup: 'sales' })), 'tickets.defaultGroup: unknown group "sales"'],
  ['a reminder time that is no time', (c: any) => (c.tickets = tickets({ groups: { desk: { system: 'rt', queue: 'Desk', chat: 'ops', reminders: { times: ['09:00', '25:00'] } } } })), 'tickets.groups.desk.reminders.times[1]: expected a time of day as HH:MM on a 24-hour clock'],
  ['a reminder time zone that does not exist', (c: any) => (c.tickets = tickets({ groups: { desk: { system: 'rt', queue: 'Desk', chat: 'ops', reminders: { times: ['09:00'], timeZone: 'Europe/Atlantis' } } } })), 'tickets.groups.desk.reminders.timeZone: expected an IANA time zone such as Europe/Madrid'],
  ['a reminder window too wide', (c: any) => (c.tickets = tickets({ groups: { desk: { system: 'rt', queue: 'Desk', chat: 'ops', reminders: { times: ['09:00'], window: '90d' } } } })), 'tickets.groups.desk.reminders.window: expected a window between 1m and 30d'],
  ['a reminder window that is no duration', (c: any) => (c.tickets = tickets({ groups: { desk: { system: 'rt', queue: 'Desk', chat: 'ops', reminders: { times: ['09:00'], window: 'a day' } } } })), 'tickets.groups.desk.reminders.window: expected a duration'],
  ['a reminder time listed twice', (c: any) => (c.tickets = tickets({ groups: { desk: { system: 'rt', queue: 'Desk', chat: 'ops', reminders: { times: ['09:00', '09:00'] } } } })), 'tickets.groups.desk.reminders.times[1]: 09:00 is listed twice'],
  ['an OLA target that is no duration', (c: any) => (c.tickets = tickets({ ola: { targets: { High: { response: 'quick', resolution: '4h' } } } })), 'tickets.ola.targets.High.response: expected a duration'],
  ["a user's unknown time zone", (c: any) => (c.users[0].timeZone = 'Mars/Olympus'), 'users[0].timeZone: expected an IANA time zone'],
  ['an API token for an unknown user', (c: any) => (c.api = { tokens: [{ user: 'zed', token: { env: 'T' } }] }), 'api.tokens[0].user: unknown user "zed"'],
])('rejects %s, naming the key', (_name, mutate, expected) => {
  const config = minimal();
  mutate(config);
  expect(problemsOf(config).join('\n')).toContain(expected);
});

test('a broken file stops the worker at start-up with every bad key named', () => {
  const dir = mkdtempSync(path.join(os.tmpdir(), 'dutydesk-config-'));
  const file = path.join(dir, 'bad.yaml');
  writeFileSync(
    file,
    [
      'roles: { engineer: { can: [restart, reboot] } }',
      'users: [{ id: alice, name: Alice, roles: [engineer] }]',
      'hosts:',
      '  web1: { address: 10.0.0.1, user: deploy, privateKey: { file: key, env: K }, services: { app: { steps: [{ name: s, run: "true", timeout: soon }] } } }',
    ].join('\n'),
  );
  const run = spawnSync(process.execPath, ['--import', 'tsx', 'workers/main.ts', '--config', file], { cwd: ROOT, encoding: 'utf8', timeout: 60_000 });
  expect(run.status).toBe(1);
  expect(run.stderr).toContain(`Invalid configuration in ${file}`);
  expect(run.stderr).toContain('roles.engineer.can[1]: expected one of status, restart, approve, tickets, remind, dump, forecast, audit, silence, got "reboot"');
  expect(run.stderr).toContain('hosts.web1.privateKey: give exactly one of "file" or "env"');
  expect(run.stderr).toContain('hosts.web1.services.app.steps[0].timeout: expected a duration');
});

test('secrets come from files or the environment, with a clear error when missing', () => {
  const dir = mkdtempSync(path.join(os.tmpdir(), 'dutydesk-secret-'));
  writeFileSync(path.join(dir, 'key'), 'PRIVATE KEY');
  const config = { source: path.join(dir, 'dutydesk.yaml') };
  expect(readSecret({ file: 'key' }, config)).toBe('PRIVATE KEY');
  expect(readSecret({ env: 'DD_TEST_SECRET' }, config, { DD_TEST_SECRET: 'tok' })).toBe('tok');
  expect(() => readSecret({ env: 'DD_MISSING' }, config, {})).toThrow('secret environment variable DD_MISSING is not set');
  expect(() => readSecret({ file: 'nope' }, config)).toThrow(/cannot read secret file .*nope \(ENOENT\)/);
});

describe('monitoring and failures', () => {
  const withMonitoring = (monitoring: Record<string, unknown>, extra: Record<string, unknown> = {}) => ({
    ...minimal(),
    hosts: { web1: { address: '127.0.0.1', transport: 'local', groups: ['shop'], services: { app: { steps: [{ name: 'stop', run: 'true' }] } } } },
    tickets: {
      systems: { rt: { type: 'rt', url: 'http://rt.example', token: { env: 'X' } } },
      groups: { desk: { system: 'rt', queue: 'Service Desk', chat: 'ops' } },
    },
    monitoring: { receivers: { ops: { token: { env: 'T' } } }, routes: [{ chat: 'ops' }], ...monitoring },
    ...extra,
  });

  test('a good monitoring section loads with its defaults: hold-down 2m, reopen window 1h, reconcile every minute', () => {
    const config = parseConfig(withMonitoring({ routes: [{ chat: 'ops', hostGroups: ['shop'], ticket: { system: 'rt', queue: 'Incidents' }, confirm: 'up{host="{host}"} == 1' }] }), 'test.yaml');
    expect(config.monitoring).toMatchObject({ holdDown: 120_000, reopenWindow: 3_600_000, reconcile: 60_000, hostLabel: 'host', flapping: { count: 3, window: 3_600_000 }, storm: { individually: 5, window: 60_000 } });
  });

  test.each([
    [{ routes: [{ chat: 'nowhere' }] }, 'monitoring.routes[0].chat: unknown chat "nowhere"'],
    [{ routes: [{ chat: 'ops', ticket: { system: 'rt', queue: 'Service Desk' } }] }, 'monitoring.routes[0].ticket.queue: ticket group "desk" watches rt queue "Service Desk"'],
    [{ routes: [{ chat: 'ops', ticket: { system: 'jira', queue: 'INC' } }] }, 'monitoring.routes[0].ticket.system: unknown ticket system "jira"'],
    [{ routes: [{ chat: 'ops', hostGroups: ['nope'] }] }, 'monitoring.routes[0].hostGroups[0]: no host is in group "nope"'],
    [{ routes: [{ chat: 'ops', matchRe: { host: 'web(' } }] }, 'monitoring.routes[0].matchRe.host: not a regular expression'],
    [{ routes: [] }, 'monitoring.routes: expected at least one route'],
    [{ receivers: {} }, 'monitoring.receivers: expected at least one receiver'],
    [{ receivers: { team: { token: { env: 'T' }, hostGroups: ['nope'] } } }, 'monitoring.receivers.team.hostGroups[0]: no host is in group "nope"'],
    [{ prometheus: { url: 'https://admin:secret@prometheus.example' } }, 'monitoring.prometheus.url: put no user or password in the URL'],
    [{ clients: { shop: { chat: 'ops', requestors: ['not an address'] } } }, 'monitoring.clients.shop.requestors[0]: expected an e-mail address'],
    [{ holdDown: '2x' }, 'monitoring.holdDown: expected a duration'],
  ])('a bad monitoring section is refused, naming the key: %j', (monitoring, expected) => {
    expect(problemsOf(withMonitoring(monitoring)).join('\n')).toContain(expected);
  });

  test('failures name a chat and a queue that exist and no ticket group watches', () => {
    expect(problemsOf(withMonitoring({}, { failures: { chat: 'nowhere' } })).join('\n')).toContain('failures.chat: unknown chat "nowhere"');
    expect(problemsOf(withMonitoring({}, { failures: { chat: 'ops', ticket: { system: 'rt', queue: 'Service Desk' } } })).join('\n')).toContain('failures.ticket.queue: ticket group "desk" watches');
  });
});
