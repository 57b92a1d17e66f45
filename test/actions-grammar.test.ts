/**
 * Runbook actions' chat grammars: typed parameters (ip, host, int ranges,
 * choices, patterns, word, text), what chat is told when a value is wrong,
 * and the configuration refusing grammars that are broken or that can match
 * the same words as another action's.
 */
import { parseConfig, ConfigError } from '../config/load';
import { BUILT_IN_COMMANDS } from '../config/actions-schema';
import { grammarsOverlap, grammarUsage, matchGrammar, parseGrammar } from '../lib/actions/grammar';
import { baseConfig } from './helpers/desk';
import { Dispatcher } from '../chat-gateway/dispatcher';

test('typed parameters match their values and say what is wrong with others', () => {
  const capture = parseGrammar('capture {host:host} {seconds:int<=300} {dir:in|out|both}');
  expect(matchGrammar(capture, 'Capture web1 60 IN')).toEqual({ params: { host: 'web1', seconds: '60', dir: 'in' } });
  expect(matchGrammar(capture, 'capture web1 301 in')).toMatchObject({ problem: '"301" is not a whole number from 0 to 300', param: 'seconds' });
  expect(matchGrammar(capture, 'capture web1 60 sideways')).toMatchObject({ problem: '"sideways" is not one of in, out, both', param: 'dir' });
  expect(matchGrammar(capture, 'capture web1')).toMatchObject({ problem: 'seconds is missing', param: 'seconds' });
  expect(matchGrammar(capture, 'capture web1 60 in and more')).toMatchObject({ problem: '"and more" is more than it takes' });
  expect(matchGrammar(capture, 'restart web1')).toBeUndefined();
  expect(grammarUsage(capture)).toBe('capture <host> <seconds> <dir>');

  const where = parseGrammar('where is {ip:ip}');
  expect(matchGrammar(where, 'where is 10.20.3.4')).toEqual({ params: { ip: '10.20.3.4' } });
  expect(matchGrammar(where, 'where is 2001:db8::1')).toEqual({ params: { ip: '2001:db8::1' } });
  expect(matchGrammar(where, 'where is 10.20.3.400')).toMatchObject({ problem: '"10.20.3.400" is not an IPv4 or IPv6 address', param: 'ip' });
  expect(matchGrammar(where, 'where was 10.0.0.1')).toBeUndefined();

  const find = parseGrammar('find {ticket:/[A-Z]+-\\d+/} {note:text}');
  expect(matchGrammar(find, 'find NET-12 it is   slow')).toEqual({ params: { ticket: 'NET-12', note: 'it is slow' } });
  expect(matchGrammar(find, 'find net-12 x')).toMatchObject({ problem: '"net-12" is not a value like /[A-Z]+-\\d+/', param: 'ticket' });
  // Values in one form each, so equal ones compare equal (concurrency keys, schedules).
  expect(matchGrammar(where, 'where is 2001:DB8:0::1')).toEqual({ params: { ip: '2001:db8::1' } });
  expect(matchGrammar(capture, 'capture web1 007 in')).toEqual({ params: { host: 'web1', seconds: '7', dir: 'in' } });
  // A free word starting with "-" would reach a program as an option.
  expect(matchGrammar(parseGrammar('dns {name:word}'), 'dns -f/etc/passwd')).toMatchObject({ problem: '"-f/etc/passwd" starts with "-", which a program would read as an option', param: 'name' });
  expect(matchGrammar(find, 'find NET-1 --help')).toMatchObject({ problem: '"--help" starts with "-", which a program would read as an option', param: 'note' });
  // Parameters are plain records: a name like __proto__ is just a key.
  expect(Object.getPrototypeOf((matchGrammar(parseGrammar('set {word:word}'), 'set __proto__') as { params: object }).params)).toBeNull();
});

test('bad grammars are refused, saying what to write', () => {
  expect(() => parseGrammar('{ip:ip} where')).toThrow('starts with a word');
  expect(() => parseGrammar('note {text:text} now')).toThrow('comes last');
  expect(() => parseGrammar('wait {s:int5..1}')).toThrow('is empty');
  expect(() => parseGrammar('wait {s:float}')).toThrow('unknown type "float"');
  expect(() => parseGrammar('find {t:/[/}')).toThrow('is not a regular expression');
  expect(() => parseGrammar('go {a:word} {a:word}')).toThrow('named twice');
  expect(() => parseGrammar('go { a:word }')).toThrow('{name:type}');
});

test('grammars that can match the same words overlap; ones that cannot do not', () => {
  const g = (s: string) => parseGrammar(s);
  expect(grammarsOverlap(g('where is {ip:ip}'), g('where is {host:host}'))).toBe(true);
  expect(grammarsOverlap(g('wait {s:int<=10}'), g('wait {s:int20..30}'))).toBe(false);
  expect(grammarsOverlap(g('wait {s:int<=10}'), g('wait {s:int5..30}'))).toBe(true);
  expect(grammarsOverlap(g('report {k:lan|wan}'), g('report {k:dc|cloud}'))).toBe(false);
  expect(grammarsOverlap(g('report {k:lan|wan}'), g('report lan'))).toBe(true);
  expect(grammarsOverlap(g('where is {ip:ip}'), g('where is {n:int}'))).toBe(false);
  expect(grammarsOverlap(g('note {t:text}'), g('note urgent {t:text}'))).toBe(true);
  expect(grammarsOverlap(g('note {t:word}'), g('note urgent {t:text}'))).toBe(false);
  expect(grammarsOverlap(g('capture {h:host}'), g('capture {h:host} {s:int}'))).toBe(false);
  // Words match in any case: "find ALL" is both.
  expect(grammarsOverlap(g('find {t:/[A-Z]+/}'), g('find all'))).toBe(true);
  expect(grammarsOverlap(g('report {k:/[A-Z]+/}'), g('report {c:lan|wan}'))).toBe(true);
  expect(grammarsOverlap(g('find {t:/[0-9]+/}'), g('find all'))).toBe(false);
});

