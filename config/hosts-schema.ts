/**
 * The inventory: hosts, their services and restart steps, how the worker
 * reaches them over SSH, and how it knows it reached the real host (its host
 * key). The worker runs only what is written here.
 */
import path from 'node:path';
import { z } from 'zod';
import { duration, name, secretRef } from './schema-parts';
import { javaServiceSchema } from './dumps-schema';

const stepCommon = {
  name,
  title: z.string().optional(),
  timeout: duration.optional(),
  /** How many times to re-run the step's check or command when it fails before the step fails. */
  retries: z.number().int().min(0).max(20).optional(),
};

const stepSchema = z
  .object({
    ...stepCommon,
    run: z.string().min(1).optional(),
    wait: z.string().min(1).optional(),
    /** May carry credentials (https://user:password@…, ?token=…): sent as basic auth, never shown in chat or history. */
    http: z.string().url().optional(),
    tcp: z
      .string()
      .regex(/^[^:\s]+:\d{1,5}$/, 'expected host:port')
      .optional(),
    announce: z.string().min(1).optional(),
    sleep: duration.optional(),
    chat: z.string().optional(),
    interval: duration.optional(),
    expectStatus: z.number().int().min(100).max(599).optional(),
  })
  .strict()
  .superRefine((step, ctx) => {
    const kinds = (['run', 'wait', 'http', 'tcp', 'announce', 'sleep'] as const).filter((k) => step[k] !== undefined);
    if (kinds.length !== 1) {
      ctx.addIssue({
        code: z.ZodIssueCode.custom,
        message: `a step needs exactly one of run, wait, http, tcp, announce or sleep (found ${kinds.length ? kinds.join(', ') : 'none'})`,
      });
    }
  });
export type StepConfig = z.infer<typeof stepSchema>;

const serviceSchema = z
  .object({
    title: z.string().optional(),
    steps: z.array(stepSchema).min(1, 'expected at least one step').optional(),
    /** A restart script on the host; lines "::step <name> <title>", "::done <name>", "::fail <name> <reason>" mark its steps. */
    script: z.string().min(1).optional(),
    scriptTimeout: duration.optional(),
    /** A Java service: heap and thread dumps from chat (README, "Heap and thread dumps"). */
    java: javaServiceSchema.optional(),
  })
  .strict()
  .superRefine((svc, ctx) => {
    if (Boolean(svc.steps) === Boolean(svc.script)) {
      ctx.addIssue({ code: z.ZodIssueCode.custom, message: 'a service needs either "steps" or "script" (not both)' });
    }
    const seen = new Set<string>();
    for (const [i, step] of (svc.steps ?? []).entries()) {
      if (seen.has(step.name)) {
        ctx.addIssue({ code: z.ZodIssueCode.custom, path: ['steps', i, 'name'], message: `step name "${step.name}" is used twice` });
      }
      seen.add(step.name);
    }
  });
export type ServiceConfig = z.infer<typeof serviceSchema>;

const HOST_KEY_FORMS =
  'its fingerprint "SHA256:…" (ssh-keygen -lf /etc/ssh/ssh_host_ed25519_key.pub on the host), ' +
  '{ knownHosts: <file> } (an OpenSSH known_hosts file that lists it, e.g. checked output of ssh-keyscan), ' +
  'or { trustOnFirstUse: true } (the key seen on the first connection is pinned and any other refused afterwards)';

/** The host key the worker must see, so that a machine pretending to be the host is refused. */
export type HostKeyConfig = string | { trustOnFirstUse: true } | { knownHosts: string };

const hostKeySchema = z.unknown().transform((value, ctx): HostKeyConfig => {
  if (typeof value === 'string' && /^SHA256:\S+$/.test(value)) return value;
  if (value && typeof value === 'object' && !Array.isArray(value)) {
    const keys = Object.keys(value);
    const v = value as Record<string, unknown>;
    if (keys.length === 1 && v.trustOnFirstUse === true) return { trustOnFirstUse: true };
    if (keys.length === 1 && typeof v.knownHosts === 'string' && v.knownHosts.length > 0) return { knownHosts: v.knownHosts };
  }
  ctx.addIssue({ code: z.ZodIssueCode.custom, message: `expected ${HOST_KEY_FORMS}` });
  return z.NEVER;
});

export const hostSchema = z
  .object({
    address: z.string().min(1),
    port: z.number().int().min(1).max(65535).default(22),
    user: z.string().min(1).optional(),
    /** "ssh" for real hosts; "local" runs the commands on the worker's machine (the demo inventory). */
    transport: z.enum(['ssh', 'local']).default('ssh'),
    privateKey: secretRef.optional(),
    /** Required for ssh hosts: the key the host must show (see HOST_KEY_FORMS); any other is refused. */
    hostKey: hostKeySchema.optional(),
    groups: z.array(name).default([]),
    production: z.boolean().default(false),
    services: z.record(name, serviceSchema).refine((s) => Object.keys(s).length > 0, 'expected at least one service'),
  })
  .strict()
  .superRefine((host, ctx) => {
    if (host.transport === 'ssh' && !host.user) ctx.addIssue({ code: z.ZodIssueCode.custom, path: ['user'], message: 'required for ssh hosts' });
    if (host.transport === 'ssh' && !host.privateKey) {
      ctx.addIssue({ code: z.ZodIssueCode.custom, path: ['privateKey'], message: 'required for ssh hosts: { file: /path/to/key } or { env: VAR }' });
    }
    // Without it any machine that answers on the address would be given the commands (and the login).
    if (host.transport === 'ssh' && host.hostKey === undefined) {
      ctx.addIssue({ code: z.ZodIssueCode.custom, path: ['hostKey'], message: `required for ssh hosts, so that a machine pretending to be this host is refused: give ${HOST_KEY_FORMS}` });
    }
  });
export type HostConfig = z.infer<typeof hostSchema>;

/** Settings of the worker's SSH client for every host. */
export const sshSchema = z
  .object({
    /** Where keys trusted on first use (hostKey: { trustOnFirstUse: true }) are pinned, one known_hosts file per host. */
    pinnedHostKeys: z.string().min(1).default(() => path.join(process.env.DUTYDESK_DATA_DIR ?? '.data', 'ssh-host-keys')),
  })
  .strict()
  .default({});
export type SshConfig = z.infer<typeof sshSchema>;
