/**
 * How a dump looks in chat: the live progress message (steps, phase, a link
 * to the run in the Temporal UI, a Cancel button while it runs) and the
 * hand-over (the file itself, or a signed link when it is too big).
 */
import type { ChatMessage } from '../../activities/chat/port';
import type { DumpProgress, DumpRequest, FetchedDump } from '../../workflows/dump/definitions';
import { formatDuration } from '../duration';
import { t, type MessageKey } from '../i18n';
import { formatSize } from '../size';
import { stepLines, type RenderContext } from './restart';

export const dumpCancelAction = (workflowId: string) => `dump.cancel:${workflowId}`;

function title(request: DumpRequest, language: string): string {
  const vars = { host: request.host, service: request.service, count: request.java.threadCount, interval: formatDuration(request.java.threadIntervalMs) };
  return t(language, request.kind === 'heap' ? 'dump.title.heap' : 'dump.title.threads', vars);
}

export function renderDumpProgress(p: DumpProgress, ctx: RenderContext): ChatMessage {
  const lang = ctx.language;
  const took = formatDuration((p.finishedAt ?? ctx.now) - p.requestedAt);
  const phase =
    p.phase === 'running' && p.cancelledBy
      ? t(lang, 'dump.cancelRequested', { name: p.cancelledBy.name })
      : t(lang, `dump.phase.${p.phase}` as MessageKey, { took, error: p.error ?? '', name: p.cancelledBy?.name ?? '' });
  const lines = [
    title(p.request, lang),
    t(lang, 'restart.requestedBy', { name: p.request.requestedBy.name }),
    '',
    ...stepLines(p, ctx, { title: (s) => t(lang, `dump.step.${s.name}` as MessageKey), doneDetail: true }),
    '',
    phase,
    t(lang, 'restart.uiLink', { url: ctx.runUrl }),
  ];
  const live = p.phase === 'running' && !p.cancelledBy;
  return { text: lines.join('\n'), buttons: live ? [[{ label: t(lang, 'restart.button.cancel'), action: dumpCancelAction(p.workflowId) }]] : [] };
}

export function renderDumpHandOver(request: DumpRequest, fetched: FetchedDump, o: { language: string; limit: number; link?: string; expires: number }): ChatMessage {
  const lang = o.language;
  const head = t(lang, 'dump.ready', { what: title(request, lang), name: fetched.name, size: formatSize(fetched.size), sha256: fetched.sha256 });
  if (fetched.size <= o.limit) return { text: head, file: { path: fetched.localPath, name: fetched.name, kind: 'document' } };
  if (o.link) return { text: `${head}\n${t(lang, 'dump.link', { url: o.link, expires: new Date(o.expires).toISOString().slice(0, 16).replace('T', ' ') + ' UTC', limit: formatSize(o.limit) })}` };
  return { text: `${head}\n${t(lang, 'dump.kept', { path: fetched.localPath, limit: formatSize(o.limit) })}` };
}
