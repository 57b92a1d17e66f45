/** Value types every part of the configuration uses: durations, names, secrets. */
import { z } from 'zod';
import { parseDuration } from '../lib/duration';
import { isTimeZone } from '../lib/time-zone';
import { parseSize } from '../lib/size';

export const duration = z
  .string({ invalid_type_error: 'expected a duration such as 30s, 5m or 1h' })
  .refine((v) => parseDuration(v) !== undefined, { message: 'expected a duration such as 500ms, 30s, 5m or 1h' })
  .transform((v) => parseDuration(v) as number);

export const name = z
  .string()
  .regex(/^[A-Za-z0-9][A-Za-z0-9_.-]*$/, 'expected a name of letters, digits, ".", "_" or "-"');

/** A secret is never written in the YAML: it is read from a file or an environment variable. */
export const secretRef = z
  .object({ file: z.string().min(1).optional(), env: z.string().min(1).optional() })
  .strict()
  .refine((s) => Boolean(s.file) !== Boolean(s.env), { message: 'give exactly one of "file" or "env"' });
export type SecretRef = z.infer<typeof secretRef>;

export const timeZone = z.string().refine(isTimeZone, { message: 'expected an IANA time zone such as Europe/Madrid, America/New_York or UTC' });

export const size = z
  .union([z.string(), z.number()])
  .refine((v) => parseSize(v) !== undefined, { message: 'expected a size such as 512MiB, 2GiB or 200MB' })
  .transform((v) => parseSize(v) as number);

/** An HTTP API dutydesk calls: its base URL (no credentials in it) and an optional token (a secret). */
export const httpPeer = z
  .object({
    // A password in the URL would reach error messages, chat and history: use token instead.
    url: z
      .string()
      .url()
      .refine((u) => !new URL(u).username && !new URL(u).password, 'put no user or password in the URL: give token (a secret) instead'),
    /** Sent as "Authorization: Bearer <token>" (NetBox: "Token <token>" unless it is a v2 nbt_ token). */
    token: secretRef.optional(),
  })
  .strict();
export type HttpPeerConfig = z.infer<typeof httpPeer>;
