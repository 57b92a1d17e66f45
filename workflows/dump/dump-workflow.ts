/**
 * A heap dump or a series of thread dumps of a Java service, step by step,
 * with one chat message edited live: find the process, check the disk,
 * dump, fetch over SFTP and verify, remove from the host, hand over.
 * One run per service process (workflow id dump-<host>-<service>). A cancel
 * stops after the current step; partial files on the host are removed.
 */
import { ApplicationFailure, proxyActivities, setHandler, workflowInfo } from '@temporalio/workflow';
import type { createDumpActivities } from '../../activities/dumps/activities';
import { formatDuration } from '../../lib/duration';
import { rootMessage } from '../../lib/failure';
import { formatSize } from '../../lib/size';
import { TASK_QUEUES } from '../../workers/task-queues';
import type { Person } from '../restart/definitions';
import { cancelDumpSignal, dumpProgressQuery, type DumpProgress, type DumpRequest, type FetchedDump } from './definitions';

type DumpActivities = ReturnType<typeof createDumpActivities>;

/** Short host commands: a lost connection is retried a few times. */
const probe = proxyActivities<DumpActivities>({
  taskQueue: TASK_QUEUES.hosts,
  startToCloseTimeout: '2m',
  heartbeatTimeout: '20s',
  retry: { initialInterval: '1s', maximumAttempts: 4, nonRetryableErrorTypes: ['DumpRefused'] },
});
/** Dumps and transfers take as long as the heap is big; a dead worker is noticed by its heartbeat. */
const heavy = proxyActivities<DumpActivities>({
  taskQueue: TASK_QUEUES.hosts,
  startToCloseTimeout: '2h',
  heartbeatTimeout: '30s',
  retry: { initialInterval: '2s', maximumAttempts: 3, nonRetryableErrorTypes: ['DumpRefused'] },
});
const chat = proxyActivities<DumpActivities>({
  taskQueue: TASK_QUEUES.hosts,
  startToCloseTimeout: '30s',
  retry: { initialInterval: '1s', maximumInterval: '30s' },
});

class Cancelled extends Error {}

/** "1.0 GiB in 4.3 s (240 MiB/s)": how the transfer went. */
function transferDetail(f: FetchedDump): string | undefined {
  if (!f.transferMs) return undefined;
  return `${formatSize(f.size)} in ${formatDuration(f.transferMs)} (${Math.round(f.size / 1024 ** 2 / (f.transferMs / 1000))} MiB/s)`;
}

/** 2026-11-25T10:42:07.123Z → 20261125-104207: sortable, safe in file names. */
function stamp(ms: number): string {
  return new Date(ms).toISOString().replace(/[-:]/g, '').replace('T', '-').slice(0, 15);
}

export async function dumpWorkflow(request: DumpRequest): Promise<DumpProgress> {
  const { workflowId, runId } = workflowInfo();
  const { host, service, kind, java } = request;
  const steps = ['find', 'space', kind === 'heap' ? 'heap' : 'threads', 'fetch', ...(java.removeAfterFetch ? ['cleanup'] : []), 'handover'];
  const progress: DumpProgress = {
    workflowId,
    runId,
    request,
    requestedAt: Date.now(),
    steps: steps.map((name) => ({ name, title: name, state: 'pending' })),
    phase: 'running',
  };
  const publish = () => chat.publishDumpProgress({ progress });
  setHandler(dumpProgressQuery, () => progress);
  setHandler(cancelDumpSignal, (by: Person) => {
    if (progress.phase !== 'running' || progress.cancelledBy) return;
    progress.cancelledBy = by;
    void publish();
  });

  async function step<T>(name: string, work: () => Promise<T>, detail?: (result: T) => string | undefined): Promise<T> {
    if (progress.cancelledBy) throw new Cancelled();
    const s = progress.steps.find((x) => x.name === name)!;
    s.state = 'running';
    s.startedAt = Date.now();
    await publish();
    try {
      const result = await work();
      s.state = 'done';
      s.detail = detail?.(result);
      return result;
    } catch (err) {
      s.state = 'failed';
      s.detail = rootMessage(err);
      throw err;
    } finally {
      s.finishedAt = Date.now();
    }
  }

  const file = `${service}-${host}-${stamp(Date.now())}.${kind === 'heap' ? 'hprof' : 'threads.txt'}`;
  // The hosts worker resolves the JVM, jcmd, user and folder from its own
  // configuration by name. Runs started before that carry no planId but the
  // java settings and paths, which they keep sending: the worker does them
  // only when they are the configured ones. The same activities run in the
  // same order either way (only inputs differ), so no `patched` is needed.
  const legacy = !request.planId;
  const target = legacy ? { host, java } : { host, service, planId: request.planId };
  const remote = `${java.dumpDir}/${file}`;
  const where = (name: string) => (legacy ? { remotePath: `${java.dumpDir}/${name}` } : { file: name });
  // Everything the dump step may leave on the host, removed after fetching or on failure.
  const removeAll = () => probe.removeHostFiles(legacy ? { host, paths: [remote, `${remote}.gz`], runAs: java.runAs } : { ...target, file });
  try {
    const found = await step('find', () => probe.findJavaProcess({ ...target, language: request.language }), (p) => `PID ${p.pid} (${p.user})`);
    progress.process = found;
    await step('space', () => probe.checkDumpSpace({ ...target, pid: found.pid, kind, language: request.language }), (s) => s.summary);
    const args = { ...target, ...where(file), pid: found.pid, language: request.language };
    const dumped = await step(kind === 'heap' ? 'heap' : 'threads', () => (kind === 'heap' ? heavy.takeHeapDump(args) : heavy.takeThreadDumps(args)));
    const name = dumped.path.split('/').pop() as string;
    const fetched = await step('fetch', () => heavy.fetchDump({ ...target, ...where(name), name, expectedSha256: dumped.sha256 }), transferDetail);
    progress.fetched = fetched;
    if (java.removeAfterFetch) await step('cleanup', removeAll);
    await step('handover', () => chat.handOverDump({ request, fetched, workflowId, runId }));
    progress.phase = 'done';
  } catch (err) {
    progress.phase = err instanceof Cancelled || progress.cancelledBy ? 'cancelled' : 'failed';
    if (progress.phase === 'failed') progress.error = rootMessage(err);
    // Nothing half-done stays on the host.
    await removeAll().catch(() => undefined);
  }
  progress.finishedAt = Date.now();
  await publish();
  if (progress.phase === 'failed') throw ApplicationFailure.nonRetryable(progress.error ?? 'the dump failed', 'DumpFailed');
  return progress;
}
