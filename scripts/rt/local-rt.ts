/**
 * A local Request Tracker 5 (Debian's request-tracker5, SQLite, its own
 * standalone server on a loopback port), for the tests and the `npm start`
 * demo. The schema and initial data are loaded once into a template database
 * under .cache/rt; each instance starts from a copy, so a second start is fast.
 */
import { spawn, spawnSync, type ChildProcess } from 'node:child_process';
import { createHash } from 'node:crypto';
import { copyFileSync, existsSync, mkdirSync, readFileSync, renameSync, rmSync, writeFileSync } from 'node:fs';
import path from 'node:path';

const ROOT = path.resolve(__dirname, '../..');
const RT_LIB = '/usr/share/request-tracker5/lib';
const RT_SERVER = process.env.DUTYDESK_RT_SERVER ?? '/usr/share/request-tracker5/libexec/rt-server';
const RT_SETUP_DATABASE = '/usr/sbin/rt-setup-database-5';
const INITIAL_DATA = path.join(__dirname, 'initialdata.pl');
const WEBHOOK_SCRIP = path.join(__dirname, 'webhook-scrip.pl');
export const LOCAL_RT_USER = 'dutydesk';

export interface LocalRt {
  url: string;
  user: string;
  password: string;
  /** An RT auth token of the bot account, made at this start ("Authorization: token …"). */
  token: string;
  /** Revokes the bot's token in RT (as an admin would in RT's web UI) and, with `renew`, makes a new one, returned. */
  rotateToken(renew?: boolean): string | undefined;
  /** Stops the server; the database stays, so start() brings the same RT back. */
  stop(): Promise<void>;
  start(): Promise<void>;
}

/** Revokes the bot's local token and, unless DUTYDESK_RT_REVOKE_ONLY is set, makes a new one, printed on stdout. */
const TOKEN_CODE = `
my $bot = RT::User->new(RT->SystemUser); $bot->Load($ENV{DUTYDESK_RT_BOT}); die "no RT user $ENV{DUTYDESK_RT_BOT}\\n" unless $bot->id;
my $old = RT::AuthTokens->new(RT->SystemUser); $old->LimitOwner(VALUE => $bot->id);
while (my $t = $old->Next) { $t->Delete if $t->Description eq 'dutydesk (local RT)'; }
unless ($ENV{DUTYDESK_RT_REVOKE_ONLY}) {
  my ($id, $msg, $token) = RT::AuthToken->new(RT->SystemUser)->Create(Owner => $bot->id, Description => 'dutydesk (local RT)');
  die "auth token: $msg\\n" unless $id;
  print $token;
}
`;

/**
 * Sets each person's password, revokes the bot's earlier local token and
 * makes a new one (RT shows a token only when it is made), printed on stdout;
 * brings the webhook scrip's code up to date in a database made before.
 */
const SET_CREDENTIALS = `
use lib '${RT_LIB}'; use RT; use JSON; RT::LoadConfig(); RT::Init();
my $code = do { local $/; open(my $fh, '<', $ENV{DUTYDESK_RT_SCRIP}) or die "cannot read $ENV{DUTYDESK_RT_SCRIP}: $!\\n"; <$fh> };
my $scrips = RT::Scrips->new(RT->SystemUser); $scrips->Limit(FIELD => 'Description', VALUE => 'Tell dutydesk of ticket changes');
while (my $s = $scrips->Next) { $s->SetCustomCommitCode($code) unless $s->CustomCommitCode eq $code; }
my $p = decode_json($ENV{DUTYDESK_RT_PASSWORDS});
for my $name (sort keys %$p) {
  my $u = RT::User->new(RT->SystemUser); $u->Load($name); die "no RT user $name\\n" unless $u->id;
  my ($ok, $msg) = $u->SetPassword($p->{$name}); die "$name: $msg\\n" unless $ok;
}
${TOKEN_CODE}`;

export function localRtInstalled(): boolean {
  return existsSync(RT_SERVER) && existsSync(RT_SETUP_DATABASE);
}

/** Where RT's scrip posts ticket changes (see webhook-scrip.pl). */
export interface RtWebhook {
  url: string;
  secret: string;
}

const perlString = (s: string) => `'${s.replace(/[\\']/g, (c) => `\\${c}`)}'`;

