/**
 * What the matrix runs and counts: a restart, a heap dump, a thread dump and a
 * 500-message burst, each with one fault injected at a chosen point. Counts
 * come from outside dutydesk: the host's own log of what ran (steps, jcmd),
 * and the chat platform's record of what it received.
 */
import { existsSync, readFileSync } from 'node:fs';
import { gunzipSync } from 'node:zlib';
import { enqueueChatMessage } from '../../../activities/chat/outbox-client';
import { waitFor } from '../../helpers/wait';
import type { TgMessage } from '../../peers/telegram-bot-api';
import { ALICE, RESTART_STEPS, type Lab } from './lab';

export type Target = 'worker' | 'gateway' | 'temporal' | 'ssh' | 'chat';
export const TARGETS: Target[] = ['worker', 'gateway', 'temporal', 'ssh', 'chat'];
export type Scenario = 'restart' | 'heap dump' | 'thread dump' | 'burst';

export interface Outcome {
  scenario: Scenario;
  point: string;
  target: Target;
  finished: boolean;
  /** Steps (or jcmd runs) that had completed on the host before the fault and ran again after it. */
  rerun: number;
  /** Times a step started while another run of it was still alive on the host. */
  overlaps: number;
  lost: number;
  /** Messages the platform got twice; `window` of them were in flight at the fault (accepted, completion lost). */
  duplicated: number;
  window: number;
  outOfOrder: number;
  seconds: number;
  note?: string;
}

/** How each fault is done: SIGKILL and start again, a cut of every SSH connection, a 3 s chat API outage. */
export const HOW: Record<Target, string> = {
  worker: 'SIGKILL, new worker process',
  gateway: 'SIGKILL, new gateway process',
  temporal: 'SIGKILL the dev server, start it on the same SQLite file',
  ssh: 'every SSH connection cut (TCP proxy)',
  chat: 'Telegram API away 3 s (connections refused), back on its port',
};

async function inject(lab: Lab, target: Target): Promise<void> {
  switch (target) {
    case 'worker':
    case 'gateway':
      await lab[target].kill();
      return lab[target].start();
    case 'temporal':
      await lab.temporal.kill();
      await new Promise((r) => setTimeout(r, 500));
      return lab.temporal.start();
    case 'ssh':
      return lab.proxy.cutNow();
    case 'chat':
      return lab.chatOutage(3000);
  }
}

interface HostLine {
  kind: 'start' | 'end' | 'overlap';
  name: string;
  pid: string;
  at: number;
}

function hostLines(lab: Lab): HostLine[] {
  if (!existsSync(lab.hostLog)) return [];
  return readFileSync(lab.hostLog, 'utf8')
    .split('\n')
    .filter(Boolean)
    .map((line) => {
      const [kind, name, pid, at] = line.split(' ');
      return { kind: kind as HostLine['kind'], name, pid, at: Number(at) };
    });
}

/**
 * Completed-before-the-fault runs of a step that ran again after it. For a
 * name that runs several times by design (jcmd in a series), `expected` says
 * how many runs the work needs: after the fault, only the ones not yet
 * completed before it may start (the one in flight among them).
 */
function reruns(lines: HostLine[], faultAt: number, expected?: Record<string, number>): number {
  let total = 0;
  for (const name of new Set(lines.filter((l) => l.kind === 'start').map((l) => l.name))) {
    const startsAfter = lines.filter((l) => l.kind === 'start' && l.name === name && l.at > faultAt).length;
    const endsBefore = lines.filter((l) => l.kind === 'end' && l.name === name && l.at <= faultAt).length;
    if (expected?.[name] !== undefined) total += Math.max(0, startsAfter - (expected[name] - endsBefore));
    else if (endsBefore) total += startsAfter;
  }
  return total;
}

const maxId = (lab: Lab, chatId: number) => Math.max(0, ...lab.api.botMessages(chatId).map((m) => m.message_id));
const since = (lab: Lab, chatId: number, id: number) => lab.api.botMessages(chatId).filter((m) => m.message_id > id);

/**
 * Each group holds the copies of what should be one message. `window`: the
 * extra copies of those whose first copy reached the platform while the fault
 * happened (the platform accepted it, and word of that was lost).
 */
function duplicates(groups: TgMessage[][], faultAt: number, recoveredAt: number): { duplicated: number; window: number } {
  let duplicated = 0;
  let window = 0;
  for (const copies of groups) {
    if (copies.length < 2) continue;
    duplicated += copies.length - 1;
    // Telegram's dates are whole seconds: the first copy's second must touch the fault's span.
    const sentAt = copies[0].date * 1000;
    if (sentAt >= faultAt - 2000 && sentAt <= recoveredAt) window += copies.length - 1;
  }
  return { duplicated, window };
}

