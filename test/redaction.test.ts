/**
 * Secrets never reach workflow history or chat: JVM command lines lose the
 * values of options named like secrets (and of dumps.redact patterns), health
 * check URLs their credentials and secret query values. Checked on the
 * decoded history of real runs and on the web console's messages.
 */
import { spawn, type ChildProcess } from 'node:child_process';
import { randomUUID } from 'node:crypto';
import { mkdtempSync, rmSync } from 'node:fs';
import http from 'node:http';
import os from 'node:os';
import path from 'node:path';
import { ConfigError, parseConfig, readSecret } from '../config/load';
import { compileRedactions, redactSecrets } from '../lib/redact';
import { baseConfig, startDesk, type Desk } from './helpers/desk';
import { historyText } from './helpers/history';
import { startJvm, type TestJvm } from './helpers/jvm';
import { freePort } from './helpers/wait';

const SECRETS = ['hunter2', 't0k3n-jvm', 'LIC-4242', 'hunter9', 'k3y-twin', 's3cret-pw', 't0ken-abc'];
const twin = `twins-${randomUUID()}`;
const AUTH = `Basic ${Buffer.from('ops:s3cret-pw').toString('base64')}`;

let jvm: TestJvm;
let desk: Desk;
let dir: string;
let port: number;
let health: http.Server;
const twins: ChildProcess[] = [];

beforeAll(async () => {
  jvm = await startJvm({ heapMiB: 8, jvmArgs: ['-Dapp.db.password=hunter2', '-Dapi.token=t0k3n-jvm'], args: ['--license=LIC-4242'] });
  // Two processes alike, whose command lines carry secrets: the "several match" answer lists them.
  // Own process groups and no pipes, so stopping them stops their sleep too.
  for (let i = 0; i < 2; i++) twins.push(spawn('sh', ['-c', 'sleep 3600; :', twin, '-Ddb.password=hunter9', '--api-key=k3y-twin'], { detached: true, stdio: 'ignore' }));
  dir = mkdtempSync(path.join(os.tmpdir(), 'dutydesk-redaction-'));
  port = await freePort();
  // Ready only for the right basic auth and token; /health never is.
  health = http
    .createServer((req, res) => {
      const url = new URL(req.url ?? '/', 'http://x');
      res.statusCode = req.headers.authorization === AUTH && url.searchParams.get('token') === 't0ken-abc' && url.pathname === '/ready' ? 200 : 503;
      res.end();
    })
    .listen(port, '127.0.0.1');
  const local = { address: '127.0.0.1', transport: 'local', groups: ['test'] };
  const java = { dumpDir: path.join(dir, 'host'), reserve: '1MiB', threadDumps: { count: 1, interval: '1s' } };
  const check = (where: string) => ({ name: 'health', title: 'Health check', http: `http://ops:s3cret-pw@127.0.0.1:${port}${where}?token=t0ken-abc&env=prod`, timeout: '2s', interval: '500ms' });
  desk = await startDesk(
    baseConfig(
      {
        jvm1: {
          ...local,
          services: {
            app: { steps: [{ name: 'noop', run: 'true' }], java: { ...java, match: jvm.match } },
            twins: { steps: [{ name: 'noop', run: 'true' }], java: { ...java, match: twin } },
          },
        },
        good1: { ...local, services: { web: { steps: [check('/ready')] } } },
        bad1: { ...local, services: { web: { steps: [check('/health')] } } },
      },
      {
        roles: { viewer: { can: ['status'] }, engineer: { can: ['status', 'restart', 'dump'], hostGroups: ['test'] }, lead: { can: ['status', 'restart', 'approve', 'dump'] } },
        dumps: { dir: path.join(dir, 'worker'), redact: ['--license=(\\S+)'] },
      },
    ),
  );
}, 180_000);

afterAll(async () => {
  await desk?.stop();
  await jvm?.stop();
  twins.forEach((t) => t.pid && process.kill(-t.pid, 'SIGKILL'));
  health?.closeAllConnections();
  health?.close();
  if (dir) rmSync(dir, { recursive: true, force: true });
});

const leaked = (text: string) => SECRETS.filter((s) => text.includes(s));
const chatText = async (chat: string) => (await desk.messages(chat)).map((m) => m.text).join('\n');

