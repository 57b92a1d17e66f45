/**
 * What a dump activity may touch, resolved from the worker's own
 * configuration by host and service name: the JVM to look for, jcmd, the user
 * it runs as, the dump folder. A run's input is hostile: unknown names,
 * changed settings, other paths or users are refused (NotInConfiguration)
 * and nothing runs on the host.
 */
import { Context } from '@temporalio/activity';
import { configuredHost, NotInConfiguration } from '../../config/inventory';
import { configuredJava, dumpPlanId } from '../../config/dump-plan';
import type { DutydeskConfig } from '../../config/schema';
import { dumpWorkflowId, type DumpTargetInput, type JavaTarget } from '../../workflows/dump/definitions';
import { requireCaller } from '../hosts/from-config';

export interface ResolvedDump {
  host: string;
  service: string;
  java: JavaTarget;
}

/** Settings that decide what runs on the host: a run started before must carry exactly the configured ones. */
const COMMAND_FIELDS = ['match', 'unit', 'runAs', 'dumpDir', 'jcmd'] as const;

/**
 * The dump a run names, from the configuration. `anyPlan`: for removing its files, which must go even when
 * the configuration changed during a long dump (the paths are still checked to be dump files in the dump folder).
 */
export function dumpFromConfig(config: DutydeskConfig, input: DumpTargetInput, { anyPlan = false } = {}): ResolvedDump {
  if (typeof input !== 'object' || input === null) throw new NotInConfiguration('the dump target is missing');
  const host = input.host;
  configuredHost(config, host);
  // Runs started before named no service in their activities: their workflow id does (dump-<host>-<service>).
  const workflowId = Context.current().info.workflowExecution?.workflowId ?? '';
  const prefix = dumpWorkflowId(host, '');
  const service: unknown = input.service ?? (workflowId.startsWith(prefix) ? workflowId.slice(prefix.length) : undefined);
  if (typeof service !== 'string') throw new NotInConfiguration(`no service of ${host} is named for this dump`);
  const java = configuredJava(config, host, service);
  requireCaller('dumpWorkflow', dumpWorkflowId(host, service));
  // Runs started before this worker version carry no plan (and, for removals, no java settings): what they
  // touch is still checked against the configuration below (paths in the dump folder, the configured user).
  if (input.planId !== undefined && !anyPlan) {
    const now = dumpPlanId(config, host, service);
    if (input.planId !== now) throw new NotInConfiguration(`the java settings of ${service} on ${host} are not the ones this dump was asked with (plan ${JSON.stringify(input.planId)}, now ${now}); ask for the dump again`);
  }
  if (input.java !== undefined && !anyPlan) {
    const given = (typeof input.java === 'object' && input.java !== null ? input.java : {}) as Partial<JavaTarget>;
    const differ = COMMAND_FIELDS.filter((f) => given[f] !== java[f]);
    if (differ.length) throw new NotInConfiguration(`the java settings of this run (${differ.join(', ')}) are not the configured ones of ${service} on ${host}; ask for the dump again`);
  }
  return { host, service, java };
}

const escape = (s: string) => s.replace(/[.*+?^${}()|[\]\\]/g, '\\$&');

/** The files a dump of the service writes: <service>-<host>-<yyyymmdd-hhmmss>.hprof or .threads.txt, maybe gzipped. */
export function isDumpFileName(target: ResolvedDump, name: unknown): name is string {
  const re = new RegExp(`^${escape(target.service)}-${escape(target.host)}-\\d{8}-\\d{6}\\.(?:hprof|threads\\.txt)(?:\\.gz)?$`);
  return typeof name === 'string' && re.test(name);
}

/**
 * A dump file's path on the host, in the configured dump folder: from its
 * name, or (runs started before) the full path the run carries, which must
 * be exactly such a file in that folder.
 */
export function dumpFileOnHost(target: ResolvedDump, input: { file?: unknown; remotePath?: unknown }): string {
  const { dumpDir } = target.java;
  if (input.file !== undefined) {
    if (!isDumpFileName(target, input.file)) throw new NotInConfiguration(`${JSON.stringify(input.file)} is not a dump file name of ${target.service} on ${target.host}`);
    return `${dumpDir}/${input.file}`;
  }
  const remote = input.remotePath;
  const name = typeof remote === 'string' ? remote.slice(remote.lastIndexOf('/') + 1) : undefined;
  if (typeof remote !== 'string' || !isDumpFileName(target, name) || remote !== `${dumpDir}/${name}`) {
    throw new NotInConfiguration(`${JSON.stringify(remote)} is not a dump file of ${target.service} in its configured dump folder ${dumpDir} on ${target.host}`);
  }
  return remote;
}

/** Runs started before name the user to remove files as: it must be the configured one. */
export function requireRunAs(target: ResolvedDump, runAs: unknown): void {
  if (runAs !== target.java.runAs) throw new NotInConfiguration(`files of ${target.service} on ${target.host} are removed as the configured user, not ${JSON.stringify(runAs)}`);
}

/** A process id from a run: a positive integer, nothing a shell could read as more. */
export function requirePid(pid: unknown): number {
  if (typeof pid !== 'number' || !Number.isSafeInteger(pid) || pid <= 0) throw new NotInConfiguration(`${JSON.stringify(pid)} is not a process id`);
  return pid;
}