/** Messages grouped by their text: one group per message that should be there once. */
function byText(messages: TgMessage[]): TgMessage[][] {
  const groups = new Map<string, TgMessage[]>();
  for (const m of messages) groups.set(m.text ?? '', [...(groups.get(m.text ?? '') ?? []), m]);
  return [...groups.values()];
}

/** Waits for a run of the workflow started after `after`, and returns its run id. */
async function runStartedAfter(lab: Lab, workflowId: string, after: number): Promise<string> {
  return waitFor(async () => {
    const d = await lab.client.workflow.getHandle(workflowId).describe();
    return d.startTime.getTime() >= after - 1000 && d.runId;
  }, `a new run of ${workflowId}`, 60_000);
}

async function completed(lab: Lab, workflowId: string, runId: string, timeoutMs: number): Promise<boolean> {
  return waitFor(async () => (await lab.client.workflow.getHandle(workflowId, runId).describe()).status.name === 'COMPLETED', `${workflowId} to complete`, timeoutMs).then(
    () => true,
    () => false,
  );
}

export async function runRestart(lab: Lab, point: string, target: Target): Promise<Outcome> {
  const t0 = Date.now();
  const base = maxId(lab, ALICE.id);
  const logFrom = hostLines(lab).length;
  const lines = () => hostLines(lab).slice(logFrom);
  lab.api.userSends(ALICE, ALICE.id, '/restart app1');
  const runId = await runStartedAfter(lab, 'restart-app1', t0);
  await waitFor(() => lines().some((l) => l.kind === 'start' && l.name === point), `step ${point} to start`, 60_000);
  const faultAt = Date.now();
  await inject(lab, target);
  const recoveredAt = Date.now();
  const finished = await completed(lab, 'restart-app1', runId, 150_000);
  const final = (m: TgMessage) => (m.text ?? '').includes('Restart app on app1') && (m.text ?? '').includes('✅ Done in');
  const upAgain = (m: TgMessage) => (m.text ?? '').startsWith('✅ app1 is up again');
  await waitFor(() => since(lab, ALICE.id, base).some(final) && since(lab, ALICE.id, base).some(upAgain), 'the final messages', 60_000).catch(() => undefined);
  const messages = since(lab, ALICE.id, base);
  const progress = messages.filter((m) => (m.text ?? '').includes('Restart app on app1'));
  const ups = messages.filter(upAgain);
  const steps = lines();
  const notFinishedOnHost = RESTART_STEPS.filter((s) => !steps.some((l) => l.kind === 'end' && l.name === s));
  return {
    scenario: 'restart',
    point,
    target,
    finished: finished && notFinishedOnHost.length === 0,
    rerun: reruns(steps, faultAt),
    overlaps: steps.filter((l) => l.kind === 'overlap').length,
    lost: (progress.some(final) ? 0 : 1) + (ups.length ? 0 : 1),
    ...duplicates([progress, ups], faultAt, recoveredAt),
    outOfOrder: progress.length && ups.length && ups[0].message_id < progress[0].message_id ? 1 : 0,
    seconds: (Date.now() - t0) / 1000,
    note: notFinishedOnHost.length ? `never ended on the host: ${notFinishedOnHost.join(', ')}` : undefined,
  };
}