test('redaction rules: options named like secrets, URL credentials, secret query values, configured patterns', () => {
  const extra = compileRedactions(['--license=(\\S+)', 'ACME-[0-9]+']);
  expect(redactSecrets('java -Dapp.db.password=hunter2 -Dkeystore.pass=x -Dplain=ok -jar a.jar --api-token=abc --password hunter3 --verbose', extra)).toBe(
    'java -Dapp.db.password=*** -Dkeystore.pass=*** -Dplain=ok -jar a.jar --api-token=*** --password *** --verbose',
  );
  expect(redactSecrets('https://ops:p@ss@h.example/x?token=abc&env=prod&X-Amz-Signature=f00')).toBe('https://h.example/x?token=***&env=prod&X-Amz-Signature=***');
  expect(redactSecrets('-Dcredentials.file=/etc/c --license=LIC-1 serial ACME-77', extra)).toBe('-Dcredentials.file=*** --license=*** serial ***');
});

test('a secret the process read is hidden wherever it appears, even bare in prose; plain words used as secrets are not hunted', () => {
  const config = { source: path.join(os.tmpdir(), 'dutydesk.yaml') };
  const token = `xoxb-${randomUUID()}`;
  expect(readSecret({ env: 'TEST_BARE_TOKEN' }, config, { TEST_BARE_TOKEN: token })).toBe(token);
  readSecret({ env: 'TEST_WORD_SECRET' }, config, { TEST_WORD_SECRET: 'password' });
  readSecret({ env: 'TEST_LONG_WORD' }, config, { TEST_LONG_WORD: 'administrator' });
  readSecret({ env: 'TEST_CA' }, config, { TEST_CA: '-----BEGIN CERTIFICATE-----\nMIIBszCCAVmgAwIBAgIUQ2\n-----END CERTIFICATE-----\n' });
  expect(redactSecrets(`the API answered 401 for ${token}, and "${token}" again; password authentication failed for administrator`)).toBe(
    'the API answered 401 for ***, and "***" again; password authentication failed for administrator',
  );
  expect(redactSecrets('openssl: -----END CERTIFICATE----- MIIBszCCAVmgAwIBAgIUQ2')).toBe('openssl: -----END CERTIFICATE----- MIIBszCCAVmgAwIBAgIUQ2');
});

test('every secret the configuration names is known to redaction once it loads, before any use', () => {
  const secret = `Rt-${randomUUID()}`;
  process.env.TEST_LOADED_RT_TOKEN = secret;
  parseConfig(
    baseConfig(
      { h1: { address: '127.0.0.1', transport: 'local', groups: ['test'], services: { app: { steps: [{ name: 'noop', run: 'true' }] } } } },
      { tickets: { systems: { rt: { type: 'rt', url: 'http://127.0.0.1:1', user: 'bot', token: { env: 'TEST_LOADED_RT_TOKEN' } } }, groups: { desk: { system: 'rt', queue: 'Desk', chat: 'ops' } } } },
    ),
    path.join(os.tmpdir(), 'dutydesk.yaml'),
  );
  expect(redactSecrets(`RT said: bad token ${secret}`)).toBe('RT said: bad token ***');
});

test('"pass" is a secret word where words part (. - _ camelCase), not inside compass, passive or bypass', () => {
  expect(redactSecrets('java -Dpass=hunter2 -Dapp.pass=a --pass=b --pass c -DdbPass=d -Ddb_pass=e -Ddb-pass=f -Dcompass=north --passive=true -Dbypass.cache=true')).toBe(
    'java -Dpass=*** -Dapp.pass=*** --pass=*** --pass *** -DdbPass=*** -Ddb_pass=*** -Ddb-pass=*** -Dcompass=north --passive=true -Dbypass.cache=true',
  );
});

test('URL credentials whose password holds a "/" go; an "@" in a path, after a port or after the host stays', () => {
  expect(redactSecrets('https://user:pa/ss@host/x https://u:p/a@ss@h2/y https://host/a@b https://u:p@h.example/@me https://npm.example:443/@types/node')).toBe(
    'https://host/x https://h2/y https://host/a@b https://h.example/@me https://npm.example:443/@types/node',
  );
});

test('curl -u, --user and --proxy-user lose the password, keep the user; -u without a password and docker -u uid:gid stay', () => {
  expect(redactSecrets("curl -u user:secret https://x; curl --user ops:pw --proxy-user=px:py -u 'o:p w' https://x")).toBe(
    "curl -u user:*** https://x; curl --user ops:*** --proxy-user=px:*** -u 'o:***' https://x",
  );
  expect(redactSecrets('sudo -u postgres psql; docker run -u 1000:1000 img')).toBe('sudo -u postgres psql; docker run -u 1000:1000 img');
});

