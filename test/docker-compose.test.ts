/** The production docker-compose file parses (Debian's docker-compose validates it without an engine). */
import { spawnSync } from 'node:child_process';
import path from 'node:path';

const ROOT = path.resolve(__dirname, '..');

function compose(args: string[], env: Record<string, string> = {}) {
  const cmd = spawnSync('docker-compose', ['version'], { encoding: 'utf8' }).status === 0 ? ['docker-compose'] : ['docker', 'compose'];
  return spawnSync(cmd[0], [...cmd.slice(1), '-f', path.join(ROOT, 'docker-compose.yml'), ...args], {
    cwd: ROOT,
    encoding: 'utf8',
    env: { PATH: process.env.PATH, HOME: process.env.HOME, ...env },
  });
}

const secrets = { DUTYDESK_CONSOLE_TOKEN: 'token-for-validation', POSTGRES_PASSWORD: 'password-for-validation' };

test('docker-compose.yml validates and runs Temporal on PostgreSQL, its UI, the worker and the gateway', () => {
  const check = compose(['config', '-q'], secrets);
  expect(check.stderr).toBe('');
  expect(check.status).toBe(0);
  const services = compose(['config', '--services'], secrets).stdout.trim().split('\n').sort();
  expect(services).toEqual(['gateway', 'postgresql', 'temporal', 'temporal-setup', 'temporal-ui', 'worker']);
  const full = compose(['config'], secrets).stdout;
  expect(full).toContain('DB: postgres12');
  expect(full).toContain('/etc/dutydesk/dutydesk.yaml');
});

test('docker-compose refuses to start without the secrets it needs, saying which', () => {
  const check = compose(['config', '-q']);
  expect(check.status).not.toBe(0);
  expect(check.stderr).toMatch(/set (POSTGRES_PASSWORD|DUTYDESK_CONSOLE_TOKEN)/);
});