/** How RT is set up beyond its data: its clock's zone and its priority labels. */
export interface RtSettings {
  webhook?: RtWebhook;
  /** RT's $Timezone, the zone it reads TicketSQL dates and shows REST 1.0 dates in; UTC by default. */
  timeZone?: string;
  /** RT's %PriorityAsString per queue name or "Default"; RT's own default when absent. */
  priorities?: Record<string, Record<string, number>>;
}

const perlHash = (map: Record<string, number>) => `{ ${Object.entries(map).map(([k, v]) => `${perlString(k)} => ${Math.trunc(v)}`).join(', ')} }`;

function siteConfig(database: string, url: string, settings: RtSettings = {}): string {
  const { port } = new URL(url);
  const { webhook, priorities } = settings;
  return [
    "Set($rtname, 'dutydesk');",
    "Set($Organization, 'dutydesk.local');",
    "Set($WebDomain, '127.0.0.1');",
    `Set($WebPort, ${Number(port) || 80});`,
    "Set($WebPath, '');",
    `Set($WebBaseURL, '${url}');`,
    "Set($DatabaseType, 'SQLite');",
    `Set($DatabaseName, '${database}');`,
    "Set($LogToSTDERR, 'error');",
    'Set($LogToSyslog, undef);',
    'Set($LogToFile, undef);',
    `Set($Timezone, ${perlString(settings.timeZone ?? 'UTC')});`,
    ...(priorities ? [`Set(%PriorityAsString, ${Object.entries(priorities).map(([queue, map]) => `${perlString(queue)} => ${perlHash(map)}`).join(', ')});`] : []),
    // No mail leaves a local RT: outgoing mail is written to files in /tmp.
    "Set($MailCommand, 'testfile');",
    // Sessions per instance, compiled templates shared in .cache/rt: both writable without root.
    `$RT::MasonSessionDir = ${perlString(path.join(path.dirname(database), 'session_data'))};`,
    `$RT::MasonDataDir = ${perlString(path.join(ROOT, '.cache/rt/mason_data'))};`,
    ...(webhook ? [`Set($DutydeskWebhookUrl, ${perlString(webhook.url)});`, `Set($DutydeskWebhookSecret, ${perlString(webhook.secret)});`] : []),
    '1;',
    '',
  ].join('\n');
}

function rtEnv(dir: string): NodeJS.ProcessEnv {
  const siteDir = path.join(dir, 'RT_SiteConfig.d');
  mkdirSync(siteDir, { recursive: true });
  return { ...process.env, RT_SITE_CONFIG: path.join(dir, 'RT_SiteConfig.pm'), RT_SITE_CONFIG_DIR: siteDir };
}

function run(command: string, args: string[], env: NodeJS.ProcessEnv, what: string): string {
  const result = spawnSync(command, args, { env, encoding: 'utf8' });
  if (result.status !== 0) throw new Error(`${what} failed (${result.status ?? result.signal}): ${result.stderr.slice(-2000)}`);
  return result.stdout;
}

/** The schema and initial data in a SQLite file, built once per RT version and version of initialdata.pl. */
function templateDatabase(): string {
  const hash = createHash('sha256').update(readFileSync(path.join(RT_LIB, 'RT.pm'))).update(readFileSync(INITIAL_DATA)).update(readFileSync(WEBHOOK_SCRIP)).digest('hex').slice(0, 12);
  const dir = path.join(ROOT, '.cache/rt');
  const template = path.join(dir, `template-${hash}.db`);
  if (existsSync(template)) return template;
  const work = path.join(dir, `building-${process.pid}`);
  rmSync(work, { recursive: true, force: true });
  mkdirSync(work, { recursive: true });
  const database = path.join(work, 'rt.db');
  writeFileSync(path.join(work, 'RT_SiteConfig.pm'), siteConfig(database, 'http://127.0.0.1:80'));
  const env = rtEnv(work);
  run(RT_SETUP_DATABASE, ['--action', 'init', '--skip-create'], env, 'creating the RT schema');
  run(RT_SETUP_DATABASE, ['--action', 'insert', '--datafile', INITIAL_DATA], env, 'loading RT initial data');
  renameSync(database, template);
  rmSync(work, { recursive: true, force: true });
  return template;
}