test('quoted values go whole, and so do values inside quotes that also hold the name', () => {
  expect(redactSecrets(`-Ddb.password="with spaces" -Dnext=1 --token 'a b c' --next PASSWORD="x y" ./run '-Dapp.secret=d e' "TOKEN=f g" x`)).toBe(
    `-Ddb.password=*** -Dnext=1 --token *** --next PASSWORD=*** ./run '-Dapp.secret=***' "TOKEN=***" x`,
  );
});

test('JDBC URLs: query and ;-separated properties, Oracle user/password@, userinfo', () => {
  expect(redactSecrets('jdbc:postgresql://db:5432/app?user=app&password=secret')).toBe('jdbc:postgresql://db:5432/app?user=app&password=***');
  expect(redactSecrets('jdbc:oracle:thin:scott/tiger@//db:1521/ORCL; sqlplus -s scott/tiger@db')).toBe('jdbc:oracle:thin:scott/***@//db:1521/ORCL; sqlplus -s scott/***@db');
  expect(redactSecrets('jdbc:mysql://user:pw@host/db')).toBe('jdbc:mysql://host/db');
  expect(redactSecrets('jdbc:sqlserver://host;user=sa;password=Secret1;encrypt=true jdbc:sqlserver://h:1433;password=p@ss;x=1 jdbc:sqlserver://h;password={a;b};x=1')).toBe(
    'jdbc:sqlserver://host;user=sa;password=***;encrypt=true jdbc:sqlserver://h:1433;password=***;x=1 jdbc:sqlserver://h;password=***;x=1',
  );
});

test('environment and property assignments named like secrets go, by whole words; KEYBOARD, MONKEY, tokenizer, PWD stay', () => {
  expect(
    redactSecrets('DB_PASSWORD=secret ./migrate; export API_TOKEN=abc AWS_SECRET_ACCESS_KEY=wJal PGPASSWORD=x MYSQL_PWD=y apikey=1 clientsecret=2 spring.datasource.password=3 --env=GH_TOKEN=4'),
  ).toBe('DB_PASSWORD=*** ./migrate; export API_TOKEN=*** AWS_SECRET_ACCESS_KEY=*** PGPASSWORD=*** MYSQL_PWD=*** apikey=*** clientsecret=*** spring.datasource.password=*** --env=GH_TOKEN=***');
  const plain = 'KEYBOARD=us MONKEY=1 tokenizer.threads=4 TOKENIZER_THREADS=2 COMPASS=n PASSIVE=1 SECRETARY=bob PASSWORDLESS=1 PWD=/srv OLDPWD=/';
  expect(redactSecrets(plain)).toBe(plain);
});

test('JSON pairs lose their value when the last dotted word of the name is a secret word, past escaped quotes; other names stay', () => {
  expect(redactSecrets(`-Dspring.application.json={"spring.datasource.password":"hunter2","spring.datasource.username":"app"} '{"db":{"password":"hunter2"}}'`)).toBe(
    `-Dspring.application.json={"spring.datasource.password":***,"spring.datasource.username":"app"} '{"db":{"password":***}}'`,
  );
  expect(redactSecrets('{"apiToken": "abc123", "password": "pa\\"ss rest", "pw": 123456, "x-api-key": "k\\"3y z", "token.ttl": "1h", "keyboard": "us", "PWD": "/srv"}')).toBe(
    '{"apiToken": ***, "password": ***, "pw": ***, "x-api-key": ***, "token.ttl": "1h", "keyboard": "us", "PWD": "/srv"}',
  );
  expect(redactSecrets('-Dpassword="pa\\"ss word" -Dnext=1')).toBe('-Dpassword=*** -Dnext=1');
});

test('a value that starts without a quote goes to the next space, quotes inside it too', () => {
  expect(redactSecrets(`-Dpassword=hun"ter2 -Dnext=1 --token a'b c DB_PASSWORD=x"y z`)).toBe(`-Dpassword=*** -Dnext=1 --token *** c DB_PASSWORD=*** z`);
});

test('"pw" is a secret word where words part, not inside pwm or pwr', () => {
  expect(redactSecrets('-Ddb.pw=hunter2 --pw=a --pw b DB_PW=c dbPw=d https://h/x?pw=e pwm=1 PWR=2 --pwm=3 -Dpwr=4')).toBe(
    '-Ddb.pw=*** --pw=*** --pw *** DB_PW=*** dbPw=*** https://h/x?pw=*** pwm=1 PWR=2 --pwm=3 -Dpwr=4',
  );
});

test('a spaced secret value may start with "-"; "--x" and "-" with letters only (-v) are options, and "-" alone stays', () => {
  expect(redactSecrets('--password -hunter2 --token -x9! --password --verbose --api-key -v --secret - x')).toBe('--password *** --token *** --password --verbose --api-key -v --secret - x');
});

