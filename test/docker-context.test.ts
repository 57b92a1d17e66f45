/**
 * What `docker compose build` sends to the Docker engine: the build context
 * made the way docker-compose makes it (docker-py's own tar of the folder,
 * with .dockerignore applied; Debian's python3-docker, so no engine is
 * needed). A checkout with the secrets README tells people to put in deploy/,
 * an .env, keys and the data folders must send none of them.
 */
import { spawnSync } from 'node:child_process';
import { cpSync, mkdirSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';

const ROOT = path.resolve(__dirname, '..');

/** The member names of the tar docker-py would send for `dir` (as docker-compose's build does). */
function buildContext(dir: string): string[] {
  const script = `
import os, sys, tarfile
from docker.utils import build
root = sys.argv[1]
with open(os.path.join(root, '.dockerignore')) as f:
    exclude = [l.strip() for l in f.read().splitlines() if l.strip() and not l.strip().startswith('#')]
with tarfile.open(fileobj=build.tar(root, exclude=exclude, dockerfile=('Dockerfile', None))) as t:
    print('\\n'.join(t.getnames()))`;
  const result = spawnSync('/usr/bin/python3', ['-c', script, dir], { encoding: 'utf8' });
  if (result.status !== 0) throw new Error(`docker-py: ${result.stderr}`);
  return result.stdout.split('\n').filter(Boolean);
}

test('the build context carries the code and none of the secrets or data beside it', () => {
  const dir = mkdtempSync(path.join(os.tmpdir(), 'dutydesk-context-'));
  try {
    const tracked = spawnSync('git', ['ls-files', '-z'], { cwd: ROOT, encoding: 'utf8' }).stdout.split('\0').filter(Boolean);
    for (const file of tracked) {
      mkdirSync(path.dirname(path.join(dir, file)), { recursive: true });
      cpSync(path.join(ROOT, file), path.join(dir, file));
    }
    // What a deployment's checkout holds beside the code (README, "Production").
    const secrets = ['deploy/secrets/dutydesk_ssh_key', 'deploy/dutydesk.yaml', '.env', '.env.production', 'config/tls/client.key', 'config/tls/client.pem', 'config/tls/keystore.jks', 'config/tls/client.p12', 'id_ed25519', 'id_ecdsa', 'config/.env', 'config/secrets/ssh_key', '.data/rt/password', '.cache/rt/template.db', '.git/config', 'node_modules/x/index.js'];
    for (const file of secrets) {
      mkdirSync(path.dirname(path.join(dir, file)), { recursive: true });
      writeFileSync(path.join(dir, file), 'secret\n');
    }
    const sent = buildContext(dir);
    expect(sent.filter((name) => secrets.includes(name) || /^(deploy|\.data|\.cache|\.git|node_modules)(\/|$)/.test(name))).toEqual([]);
    // And the image still has what it runs.
    expect(sent).toEqual(expect.arrayContaining(['Dockerfile', 'package.json', 'package-lock.json', 'workers/main.ts', 'chat-gateway/main.ts', 'config/temporal/dynamicconfig.yaml']));
    expect(sent.some((name) => name.startsWith('test/'))).toBe(false);
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
});

test('deploy/ and .env are never committed', () => {
  const ignored = spawnSync('git', ['check-ignore', '--no-index', 'deploy/secrets/dutydesk_ssh_key', 'deploy/dutydesk.yaml', '.env'], { cwd: ROOT, encoding: 'utf8' });
  expect(ignored.stdout.trim().split('\n')).toEqual(['deploy/secrets/dutydesk_ssh_key', 'deploy/dutydesk.yaml', '.env']);
});
