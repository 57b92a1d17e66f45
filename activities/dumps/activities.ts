/**
 * Dump activities, on the hosts queue: find the JVM, check the disk before
 * anything is written, take the dump with the JDK's own jcmd as the
 * process's user, fetch it over SFTP and check its SHA-256, remove it from
 * the host, hand it over in chat (a document, or a signed link when too big).
 * The JVM, jcmd, the user and the folder come from the worker's own
 * configuration by host and service name (from-config.ts), never from the
 * run's input. Refusals (no process, no space, no jcmd) fail at once with a
 * message for the user; lost connections are retried. Command lines are
 * shown without their secrets (lib/redact.ts and dumps.redact).
 */
import { createHash } from 'node:crypto';
import { createReadStream } from 'node:fs';
import { mkdir, rename, rm, stat } from 'node:fs/promises';
import path from 'node:path';
import { Context } from '@temporalio/activity';
import { ApplicationFailure } from '@temporalio/common';
import type { Client } from '@temporalio/client';
import { NotInConfiguration } from '../../config/inventory';
import { readSecret, type LoadedConfig } from '../../config/load';
import { t } from '../../lib/i18n';
import { renderDumpHandOver, renderDumpProgress } from '../../lib/messages/dumps';
import { compileRedactions, redactSecrets } from '../../lib/redact';
import { formatSize } from '../../lib/size';
import { signedDumpUrl } from '../../lib/signed-link';
import { runLink } from '../../lib/temporal-ui';
import type { DumpKind, DumpProgress, DumpRequest, DumpTargetInput, FetchedDump, FoundProcess } from '../../workflows/dump/definitions';
import { enqueueChatMessage, fileLimit } from '../chat/outbox-client';
import type { HostExecutors } from '../hosts/executors';
import { configured } from '../hosts/from-config';
import { withHeartbeat } from '../heartbeat';
import { asUser, shellQuote } from '../hosts/shell';
import { SshAccessDenied } from '../hosts/ssh-executor';
import { reportFailure } from '../failures/report';
import { pruneOlderThan } from '../storage/prune';
import { dumpRecipientRefusal } from '../../config/dump-plan';
import { dumpFileOnHost, dumpFromConfig, isDumpFileName, requirePid, requireRunAs, type ResolvedDump } from './from-config';
import { matchingProcesses, parseDfAvailable, parseHeapUsed, parseProcessTable } from './jvm-probe';

export interface DumpActivityDeps {
  config: LoadedConfig;
  executors: HostExecutors;
  client: Client;
}

/** Characters of `ps` output read when looking for the JVM. */
const PROCESS_TABLE_LIMIT = 16 * 1024 * 1024;

/** Room a thread dump series is given in the disk check (they are small). */
const THREAD_DUMP_BYTES = 4 * 1024 * 1024;

/** Where a dump file is: its name (new runs) or, in runs started before, its full path. */
type FileInput = { file?: string; remotePath?: string };

async function sha256Of(file: string): Promise<string> {
  const hash = createHash('sha256');
  for await (const chunk of createReadStream(file)) hash.update(chunk as Buffer);
  return hash.digest('hex');
}

