/**
 * Reads and validates the YAML configuration. Errors list every bad key with
 * what was expected, so a broken file is fixed in one pass, not one key at a time.
 */
import { readFileSync } from 'node:fs';
import path from 'node:path';
import { parseDocument } from 'yaml';
import type { ZodIssue } from 'zod';
import { closestKey, knownKeysAt } from './key-suggestions';
import { configSchema, type DutydeskConfig, type SecretRef } from './schema';
import { rememberSecret } from '../lib/redact';

export class ConfigError extends Error {
  constructor(
    readonly file: string,
    readonly problems: string[],
  ) {
    super(`Invalid configuration in ${file}:\n${problems.map((p) => `  - ${p}`).join('\n')}`);
    this.name = 'ConfigError';
  }
}

export interface LoadedConfig extends DutydeskConfig {
  /** Absolute path of the file it came from; relative secret files resolve against its folder. */
  readonly source: string;
}

function keyPath(issue: ZodIssue): string {
  return issue.path.reduce<string>((acc, part) => (typeof part === 'number' ? `${acc}[${part}]` : acc ? `${acc}.${part}` : part), '') || '(top level)';
}

function describe(issue: ZodIssue): string {
  if (issue.code === 'unrecognized_keys') {
    const known = knownKeysAt(configSchema, issue.path);
    const keys = issue.keys.map((k) => {
      const meant = closestKey(k, known);
      return meant ? `"${k}" (did you mean "${meant}"?)` : `"${k}"`;
    });
    return `${keyPath(issue)}: unknown key(s) ${keys.join(', ')}; check the spelling against config/dutydesk.example.yaml`;
  }
  if (issue.code === 'invalid_type' && issue.received === 'undefined') return `${keyPath(issue)}: required (expected ${issue.expected})`;
  if (issue.code === 'invalid_type') return `${keyPath(issue)}: expected ${issue.expected}, got ${issue.received}`;
  if (issue.code === 'invalid_enum_value') return `${keyPath(issue)}: expected one of ${issue.options.join(', ')}, got "${String(issue.received)}"`;
  return `${keyPath(issue)}: ${issue.message}`;
}

/** Validates an already parsed document; used by loadConfig and by tests that build configs in code. */
export function parseConfig(raw: unknown, source: string): LoadedConfig {
  const result = configSchema.safeParse(raw ?? {});
  if (!result.success) throw new ConfigError(source, result.error.issues.map(describe));
  const config = { ...result.data, source: path.resolve(source) };
  rememberConfiguredSecrets(config, config);
  return config;
}

/**
 * Every { env } and { file } secret the configuration names is read once now, so that redaction
 * knows its value before any use of it (and the gateway knows the worker's too). One that cannot
 * be read yet is left to the moment it is needed, which says why.
 */
function rememberConfiguredSecrets(node: unknown, config: Pick<LoadedConfig, 'source'>, depth = 0): void {
  if (!node || typeof node !== 'object' || depth > 12) return;
  if (Array.isArray(node)) return node.forEach((n) => rememberConfiguredSecrets(n, config, depth + 1));
  const keys = Object.keys(node);
  if (keys.length === 1 && (keys[0] === 'env' || keys[0] === 'file') && typeof (node as Record<string, unknown>)[keys[0]] === 'string') {
    try {
      readSecret(node as SecretRef, config);
    } catch {
      // Not set here (a worker-only secret in the gateway's environment, say): nothing to remember.
    }
    return;
  }
  for (const value of Object.values(node)) rememberConfiguredSecrets(value, config, depth + 1);
}

export function loadConfig(file: string): LoadedConfig {
  let text: string;
  try {
    text = readFileSync(file, 'utf8');
  } catch (err) {
    throw new ConfigError(file, [`cannot read the file (${(err as NodeJS.ErrnoException).code ?? String(err)}); set DUTYDESK_CONFIG or --config to a readable YAML file`]);
  }
  const doc = parseDocument(text, { prettyErrors: true });
  if (doc.errors.length) throw new ConfigError(file, doc.errors.map((e) => `YAML syntax: ${e.message.split('\n')[0]}`));
  return parseConfig(doc.toJS(), file);
}

/** The config file named by --config, else $DUTYDESK_CONFIG, else the demo inventory. */
export function configPathFromEnv(argv: string[] = process.argv, env: NodeJS.ProcessEnv = process.env): string {
  const flag = argv.findIndex((a) => a === '--config');
  if (flag >= 0 && argv[flag + 1]) return argv[flag + 1];
  const inline = argv.find((a) => a.startsWith('--config='));
  if (inline) return inline.slice('--config='.length);
  return env.DUTYDESK_CONFIG ?? path.join(__dirname, 'demo.yaml');
}

/** The web console's token: gateway.consoleToken, else $DUTYDESK_CONSOLE_TOKEN; "" when neither is set. */
export function consoleToken(config: Pick<LoadedConfig, 'source' | 'gateway'>, env: NodeJS.ProcessEnv = process.env): string {
  const token = config.gateway.consoleToken ? readSecret(config.gateway.consoleToken, config, env).trim() : (env.DUTYDESK_CONSOLE_TOKEN ?? '');
  if (token) rememberSecret(token);
  return token;
}

/** Reads a secret at the moment it is needed; the value is never logged or passed to a workflow. */
export function readSecret(ref: SecretRef, config: Pick<LoadedConfig, 'source'>, env: NodeJS.ProcessEnv = process.env): string {
  if (ref.env) {
    const value = env[ref.env];
    if (!value) throw new Error(`secret environment variable ${ref.env} is not set`);
    rememberSecret(value);
    return value;
  }
  const file = path.resolve(path.dirname(config.source), ref.file as string);
  try {
    const value = readFileSync(file, 'utf8');
    rememberSecret(value);
    return value;
  } catch (err) {
    throw new Error(`cannot read secret file ${file} (${(err as NodeJS.ErrnoException).code ?? 'error'})`);
  }
}
