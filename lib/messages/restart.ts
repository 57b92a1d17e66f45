/**
 * How a restart looks in chat: the live progress message, the approval request
 * and the "up again" notice. Pure functions of the progress snapshot, shared
 * by the chat activities (which send them) and the gateway (status answers).
 */
import type { ChatButton, ChatMessage } from '../../activities/chat/port';
import type { RestartProgress, StepProgress, StepState } from '../../workflows/restart/definitions';
import { formatDuration } from '../duration';
import { t } from '../i18n';

/** Step states as symbols, the same in every language. */
const STEP_MARKS: Record<StepState, string> = { pending: '○', running: '▶', done: '✔', failed: '✖', skipped: '–' };

export interface RenderContext {
  language: string;
  /** Link to this run in the Temporal UI. */
  runUrl: string;
  now: number;
}

export function restartAction(verb: 'cancel' | 'approve' | 'deny' | 'watch', workflowId: string): string {
  return `restart.${verb}:${workflowId}`;
}

function clock(ms: number): string {
  return new Date(ms).toISOString().slice(11, 19);
}

export function phaseLine(p: RestartProgress, language: string): string {
  const took = formatDuration((p.finishedAt ?? p.requestedAt) - p.requestedAt);
  const by = p.cancelledBy?.name ?? p.deniedBy?.name ?? '';
  return t(language, `restart.phase.${p.phase}`, { took, error: p.error ?? '', name: by });
}

/** One line per step: its mark, title, when and how long; why it failed. Shared by every step-by-step run. */
export function stepLines(
  p: { steps: StepProgress[] },
  ctx: Pick<RenderContext, 'language' | 'now'>,
  options: { title?: (s: StepProgress) => string; doneDetail?: boolean } = {},
): string[] {
  const title = options.title ?? ((s: StepProgress) => s.title);
  return p.steps.map((s) => {
    const mark = STEP_MARKS[s.state];
    const time =
      s.state === 'running' && s.startedAt
        ? ` · ${t(ctx.language, 'step.since', { time: clock(s.startedAt) })}`
        : s.startedAt && s.finishedAt
          ? ` · ${clock(s.startedAt)} · ${formatDuration(s.finishedAt - s.startedAt)}`
          : '';
    const shown = s.state === 'failed' || (options.doneDetail && s.state === 'done');
    const detail = shown && s.detail ? ` — ${s.detail}` : '';
    return `${mark} ${title(s)}${time}${detail}`;
  });
}

export function renderRestartProgress(p: RestartProgress, ctx: RenderContext): ChatMessage {
  const lang = ctx.language;
  const lines = [
    t(lang, 'restart.title', { host: p.host, service: p.service, production: p.production ? t(lang, 'restart.production') : '' }),
    `${t(lang, 'restart.requestedBy', { name: p.requestedBy.name })}${p.approvedBy ? ' · ' + t(lang, 'restart.approvedBy', { name: p.approvedBy.name }) : ''}`,
    '',
    ...stepLines(p, ctx),
    '',
    phaseLine(p, lang),
    t(lang, 'restart.uiLink', { url: ctx.runUrl }),
  ];
  const live = p.phase === 'running' || p.phase === 'awaiting-approval';
  const buttons: ChatButton[][] = live && !p.cancelledBy ? [[{ label: t(lang, 'restart.button.cancel'), action: restartAction('cancel', p.workflowId) }]] : [];
  return { text: lines.join('\n'), buttons };
}

export function renderApprovalRequest(p: RestartProgress, ctx: RenderContext): ChatMessage {
  const lang = ctx.language;
  const head = t(lang, 'restart.approvalRequest', { name: p.requestedBy.name, host: p.host, service: p.service });
  if (p.phase === 'awaiting-approval') {
    return {
      text: `${head}\n${t(lang, 'restart.uiLink', { url: ctx.runUrl })}`,
      buttons: [
        [
          { label: t(lang, 'restart.button.approve'), action: restartAction('approve', p.workflowId) },
          { label: t(lang, 'restart.button.deny'), action: restartAction('deny', p.workflowId) },
        ],
      ],
    };
  }
  const outcome = (['running', 'denied', 'expired', 'cancelled'] as const).find((ph) => ph === p.phase) ?? 'running';
  const name = p.approvedBy?.name ?? p.deniedBy?.name ?? '';
  return { text: `${head}\n${t(lang, `restart.approvalDecided.${outcome}`, { name })}\n${t(lang, 'restart.uiLink', { url: ctx.runUrl })}`, buttons: [] };
}

export function renderRestartEnded(p: RestartProgress, ctx: RenderContext): ChatMessage {
  const took = formatDuration((p.finishedAt ?? ctx.now) - p.requestedAt);
  const key = p.phase === 'done' ? 'restart.upAgain' : 'restart.endedBadly';
  return { text: `${t(ctx.language, key, { host: p.host, service: p.service, took, error: p.error ?? p.phase })}\n${t(ctx.language, 'restart.uiLink', { url: ctx.runUrl })}` };
}

export function currentStep(p: RestartProgress, language: string): string {
  const running = p.steps.find((s) => s.state === 'running');
  const index = running ? p.steps.indexOf(running) + 1 : 0;
  return running ? `${index}/${p.steps.length} ${running.title}` : phaseLine(p, language);
}