async function waitForRest(url: string, child: ChildProcess, output: () => string, timeoutMs = 60_000) {
  const deadline = Date.now() + timeoutMs;
  for (;;) {
    if (child.exitCode !== null) throw new Error(`RT exited (${child.exitCode}): ${output().slice(-2000)}`);
    try {
      const res = await fetch(`${url}/REST/2.0/`);
      if (res.status === 401 || res.ok) return;
    } catch {
      /* not listening yet */
    }
    if (Date.now() > deadline) throw new Error(`RT did not answer on ${url} within ${timeoutMs / 1000} s: ${output().slice(-2000)}`);
    await new Promise((r) => setTimeout(r, 200));
  }
}

/**
 * Starts RT with its data in `dir` (kept across starts) on 127.0.0.1:port.
 * On every start the bot account's password is set from `password` and it
 * gets a new auth token (the one before is revoked); with `webhook`, RT posts
 * every ticket change there.
 */
export async function startLocalRt(options: RtSettings & {
  dir: string;
  port: number;
  password: string;
  /** Passwords for RT's other users (alice, bob, dan), so they can log in to RT as people. */
  people?: Record<string, string>;
  log?: (chunk: string) => void;
}): Promise<LocalRt> {
  if (!localRtInstalled()) throw new Error('Request Tracker 5 is not installed: apt-get install request-tracker5 rt5-standalone rt5-db-sqlite');
  const { dir, port, password } = options;
  const url = `http://127.0.0.1:${port}`;
  mkdirSync(dir, { recursive: true });
  const database = path.join(dir, 'rt.db');
  if (!existsSync(database)) copyFileSync(templateDatabase(), database);
  // Mode 600: it may hold the webhook secret.
  writeFileSync(path.join(dir, 'RT_SiteConfig.pm'), siteConfig(database, url, options), { mode: 0o600 });
  mkdirSync(path.join(dir, 'session_data'), { recursive: true });
  mkdirSync(path.join(ROOT, '.cache/rt/mason_data'), { recursive: true });
  const env = rtEnv(dir);
  // Passwords go through the environment, never a command line that `ps` shows; the token comes back on stdout.
  const passwords = JSON.stringify({ ...options.people, [LOCAL_RT_USER]: password });
  const token = run('perl', ['-e', SET_CREDENTIALS], { ...env, DUTYDESK_RT_PASSWORDS: passwords, DUTYDESK_RT_BOT: LOCAL_RT_USER, DUTYDESK_RT_SCRIP: WEBHOOK_SCRIP }, 'setting RT passwords and the bot token').trim();

  let child: ChildProcess | undefined;
  const start = async () => {
    let output = '';
    // Its own process group, so stopping it stops the prefork workers too.
    child = spawn(RT_SERVER, ['--host', '127.0.0.1', '--port', String(port), '--max-workers', '3'], { env, detached: true, stdio: ['ignore', 'pipe', 'pipe'] });
    const collect = (c: Buffer) => {
      output = (output + c.toString()).slice(-10_000);
      options.log?.(c.toString());
    };
    child.stdout?.on('data', collect);
    child.stderr?.on('data', collect);
    await waitForRest(url, child, () => output);
  };
  const stop = async () => {
    const c = child;
    if (!c || c.exitCode !== null || c.signalCode !== null) return;
    const exited = new Promise((r) => c.once('exit', r));
    try {
      process.kill(-c.pid!, 'SIGTERM');
    } catch {
      /* already gone */
    }
    const force = setTimeout(() => {
      try {
        process.kill(-c.pid!, 'SIGKILL');
      } catch {
        /* gone */
      }
    }, 5_000);
    await exited;
    clearTimeout(force);
  };
  await start();
  const rotateToken = (renew = true) => {
    const made = run('perl', ['-e', `use lib '${RT_LIB}'; use RT; RT::LoadConfig(); RT::Init(); ${TOKEN_CODE}`], { ...env, DUTYDESK_RT_BOT: LOCAL_RT_USER, ...(renew ? {} : { DUTYDESK_RT_REVOKE_ONLY: '1' }) }, 'rotating the bot token').trim();
    return renew ? made : undefined;
  };
  return { url, user: LOCAL_RT_USER, password, token, rotateToken, stop, start };
}
