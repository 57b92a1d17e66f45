/**
 * Heap and thread dumps: how a Java service's process is found on its host
 * and where its dumps go, and where the worker keeps them and hands them over.
 */
import path from 'node:path';
import { z } from 'zod';
import { compileRedactions } from '../lib/redact';
import { duration, secretRef, size } from './schema-parts';

/** Per service: `java:` makes it dumpable. */
export const javaServiceSchema = z
  .object({
    /** Regular expression matched against the full command line (pgrep -f), e.g. "-jar /opt/shop/shop.jar". */
    match: z.string().min(1).optional(),
    /** systemd unit whose main process is the JVM (instead of match). */
    unit: z.string().min(1).optional(),
    /** The process's user; jcmd runs as it (sudo -n -u) when it is not the SSH user. */
    user: z.string().min(1).optional(),
    /** Folder on the host where dumps are written (created if missing). */
    dumpDir: z.string().min(1).default('/var/tmp/dutydesk-dumps'),
    /** Free space to leave on that filesystem after the dump. */
    reserve: size.default('1GiB'),
    /** The dump is assumed to need the used heap times this. */
    safetyFactor: z.number().min(1).max(10).default(1.2),
    /** jcmd on the host (a full path when it is not on the PATH). */
    jcmd: z.string().min(1).default('jcmd'),
    threadDumps: z
      .object({ count: z.number().int().min(1).max(60).default(3), interval: duration.default('5s') })
      .strict()
      .default({}),
    /** Remove the files from the host once fetched and checked. */
    removeAfterFetch: z.boolean().default(true),
  })
  .strict()
  .refine((j) => Boolean(j.match) !== Boolean(j.unit), { message: 'give exactly one of "match" (a command-line pattern) or "unit" (a systemd unit)' });
export type JavaServiceConfig = z.infer<typeof javaServiceSchema>;

const redactPattern = z
  .string()
  .min(1)
  .max(1000)
  .superRefine((pattern, ctx) => {
    try {
      compileRedactions([pattern]);
    } catch (err) {
      ctx.addIssue({ code: z.ZodIssueCode.custom, message: `not a regular expression: ${(err as Error).message}` });
    }
  });

const defaultDir = () => path.join(process.env.DUTYDESK_DATA_DIR ?? '.data', 'dumps');

export const dumpsSchema = z
  .object({
    /** Where the worker keeps fetched dumps and the gateway serves links from (a shared volume in docker-compose). */
    dir: z.string().min(1).default(defaultDir),
    /** Local copies older than this are deleted. */
    retention: duration.default('7d'),
    /** Files up to this size go into the chat as documents; bigger ones as a link. */
    chatFileLimit: size.default('20MiB'),
    /** How long a download link works. */
    linkTtl: duration.default('24h'),
    /** Signs download links; without it, big dumps are only kept on the worker. */
    linkSecret: secretRef.optional(),
    /** The gateway's address as people's browsers reach it, for links (default: http://<gateway.intakeListen or gateway.listen>). */
    publicUrl: z.string().url().optional(),
    /**
     * More secrets to hide in JVM command lines shown in chat and kept in run
     * history (beyond -D…password=… and the like): regular expressions, matched
     * case-insensitively; a match becomes ***, or only what its groups capture.
     */
    redact: z.array(redactPattern).max(100).default([]),
  })
  .strict();
export type DumpsConfig = z.infer<typeof dumpsSchema>;
