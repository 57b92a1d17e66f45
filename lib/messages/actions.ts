/**
 * How a runbook action looks in chat: the live progress message (its steps,
 * as a restart's), each step's output, and what "where is <ip>" found.
 */
import type { ChatMessage } from '../../activities/chat/port';
import type { ActionProgress, ActionStepResult } from '../../workflows/action/definitions';
import type { WhereIs } from '../inventory/where-is';
import { formatDuration } from '../duration';
import { t } from '../i18n';
import { stepLines, type RenderContext } from './restart';

export function renderActionProgress(p: ActionProgress, ctx: RenderContext): ChatMessage {
  const lang = ctx.language;
  const title = p.plan?.title ?? p.request.actionId;
  const asked = p.plan?.asked ?? p.request.actionId;
  const took = formatDuration((p.endedAt ?? ctx.now) - p.startedAt);
  const phase =
    p.phase === 'done'
      ? t(lang, 'action.phase.done', { took })
      : p.phase === 'failed'
        ? t(lang, 'action.phase.failed', { error: p.error ?? '' })
        : t(lang, 'action.phase.running');
  const lines = [t(lang, 'action.title', { title, asked }), t(lang, 'restart.requestedBy', { name: p.request.requestedBy.name }), ...stepLines(p, ctx, { doneDetail: true }), phase, t(lang, 'action.run', { url: ctx.runUrl })];
  return { text: lines.join('\n') };
}

export function renderActionOutput(p: ActionProgress, index: number, result: ActionStepResult): ChatMessage {
  const head = `${p.plan?.title ?? p.request.actionId} · ${index + 1}. ${p.steps[index]?.title ?? ''}`;
  const text = result.file ? `${head}\n${result.output ?? ''}\n${t(p.request.language, 'action.outputFile', { name: result.file.name })}` : `${head}\n${result.output ?? ''}`;
  return { text, ...(result.file ? { file: { path: result.file.path, name: result.file.name, kind: 'document' as const } } : {}) };
}

/** One line per place the address is known (VRF, host, network with its site, VLAN and owner), or a plain "not found". */
export function renderWhereIs(found: WhereIs, language: string): string {
  if (found.places.length === 0) return t(language, 'whereis.none', { ip: found.ip });
  const lines = [t(language, 'whereis.found', { ip: found.ip })];
  for (const place of found.places) {
    const parts: string[] = [];
    for (const host of place.hosts ?? []) parts.push(t(language, 'whereis.host', { name: host.name, groups: host.groups.join(', ') }));
    if (place.network) {
      const n = place.network;
      const facts = [
        n.name,
        n.site && t(language, 'whereis.site', { site: n.site }),
        n.vlan !== undefined && t(language, 'whereis.vlan', { vlan: n.vlan }),
        n.owner && t(language, 'whereis.owner', { owner: n.owner }),
      ].filter(Boolean);
      parts.push(t(language, 'whereis.network', { prefix: n.prefix, facts: facts.join(' · ') }));
    }
    lines.push(`${place.vrf ? `${t(language, 'whereis.vrf', { vrf: place.vrf })} ` : ''}${parts.join('; ')}`);
  }
  return lines.join('\n');
}