export async function runDump(lab: Lab, kind: 'heap' | 'threads', point: string, target: Target): Promise<Outcome> {
  const t0 = Date.now();
  const base = maxId(lab, ALICE.id);
  const logFrom = hostLines(lab).length;
  const lines = () => hostLines(lab).slice(logFrom);
  // The space check asks the heap's size (GC.heap_info) before a heap dump; thread dumps come in a series of two.
  const jcmds: Record<string, number> = kind === 'heap' ? { 'jcmd-GC.heap_info': 1, 'jcmd-GC.heap_dump': 1 } : { 'jcmd-Thread.print': 2 };
  const dumpJcmd = kind === 'heap' ? 'jcmd-GC.heap_dump' : 'jcmd-Thread.print';
  lab.api.userSends(ALICE, ALICE.id, `/dump ${kind} jvm1 app`);
  const runId = await runStartedAfter(lab, 'dump-jvm1-app', t0);
  const handle = lab.client.workflow.getHandle('dump-jvm1-app', runId);
  const pending = async (activity: string) => (await handle.describe()).raw.pendingActivities?.some((a) => a.activityType?.name === activity);
  const jcmdStarts = () => lines().filter((l) => l.kind === 'start' && l.name === dumpJcmd).length;
  if (point === 'jcmd') await waitFor(() => jcmdStarts() >= 1, 'jcmd to start', 60_000);
  else if (point === 'second jcmd') await waitFor(() => jcmdStarts() >= 2, 'the second jcmd to start', 60_000);
  else if (point === 'fetch') await waitFor(() => pending('fetchDump'), 'the fetch to start', 60_000, 20);
  else throw new Error(`no such point in a dump: ${point}`);
  const faultAt = Date.now();
  await inject(lab, target);
  const recoveredAt = Date.now();
  const finished = await completed(lab, 'dump-jvm1-app', runId, 150_000);
  const title = kind === 'heap' ? '🧠 Heap dump of app on jvm1' : '🧵 2 thread dumps of app on jvm1';
  const done = (m: TgMessage) => (m.text ?? '').startsWith(title) && (m.text ?? '').includes('✅ Done in');
  const handOver = (m: TgMessage) => Boolean(m.file) && (m.caption ?? '').startsWith('📦');
  await waitFor(() => since(lab, ALICE.id, base).some(done) && since(lab, ALICE.id, base).some(handOver), 'the dump messages', 60_000).catch(() => undefined);
  const messages = since(lab, ALICE.id, base);
  const progress = messages.filter((m) => (m.text ?? '').startsWith(title));
  const files = messages.filter(handOver);
  let note: string | undefined;
  if (kind === 'threads' && files[0]) {
    const text = gunzipSync(files[0].file!.bytes).toString('utf8');
    const headers = [1, 2].map((n) => text.split(`===== dutydesk thread dump ${n}/2 of PID`).length - 1);
    if (headers.some((h) => h !== 1)) note = `thread dumps in the file: ${headers.join(', ')} (each should be there once)`;
  }
  return {
    scenario: kind === 'heap' ? 'heap dump' : 'thread dump',
    point,
    target,
    finished: finished && progress.some(done) && files.length > 0 && !note,
    rerun: reruns(lines(), faultAt, jcmds),
    overlaps: lines().filter((l) => l.kind === 'overlap').length,
    lost: (progress.some(done) ? 0 : 1) + (files.length ? 0 : 1),
    ...duplicates([progress, files], faultAt, recoveredAt),
    outOfOrder: progress.length && files.length && files[0].message_id < progress[0].message_id ? 1 : 0,
    seconds: (Date.now() - t0) / 1000,
    note,
  };
}

let bursts = 0;
export const BURST = { messages: 500, chats: 25 };

export async function runBurst(lab: Lab, point: string, target: Target): Promise<Outcome> {
  const t0 = Date.now();
  const run = ++bursts;
  const perChat = BURST.messages / BURST.chats;
  const chats = Array.from({ length: BURST.chats }, (_, i) => 5000 + i);
  const text = (chat: number, i: number) => `burst ${run} chat ${chat} #${i}`;
  const ours = (chat: number) => lab.api.botMessages(chat).filter((m) => (m.text ?? '').startsWith(`burst ${run} `));
  const delivered = () => chats.reduce((n, c) => n + ours(c).length, 0);
  await Promise.all(
    chats.map(async (chat) => {
      for (let i = 0; i < perChat; i++) {
        await enqueueChatMessage(lab.client, { platform: 'telegram', chatId: String(chat) }, { key: `burst-${run}-${i}`, mode: 'new', message: { text: text(chat, i) } });
      }
    }),
  );
  // "mid-send": half way, while the platform holds back its answer to a send it stored (the documented window).
  const midSend = point === 'mid-send';
  await waitFor(() => delivered() >= (midSend ? BURST.messages / 2 : Number(point)), `${point} messages delivered`, 120_000, 20);
  if (midSend) await lab.api.holdNextSendAnswer(5000);
  const faultAt = Date.now();
  await inject(lab, target);
  const recoveredAt = Date.now();
  const everyText = chats.flatMap((c) => Array.from({ length: perChat }, (_, i) => text(c, i)));
  const allThere = () => chats.every((c) => new Set(ours(c).map((m) => m.text)).size === perChat);
  const finished = await waitFor(allThere, 'every message of the burst', 180_000).then(() => true, () => false);
  let lost = 0;
  let outOfOrder = 0;
  const messages: TgMessage[] = [];
  for (const chat of chats) {
    const got = ours(chat);
    messages.push(...got);
    const firsts = [...new Set(got.map((m) => m.text))];
    lost += Array.from({ length: perChat }, (_, i) => text(chat, i)).filter((t) => !firsts.includes(t)).length;
    const order = firsts.map((t) => Number(/#(\d+)$/.exec(t ?? '')![1]));
    outOfOrder += order.filter((n, i) => i > 0 && n < order[i - 1]).length;
  }
  return {
    scenario: 'burst',
    point: midSend ? 'a send stored, its answer held' : `after ${point} of ${everyText.length}`,
    target,
    finished,
    rerun: 0,
    overlaps: 0,
    lost,
    ...duplicates(byText(messages), faultAt, recoveredAt),
    outOfOrder,
    seconds: (Date.now() - t0) / 1000,
  };
}