test('Authorization keeps its scheme, headers named like secrets lose their value, others stay', () => {
  expect(redactSecrets(`curl -H 'Authorization: Bearer abc' -H "X-Api-Key: k3y" -H 'X-Request-Id: 42' https://x`)).toBe(
    `curl -H 'Authorization: Bearer ***' -H "X-Api-Key: ***" -H 'X-Request-Id: 42' https://x`,
  );
  expect(redactSecrets('> Authorization: Basic eHl6\n> x-auth-token: t0k\nerror: bad token: expected a JWT')).toBe('> Authorization: Basic ***\n> x-auth-token: ***\nerror: bad token: expected a JWT');
});

test('a megabyte of repeated option or URL fragments is read through', () => {
  for (const unit of ['-D=a', '-Da=', 'https://', ';', '--password']) {
    const text = unit.repeat((1 << 20) / unit.length);
    expect(redactSecrets(text)).toBe(text);
  }
});

test('a megabyte of repeated JSON pairs, or of escaped quotes in one value, is read through', () => {
  const pair = '{"password":"'.repeat(2);
  const pairs = Math.floor((1 << 20) / pair.length);
  expect(redactSecrets(pair.repeat(pairs))).toBe('{"password":***password":"'.repeat(pairs));
  expect(redactSecrets(`{"password":"${'\\"'.repeat(1 << 19)}`)).toBe('{"password":***');
});

test('a dumps.redact pattern that is no regular expression is refused at load, naming it', () => {
  const raw = baseConfig({ h: { address: '127.0.0.1', transport: 'local', services: { s: { steps: [{ name: 'x', run: 'true' }] } } } }, { dumps: { redact: ['ok', '(unclosed'] } });
  expect(() => parseConfig(raw, 'bad.yaml')).toThrow(ConfigError);
  expect(() => parseConfig(raw, 'bad.yaml')).toThrow(/dumps\.redact\[1\]: not a regular expression: .*Unterminated group/);
});

test('a JVM command line with secrets is kept in history without them, and the run does not show them', async () => {
  const asked = await desk.say('alice', 'ops', 'dump threads jvm1 app');
  await desk.botMessage('ops', (m) => Number(m.id) > Number(asked.id) && m.text.startsWith('🧵') && m.text.includes('✅ Done in'), 'the thread dump to finish', 120_000);
  const history = await historyText(desk.env.client, 'dump-jvm1-app');
  // The process found, as the run keeps it: the options are there, their values are not.
  expect(history).toContain('-Dapp.db.password=***');
  expect(history).toContain('-Dapi.token=***');
  expect(history).toContain('--license=***');
  expect(history).toContain(jvm.match.split(' ').pop());
  expect(leaked(history)).toEqual([]);
  expect(leaked(await chatText('ops'))).toEqual([]);
});

test('processes listed in chat when several match are shown without their secrets', async () => {
  const asked = await desk.say('alice', 'ops', 'dump threads jvm1 twins');
  const failed = await desk.botMessage('ops', (m) => Number(m.id) > Number(asked.id) && m.text.includes('❌'), 'the several-processes answer', 60_000);
  expect(failed.text).toContain(`2 processes on jvm1 match "${twin}"`);
  expect(failed.text).toContain(`${twin} -Ddb.password=*** --api-key=***`);
  expect(leaked(failed.text)).toEqual([]);
  expect(leaked(await historyText(desk.env.client, 'dump-jvm1-twins'))).toEqual([]);
});

test('a health check URL with credentials and a token works, and is shown and kept without them', async () => {
  await desk.say('alice', 'ops', 'restart good1');
  await desk.botMessage('ops', (m) => m.text.includes('Restart web on good1') && m.text.includes('✅ Done in'), 'the check with basic auth to pass');
  await desk.say('alice', 'ops', 'restart bad1');
  const failed = await desk.botMessage('ops', (m) => m.text.includes('Restart web on bad1') && m.text.includes('❌'), 'the failing check');
  expect(failed.text).toContain(`http://127.0.0.1:${port}/health?token=***&env=prod answered HTTP 503`);
  const notice = await desk.botMessage('dm-alice', (m) => m.text.includes('bad1 did not complete'), 'the failure notice');
  for (const host of ['good1', 'bad1']) expect(leaked(await historyText(desk.env.client, `restart-${host}`))).toEqual([]);
  expect(leaked(await chatText('ops'))).toEqual([]);
  expect(leaked(notice.text)).toEqual([]);
});