export function createDumpActivities({ config, executors, client }: DumpActivityDeps) {
  const secrets = compileRedactions(config.dumps.redact);
  const hide = (text: string) => redactSecrets(text, secrets);
  const refused = (message: string): never => {
    throw ApplicationFailure.nonRetryable(hide(message), 'DumpRefused');
  };
  const run = async (host: string, command: string, timeoutMs: number, signal?: AbortSignal, stdoutLimit?: number) => {
    try {
      return await executors.for(host).exec(command, { timeoutMs, signal, stdoutLimit });
    } catch (err) {
      // A wrong host key or a refused login: retrying cannot help.
      if (err instanceof SshAccessDenied) refused(err.message);
      throw err;
    }
  };
  const firstLine = (text: string) => text.trim().split('\n').pop() ?? '';
  const target = (activity: string, input: DumpTargetInput, options?: { anyPlan?: boolean }) => configured(activity, () => dumpFromConfig(config, input, options));
  const lang = (language: unknown) => (typeof language === 'string' ? language : 'en');

  /** The pid a run names must still be the service's JVM (it may have restarted, or the run may name another). */
  async function confirmProcess(where: ResolvedDump, pidInput: unknown, language: string): Promise<number> {
    const pid = configured('confirmProcess', () => requirePid(pidInput));
    const { host, service, java } = where;
    if (java.unit) {
      const r = await run(host, `systemctl show -p MainPID --value ${shellQuote(java.unit)}`, 30_000);
      if (r.code === 0 && Number(r.stdout.trim()) === pid) return pid;
    } else {
      const r = await run(host, `ps -o pid=,user=,args= -p ${pid}`, 30_000);
      if (r.code === 0 && matchingProcesses(parseProcessTable(r.stdout), java.match as string, []).length === 1) return pid;
    }
    return refused(t(language, 'dump.processGone', { pid, host, service }));
  }

  /** What a dump's taking needs, resolved and checked: the target, the reader's language, the file on the host (and quoted), the live pid. */
  async function dumpToTake(activity: string, input: DumpTargetInput & FileInput & { pid: number; language: string }) {
    const where = target(activity, input);
    const language = lang(input.language);
    const remotePath = configured(activity, () => dumpFileOnHost(where, input));
    const pid = await confirmProcess(where, input.pid, language);
    return { ...where, language, remotePath, file: shellQuote(remotePath), pid };
  }

  return {
    /** The service's JVM: by systemd unit, or by its command line; none or several is said with what was found. */
    async findJavaProcess(input: DumpTargetInput & { language: string }): Promise<FoundProcess> {
      const where = target('findJavaProcess', input);
      const { host, java } = where;
      const language = lang(input.language);
      const shown = (p: FoundProcess): FoundProcess => ({ ...p, command: hide(p.command) });
      if (java.unit) {
        const r = await run(host, `pid=$(systemctl show -p MainPID --value ${shellQuote(java.unit)}) && [ "$pid" != 0 ] && ps -o pid=,user=,args= -p "$pid"`, 30_000);
        const [found] = parseProcessTable(r.stdout);
        if (r.code !== 0 || !found) refused(t(language, 'dump.noUnitProcess', { unit: java.unit, host }));
        return shown(found);
      }
      // The whole process table: a busy host's runs to hundreds of kilobytes.
      const r = await run(host, 'echo $$; ps -eo pid=,user=,args=', 30_000, undefined, PROCESS_TABLE_LIMIT);
      if (r.code !== 0) throw new Error(`ps failed on ${host}: ${firstLine(r.stderr)}`);
      const [own, ...rest] = r.stdout.split('\n');
      const found = matchingProcesses(parseProcessTable(rest.join('\n')), java.match as string, [Number(own)]);
      if (found.length === 0) refused(t(language, 'dump.noProcess', { host, match: java.match as string }));
      if (found.length > 1) {
        const list = found.map((p) => `${p.pid} ${p.user} ${hide(p.command).slice(0, 120)}`).join('\n');
        refused(t(language, 'dump.severalProcesses', { host, count: found.length, match: java.match as string, list }));
      }
      return shown(found[0]);
    },

    /** Before anything is written: the dump must fit and leave the reserve free. */
    async checkDumpSpace(input: DumpTargetInput & { pid: number; kind: DumpKind; language: string }): Promise<{ free: number; needed: number; summary: string }> {
      const where = target('checkDumpSpace', input);
      const { host, java } = where;
      const language = lang(input.language);
      if (input.kind !== 'heap' && input.kind !== 'threads') refused(`unknown dump kind ${JSON.stringify(input.kind)}`);
      const pid = await confirmProcess(where, input.pid, language);
      let dumpBytes = THREAD_DUMP_BYTES * java.threadCount;
      if (input.kind === 'heap') {
        const info = await run(host, asUser(`${java.jcmd} ${pid} GC.heap_info`, java.runAs), 60_000);
        const used = parseHeapUsed(info.stdout);
        if (info.code !== 0 || used === undefined) refused(t(language, 'dump.jcmdFailed', { host, pid, error: firstLine(info.stdout + '\n' + info.stderr) }));
        dumpBytes = Math.ceil((used as number) * java.safetyFactor);
      }
      const df = await run(host, asUser(`mkdir -p ${shellQuote(java.dumpDir)} && df -Pk ${shellQuote(java.dumpDir)}`, java.runAs), 30_000);
      const free = parseDfAvailable(df.stdout);
      if (df.code !== 0 || free === undefined) refused(t(language, 'dump.noDumpDir', { host, dir: java.dumpDir, error: firstLine(df.stderr) }));
      const needed = dumpBytes + java.reserveBytes;
      const vars = { host, dir: java.dumpDir, free: formatSize(free as number), needed: formatSize(needed), dump: formatSize(dumpBytes), reserve: formatSize(java.reserveBytes) };
      if ((free as number) < needed) refused(t(language, 'dump.noSpace', vars));
      return { free: free as number, needed, summary: t(language, 'dump.spaceOk', vars) };
    },

    /** jcmd GC.heap_dump as the process's user, then gzip; returns the file and its SHA-256 on the host. */
    async takeHeapDump(input: DumpTargetInput & FileInput & { pid: number; language: string }): Promise<{ path: string; size: number; sha256: string }> {
      const { host, java, language, remotePath, file, pid } = await dumpToTake('takeHeapDump', input);
      // A retry starts clean: jcmd refuses to overwrite a file.
      const command = `umask 022 && rm -f ${file} ${file}.gz && ${java.jcmd} ${pid} GC.heap_dump ${file} && gzip -1 ${file} && sha256sum ${file}.gz && stat -c %s ${file}.gz`;
      return withHeartbeat(async (signal) => {
        const r = await run(host, asUser(command, java.runAs), 2 * 3_600_000, signal);
        if (r.code !== 0) refused(t(language, 'dump.jcmdFailed', { host, pid, error: firstLine(r.stdout + '\n' + r.stderr) }));
        return hashed(`${remotePath}.gz`, r.stdout);
      });
    },

    /**
     * N thread dumps (jcmd Thread.print -l) at the interval, one file as a timeline, gzipped.
     * Each heartbeat carries the next dump's number and the file's size before it, so a retry
     * after a worker crash cuts off a dump cut short and goes on from there, and one after the
     * gzip takes the .gz as it is: nothing twice in the timeline, no jcmd run again for it.
     */
    async takeThreadDumps(input: DumpTargetInput & FileInput & { pid: number; language: string }): Promise<{ path: string; size: number; sha256: string }> {
      const { host, java, language, remotePath, file, pid } = await dumpToTake('takeThreadDumps', input);
      const ctx = Context.current();
      const resumed = threadSeriesFrom(ctx.info.heartbeatDetails);
      let next = resumed?.next ?? 1;
      let bytes = resumed?.bytes;
      if (resumed) {
        // Compressed already (the worker died after gzip): only the hashing is left. Else cut what the dump in flight wrote.
        const cut = bytes === undefined ? '' : ` && truncate -s ${bytes} ${file}`;
        const r = await run(host, asUser(`if [ -f ${file}.gz ] && [ ! -f ${file} ]; then echo gzipped; elif [ -f ${file} ]; then :${cut} && echo resumed; else echo gone; fi`, java.runAs), 30_000);
        if (r.code !== 0) throw new Error(`the thread dumps on ${host} cannot be resumed: ${firstLine(r.stderr)}`);
        if (r.stdout.trim() === 'gzipped') next = java.threadCount + 1;
        if (r.stdout.trim() === 'gone') next = 0; // someone removed the file: the series starts over
      }
      if (!resumed || next === 0) {
        const r = await run(host, asUser(`umask 022 && rm -f ${file} ${file}.gz && : > ${file}`, java.runAs), 30_000);
        if (r.code !== 0) refused(t(language, 'dump.noDumpDir', { host, dir: java.dumpDir, error: firstLine(r.stderr) }));
        [next, bytes] = [1, 0];
      }
      const beat = () => ctx.heartbeat({ next, bytes } satisfies ThreadSeries);
      beat();
      for (; next <= java.threadCount; next++) {
        const n = next;
        if (n > 1) await pause(java.threadIntervalMs, beat, ctx.cancellationSignal);
        const header = `===== dutydesk thread dump ${n}/${java.threadCount} of PID ${pid} at $(date -u +%Y-%m-%dT%H:%M:%SZ) =====`;
        // Heartbeats while jcmd runs (up to 2 min): silence would be taken for a dead worker, and a retry would run beside it.
        const beating = setInterval(beat, 1000);
        const r = await run(host, asUser(`echo "${header}" >> ${file} && ${java.jcmd} ${pid} Thread.print -l >> ${file} && stat -c %s ${file}`, java.runAs), 120_000, ctx.cancellationSignal).finally(() =>
          clearInterval(beating),
        );
        if (r.code !== 0) refused(t(language, 'dump.jcmdFailed', { host, pid, error: firstLine(r.stdout + '\n' + r.stderr) }));
        const size = Number(r.stdout.trim().split('\n').pop());
        bytes = Number.isSafeInteger(size) ? size : undefined;
        ctx.heartbeat({ next: n + 1, bytes } satisfies ThreadSeries);
      }
      // gzip only what is not gzipped yet: a worker that died after gzip left the .gz, which a retry then takes as it is.
      const r = await withHeartbeat(() => run(host, asUser(`{ [ ! -f ${file} ] || gzip -1 -f ${file}; } && sha256sum ${file}.gz && stat -c %s ${file}.gz`, java.runAs), 300_000), () => ({ next, bytes }));
      if (r.code !== 0) throw new Error(`gzip failed on ${host}: ${firstLine(r.stderr)}`);
      return hashed(`${remotePath}.gz`, r.stdout);
    },

    /** Over SFTP into dumps.dir, written as .part and renamed once its SHA-256 matches the host's. */
    async fetchDump(input: DumpTargetInput & FileInput & { name?: string; expectedSha256: string }): Promise<FetchedDump> {
      const where = target('fetchDump', input);
      const remotePath = configured('fetchDump', () => dumpFileOnHost(where, input));
      if (typeof input.expectedSha256 !== 'string' || !/^[0-9a-f]{64}$/.test(input.expectedSha256)) refused(`${JSON.stringify(input.expectedSha256)} is not a SHA-256`);
      const name = remotePath.slice(remotePath.lastIndexOf('/') + 1);
      const dir = config.dumps.dir;
      await mkdir(dir, { recursive: true });
      const localPath = path.join(dir, name);
      const partial = `${localPath}.part`;
      return withHeartbeat(async (signal) => {
        const started = Date.now();
        try {
          await executors.for(where.host).download(remotePath, partial, { signal });
        } catch (err) {
          if (err instanceof SshAccessDenied) refused(err.message);
          throw err;
        }
        const transferMs = Date.now() - started;
        const sha256 = await sha256Of(partial);
        if (sha256 !== input.expectedSha256) {
          await rm(partial, { force: true });
          throw new Error(`the copy of ${name} does not match the host's SHA-256 (${sha256.slice(0, 12)}… ≠ ${input.expectedSha256.slice(0, 12)}…); fetching again`);
        }
        await rename(partial, localPath);
        return { localPath, name, size: (await stat(localPath)).size, sha256, transferMs };
      });
    },

    /** The dump's files on the host (its name, and gzipped), as the configured user; runs started before name the paths. */
    async removeHostFiles(input: DumpTargetInput & { file?: string; paths?: string[]; runAs?: string }): Promise<void> {
      const where = target('removeHostFiles', input, { anyPlan: true });
      const paths = configured('removeHostFiles', () => {
        if (input.file !== undefined) return [dumpFileOnHost(where, input), dumpFileOnHost(where, { file: `${input.file}.gz` })];
        requireRunAs(where, input.runAs);
        if (!Array.isArray(input.paths)) throw new NotInConfiguration('no files are named to remove');
        return input.paths.map((remotePath) => dumpFileOnHost(where, { remotePath }));
      });
      const r = await run(where.host, asUser(`rm -f ${paths.map(shellQuote).join(' ')}`, where.java.runAs), 60_000);
      if (r.code !== 0) throw new Error(`could not remove ${paths.join(', ')} on ${where.host}: ${firstLine(r.stderr)}`);
    },

    /** Small files as a document in the chat; bigger ones as an expiring signed link (or where they are kept). */
    async handOverDump(input: { request: DumpRequest; fetched: FetchedDump; workflowId: string; runId: string }): Promise<void> {
      const { request } = input;
      // Only the dump workflow of a configured service hands over, and only a dump file of that service that
      // fetchDump put in dumps.dir; its name and size are the file's own, not what the run says.
      const local = configured('handOverDump', () => {
        const where = dumpFromConfig(config, { host: request?.host, service: request?.service });
        const file = path.resolve(String(input.fetched?.localPath));
        if (file !== path.resolve(config.dumps.dir, path.basename(file)) || !isDumpFileName(where, path.basename(file))) {
          throw new NotInConfiguration(`${JSON.stringify(input.fetched?.localPath)} is not a dump file of ${where.service} on ${where.host} in dumps.dir`);
        }
        if (!/^[0-9a-f]{64}$/.test(String(input.fetched?.sha256))) throw new NotInConfiguration('the dump carries no SHA-256 of its own');
        const refusal = dumpRecipientRefusal(config, where.host, request.requestedBy?.id, request.chat);
        if (refusal) throw new NotInConfiguration(refusal);
        return file;
      });
      const fetched: FetchedDump = { ...input.fetched, localPath: local, name: path.basename(local), size: (await stat(local)).size };
      const limit = Math.min(config.dumps.chatFileLimit, fileLimit(request.chat.platform));
      const expires = Date.now() + config.dumps.linkTtl;
      const secret = config.dumps.linkSecret ? readSecret(config.dumps.linkSecret, config).trim() : undefined;
      const base = config.dumps.publicUrl ?? `http://${(config.gateway.intakeListen ?? config.gateway.listen).replace(/^0\.0\.0\.0:/, '127.0.0.1:')}`;
      const link = fetched.size > limit && secret ? signedDumpUrl(base, fetched.name, expires, secret) : undefined;
      const message = renderDumpHandOver(request, fetched, { language: request.language, limit, link, expires });
      // Every dump of a service shares its workflow id: the run tells this hand-over from the last one.
      await enqueueChatMessage(client, request.chat, { key: `${input.workflowId}/${input.runId}/handover`, mode: 'new', message });
      // Local copies older than the retention go (the gateway's links to them then answer 404).
      await pruneOlderThan(config.dumps.dir, config.dumps.retention);
    },

    async publishDumpProgress({ progress }: { progress: DumpProgress }): Promise<void> {
      const runUrl = runLink(config.temporal.uiUrl, config.temporal.namespace, progress.workflowId, progress.runId);
      const message = renderDumpProgress(progress, { language: progress.request.language, runUrl, now: Date.now() });
      await enqueueChatMessage(client, progress.request.chat, { key: `${progress.workflowId}/${progress.runId}/progress`, mode: 'upsert', message });
      // The last publish of a failed dump: reported once per run (a retry of this activity counts it again).
      if (progress.phase === 'failed' && progress.finishedAt) {
        const step = progress.steps?.find((s) => s.state === 'failed')?.name;
        const { host, service, requestedBy } = progress.request;
        await reportFailure(client, config, { source: 'dump', workflowType: 'dumpWorkflow', step, error: new Error(progress.error ?? 'the dump failed'), subject: `${host} ${service}`, person: requestedBy, runUrl });
      }
    },
  };
}

