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
  const approval = p.plan?.approval;
  const phase =
    p.phase === 'done'
      ? t(lang, 'action.phase.done', { took })
      : p.phase === 'failed'
        ? t(lang, 'action.phase.failed', { error: p.error ?? '' })
        : p.phase === 'awaiting-approval'
          ? t(lang, 'action.phase.awaiting-approval', { role: approval?.role ?? '' })
          : p.phase === 'denied'
            ? t(lang, 'action.phase.denied', { name: p.deniedBy?.name ?? '' })
            : p.phase === 'expired'
              ? t(lang, 'action.phase.expired', { took: formatDuration(approval?.timeoutMs ?? 0) })
              : t(lang, 'action.phase.running');
  const by = `${t(lang, 'restart.requestedBy', { name: (p.plan?.requester ?? p.request.requestedBy).name })}${p.approvedBy ? ' · ' + t(lang, 'restart.approvedBy', { name: p.approvedBy.name }) : ''}`;
  const lines = [t(lang, 'action.title', { title, asked }), by, ...stepLines(p, ctx, { doneDetail: true }), phase, t(lang, 'action.run', { url: ctx.runUrl })];
  return { text: lines.join('\n') };
}

export function actionButton(verb: 'approve' | 'deny', workflowId: string): string {
  return `action.${verb}:${workflowId}`;
}

/** The approval request, in the approvals chat: buttons while it waits, then who decided. */
export function renderActionApproval(p: ActionProgress, ctx: RenderContext): ChatMessage {
  const lang = ctx.language;
  const head = t(lang, 'action.approvalRequest', { name: (p.plan?.requester ?? p.request.requestedBy).name, title: p.plan?.title ?? p.request.actionId, asked: p.plan?.asked ?? '', role: p.plan?.approval?.role ?? '' });
  const link = t(lang, 'action.run', { url: ctx.runUrl });
  if (p.phase === 'awaiting-approval' && !p.approvedBy && !p.deniedBy) {
    return {
      text: `${head}\n${link}`,
      buttons: [[{ label: t(lang, 'restart.button.approve'), action: actionButton('approve', p.workflowId) }, { label: t(lang, 'restart.button.deny'), action: actionButton('deny', p.workflowId) }]],
    };
  }
  const outcome = p.approvedBy ? t(lang, 'restart.approvedBy', { name: p.approvedBy.name }) : p.deniedBy ? t(lang, 'action.phase.denied', { name: p.deniedBy.name }) : t(lang, 'action.phase.expired', { took: formatDuration(p.plan?.approval?.timeoutMs ?? 0) });
  return { text: `${head}\n${outcome}\n${link}`, buttons: [] };
}

export function renderActionOutput(p: ActionProgress, index: number, result: ActionStepResult): ChatMessage {
  const head = `${p.plan?.title ?? p.request.actionId} · ${index + 1}. ${p.steps[index]?.title ?? ''}`;
  // A chart: the words with the picture; a long output: its start and the whole as a file; a fetched file: the file alone.
  if (result.file?.kind === 'photo') return { text: `${head}\n${result.output ?? ''}`, file: { path: result.file.path, name: result.file.name, kind: 'photo' } };
  const text = result.file
    ? result.output !== undefined
      ? `${head}\n${result.output}\n${t(p.request.language, 'action.outputFile', { name: result.file.name })}`
      : `${head}\n📎 ${result.file.name}`
    : `${head}\n${result.output ?? ''}`;
  return { text, ...(result.file ? { file: { path: result.file.path, name: result.file.name, kind: 'document' as const } } : {}) };
}

/** One line per place the address is known (VRF, host, network with its site, VLAN and owner), or a plain "not found". */
export function renderWhereIs(found: WhereIs, language: string): string {
  const netbox = found.netbox ?? [];
  if (found.places.length === 0 && netbox.length === 0) return t(language, found.netbox ? 'whereis.noneAnywhere' : 'whereis.none', { ip: found.ip });
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
  for (const place of netbox) {
    const parts: string[] = [];
    const a = place.address;
    if (a) {
      const facts = [a.device && t(language, 'whereis.device', { device: a.device }), a.interface && t(language, 'whereis.interface', { name: a.interface }), a.status, a.dnsName && `DNS ${a.dnsName}`, a.tenant, a.description].filter(Boolean);
      parts.push(t(language, 'whereis.netboxAddress', { address: a.address, facts: facts.join(' · ') }));
    }
    const p = place.prefix;
    if (p) {
      const facts = [p.site && t(language, 'whereis.site', { site: p.site }), p.vlan && t(language, 'whereis.vlan', { vlan: p.vlan }), p.role, p.tenant, p.description].filter(Boolean);
      parts.push(t(language, 'whereis.netboxPrefix', { prefix: p.prefix, facts: facts.join(' · ') }));
    }
    lines.push(`NetBox${place.vrf ? ` ${t(language, 'whereis.vrf', { vrf: place.vrf })}` : ':'} ${parts.join('; ')}`);
  }
  return lines.join('\n');
}