const withActions = (actions: Record<string, unknown>, extra: Record<string, unknown> = {}) =>
  baseConfig({ web1: { address: '10.20.0.5', transport: 'local', groups: ['web'], services: { app: { steps: [{ name: 'noop', run: 'true' }] } } } }, { actions, ...extra });
const problems = (raw: Record<string, unknown>) => {
  try {
    parseConfig(raw, '/tmp/dutydesk.yaml');
    return '';
  } catch (err) {
    if (err instanceof ConfigError) return err.message;
    throw err;
  }
};

test('the configuration refuses overlapping actions naming both, built-in words, unknown parameters and hosts', () => {
  const lookup = { title: 'Where is it', says: 'where is {ip:ip}', steps: [{ ipLookup: '{ip}' }] };
  expect(problems(withActions({ 'net.whereis': lookup }))).toBe('');
  expect(problems(withActions({ 'net.whereis': lookup, 'sd.whereis': { ...lookup, says: 'where is {name:word}' } }))).toContain(
    'actions.sd.whereis.says: "where is {name:word}" can match the same words as net.whereis ("where is {ip:ip}")',
  );
  expect(problems(withActions({ 'net.restart': { ...lookup, says: 'restart {ip:ip}' } }))).toContain('"restart" is one of chat\'s own commands');
  expect(problems(withActions({ 'net.whereis': { ...lookup, steps: [{ ipLookup: '{address}' }] } }))).toContain('{address} is no parameter of "where is {ip:ip}"');
  expect(problems(withActions({ 'net.capture': { title: 'Capture', says: 'capture {seconds:int<=60}', steps: [{ command: { host: 'nowhere', hostGroups: ['web'], run: '/usr/bin/true', args: ['{seconds}'] } }] } }))).toContain('no host "nowhere"');
  expect(problems(withActions({ 'net.capture': { title: 'Capture', says: 'capture {h:word}', steps: [{ command: { host: '{h}', hostGroups: ['web'], run: '/usr/bin/true' } }] } }))).toContain('{h} must be a parameter of type host');
  expect(problems(withActions({ 'net.capture': { title: 'Capture', says: 'capture {h:host}', steps: [{ command: { host: '{h}', hostGroups: ['web'], run: 'tcpdump -i any' } }] } }))).toContain('expected an absolute path of a program');
  expect(problems(withActions({ 'Net.X': lookup }))).toContain('expected team.action');
  expect(problems(withActions({ 'net.whereis': { ...lookup, roles: ['nobody'] } }))).toContain('unknown role "nobody"');
  expect(problems(withActions({}, { inventory: { networks: [{ prefix: '10.20.0.1/16' }] } }))).toContain('has host bits set; its network is 10.20.0.0/16');
  expect(problems(withActions({}, { inventory: { networks: [{ prefix: '10.20.0.0/16' }, { prefix: '10.20.0.0/16', vrf: 'guest' }, { prefix: '10.20.0.0/16' }] } }))).toContain('inventory.networks[2].prefix: 10.20.0.0/16 is listed already (networks[0])');
  expect(problems(withActions({ 'net.whereis': { ...lookup, approval: { role: 'nobody' } } }))).toContain('actions.net.whereis.approval.role: unknown role "nobody"');
  expect(problems(withActions({ 'net.whereis': { ...lookup, approval: { role: 'lead', chat: 'nowhere' } } }))).toContain('actions.net.whereis.approval.chat: unknown chat "nowhere"');
  expect(problems(withActions({ 'net.whereis': { ...lookup, approval: { role: 'lead' } } }, { notify: {} }))).toContain('name the chat where approvals are asked, or set notify.approvals');
  expect(problems(withActions({ 'net.whereis': { ...lookup, concurrency: '{host}' } }))).toContain('actions.net.whereis.concurrency: {host} is no parameter');
  expect(problems(withActions({ 'networking.where-is-this-ip-address': lookup }))).toContain('expected team.action');
  expect(problems(withActions({ 'net.whereis': { ...lookup, schedule: { every: '1h', chat: 'ops', params: { ip: 'not-an-ip' } } } }))).toContain('actions.net.whereis.schedule.params: the values do not fit "where is {ip:ip}": "not-an-ip" is not an IPv4 or IPv6 address');
  expect(problems(withActions({ 'net.whereis': { ...lookup, schedule: { every: '1h', chat: 'ops', params: { ip: '10.0.0.1', extra: 'x' } } } }))).toContain('extra is no parameter');
  expect(problems(withActions({ 'net.whereis': { ...lookup, schedule: { every: '1h', at: ['08:00'], chat: 'ops', params: { ip: '10.0.0.1' } } } }))).toContain('give "every" or "at"');
  expect(problems(withActions({ 'net.whereis': { ...lookup, schedule: { at: ['08:00'], chat: 'nowhere', params: { ip: '10.0.0.1' } } } }))).toContain('actions.net.whereis.schedule.chat: unknown chat "nowhere"');
});

test('chat\'s own commands are the ones the configuration keeps actions away from', () => {
  const config = parseConfig(withActions({}), '/tmp/dutydesk.yaml');
  const dispatcher = new Dispatcher(config, {} as never);
  expect(dispatcher.commands.map((c) => c.name).sort()).toEqual([...BUILT_IN_COMMANDS].sort());
});