/** Where a thread dump series is: the next dump to take, and the file's size before it. */
interface ThreadSeries {
  next: number;
  bytes?: number;
}

/** The series an earlier attempt heartbeated; runs started before heartbeated just the number. */
function threadSeriesFrom(details: unknown): ThreadSeries | undefined {
  if (typeof details === 'number' && Number.isSafeInteger(details) && details >= 1) return { next: details };
  if (typeof details !== 'object' || details === null) return undefined;
  const { next, bytes } = details as Record<string, unknown>;
  if (typeof next !== 'number' || !Number.isSafeInteger(next) || next < 1) return undefined;
  return { next, bytes: typeof bytes === 'number' && Number.isSafeInteger(bytes) && bytes >= 0 ? bytes : undefined };
}

/** Waits, heartbeating every second so a long interval is not taken for a dead worker. */
async function pause(ms: number, beat: () => void, signal: AbortSignal): Promise<void> {
  const until = Date.now() + ms;
  while (Date.now() < until) {
    signal.throwIfAborted();
    beat();
    await new Promise((r) => setTimeout(r, Math.min(1000, until - Date.now())));
  }
}

/** "<sha256>  <file>" then the size, as printed by sha256sum and stat. */
function hashed(file: string, stdout: string): { path: string; size: number; sha256: string } {
  const lines = stdout.trim().split('\n');
  const sha256 = /^([0-9a-f]{64})\s/.exec(lines[lines.length - 2] ?? '')?.[1];
  const size = Number(lines[lines.length - 1]);
  if (!sha256 || !Number.isFinite(size)) throw new Error(`could not read the SHA-256 and size of ${file}: ${stdout.slice(-200)}`);
  return { path: file, size, sha256 };
}
