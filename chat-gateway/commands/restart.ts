/** restart, status, hosts, cancel — and the restart buttons (cancel, approve, deny, watch). */
import { can, rolesGranting } from '../../config/access';
import { buildRestartRequest, directChat } from '../../config/restart-plan';
import { formatDuration } from '../../lib/duration';
import { t } from '../../lib/i18n';
import { currentStep, renderRestartProgress, restartAction } from '../../lib/messages/restart';
import { own } from '../../lib/own';
import { runLink } from '../../lib/temporal-ui';
import { restartWorkflowId, type RestartProgress } from '../../workflows/restart/definitions';
import { RestartRejected } from '../restart/restart-client';
import type { ButtonHandler, Command, CommandContext } from './context';
import { echoed } from '../../lib/messages/clip';
import { hostMonitoringLines } from '../incidents/host-monitoring';

const person = (ctx: CommandContext) => ({ id: ctx.user.id, name: ctx.user.name });

/** Resolves "<host> [service]" or answers with what exists; undefined when it answered. */
async function resolveTarget(ctx: CommandContext, args: string[], usage: 'usage.restart' | 'usage.status') {
  const lang = ctx.user.language;
  const hostNames = Object.keys(ctx.config.hosts);
  if (!args[0]) {
    await ctx.reply(`${t(lang, usage)}\n${t(lang, 'hosts.list', { hosts: hostNames.join(', ') })}`);
    return undefined;
  }
  const hostName = args[0];
  const host = own(ctx.config.hosts, hostName);
  if (!host) {
    await ctx.reply(t(lang, 'error.unknownHost', { host: echoed(hostName), hosts: hostNames.join(', ') }));
    return undefined;
  }
  return { hostName, host };
}

function busyAnswer(ctx: CommandContext, running: RestartProgress) {
  const lang = ctx.user.language;
  return {
    text: t(lang, 'restart.busy', {
      host: running.host,
      service: running.service,
      name: running.requestedBy.name,
      ago: formatDuration(Date.now() - running.requestedAt),
      now: currentStep(running, lang),
    }),
    buttons: [[{ label: t(lang, 'restart.button.watch'), action: restartAction('watch', running.workflowId) }]],
  };
}

async function guarded(ctx: CommandContext, work: () => Promise<void>) {
  try {
    await work();
  } catch (err) {
    if (err instanceof RestartRejected) await ctx.reply(t(ctx.user.language, 'restart.rejected', { reason: err.message }));
    else throw err;
  }
}

export const restartCommand: Command = {
  name: 'restart',
  capability: 'restart',
  helpKey: 'help.restart',
  async run(ctx, args) {
    const lang = ctx.user.language;
    const target = await resolveTarget(ctx, args, 'usage.restart');
    if (!target) return;
    const { hostName, host } = target;
    const services = Object.keys(host.services);
    const serviceName = args[1] ?? (services.length === 1 ? services[0] : undefined);
    if (!serviceName) return ctx.reply(t(lang, 'error.whichService', { host: hostName, services: services.join(', ') }));
    if (!own(host.services, serviceName)) return ctx.reply(t(lang, 'error.unknownService', { host: hostName, service: echoed(serviceName), services: services.join(', ') }));
    if (!can(ctx.config, ctx.user, 'restart', host)) {
      return ctx.reply(t(lang, 'restart.notAllowed', { host: hostName, roles: rolesGranting(ctx.config, 'restart', host).join(', ') || '-' }));
    }
    const request = buildRestartRequest(ctx.config, hostName, serviceName, person(ctx), ctx.chat);
    const result = await ctx.restarts.start(request);
    // On success the workflow itself posts the live progress message.
    if (!result.started) await ctx.reply(busyAnswer(ctx, result.running));
  },
};

export const statusCommand: Command = {
  name: 'status',
  capability: 'status',
  helpKey: 'help.status',
  async run(ctx, args) {
    const lang = ctx.user.language;
    const target = await resolveTarget(ctx, args, 'usage.status');
    if (!target) return;
    const { hostName, host } = target;
    const head = t(lang, 'status.host', {
      host: hostName,
      address: host.address,
      production: host.production ? t(lang, 'restart.production') : '',
      groups: host.groups.join(', ') || '-',
      services: Object.keys(host.services).join(', '),
    });
    const monitored = (await hostMonitoringLines(ctx, hostName)).map((line) => `\n${line}`).join('');
    const last = await ctx.restarts.lastForHost(hostName);
    if (!last) return ctx.reply(`${head}${monitored}\n${t(lang, 'status.noRestart', { host: hostName })}`);
    const progress = renderRestartProgress(last, {
      language: lang,
      now: Date.now(),
      runUrl: runLink(ctx.config.temporal.uiUrl, ctx.config.temporal.namespace, last.workflowId, last.runId),
    });
    await ctx.reply({ text: `${head}${monitored}\n\n${t(lang, 'status.lastRestart')}\n${progress.text}`, buttons: progress.buttons });
  },
};

export const hostsCommand: Command = {
  name: 'hosts',
  capability: 'status',
  helpKey: 'help.hosts',
  async run(ctx) {
    const lines = Object.entries(ctx.config.hosts).map(
      ([name, h]) =>
        `• ${name}${h.production ? t(ctx.user.language, 'restart.production') : ''}: ${Object.keys(h.services).join(', ')}${can(ctx.config, ctx.user, 'restart', h) ? '' : ' ' + t(ctx.user.language, 'hosts.viewOnly')}`,
    );
    await ctx.reply([t(ctx.user.language, 'hosts.title'), ...lines].join('\n'));
  },
};

/** Cancel is allowed to the requester and to anyone who may restart that host. */
async function cancelRun(ctx: CommandContext, workflowId: string) {
  const lang = ctx.user.language;
  const progress = await ctx.restarts.progress(workflowId);
  const host = own(ctx.config.hosts, progress.host);
  if (progress.requestedBy.id !== ctx.user.id && !(host && can(ctx.config, ctx.user, 'restart', host))) {
    return ctx.reply(t(lang, 'restart.notAllowedCancel', { name: progress.requestedBy.name, host: progress.host }));
  }
  await guarded(ctx, async () => {
    await ctx.restarts.cancel(workflowId, person(ctx));
    await ctx.reply(t(lang, 'restart.cancelRequested', { host: progress.host }));
  });
}

export const cancelCommand: Command = {
  name: 'cancel',
  capability: 'restart',
  helpKey: 'help.cancel',
  async run(ctx, args) {
    const lang = ctx.user.language;
    if (args[0]) {
      if (!own(ctx.config.hosts, args[0])) return ctx.reply(t(lang, 'error.unknownHost', { host: echoed(args[0]), hosts: Object.keys(ctx.config.hosts).join(', ') }));
      const last = await ctx.restarts.lastForHost(args[0]);
      if (!last || !['running', 'awaiting-approval'].includes(last.phase)) return ctx.reply(t(lang, 'restart.nothingToCancelOn', { host: args[0] }));
      return cancelRun(ctx, restartWorkflowId(args[0]));
    }
    const running = await ctx.restarts.running();
    const mine = running.filter((r) => r.requestedBy === ctx.user.id);
    const candidates = mine.length ? mine : running;
    if (candidates.length === 0) return ctx.reply(t(lang, 'restart.nothingToCancel'));
    if (candidates.length > 1) return ctx.reply(t(lang, 'restart.cancelWhich', { hosts: candidates.map((c) => c.host).join(', ') }));
    await cancelRun(ctx, candidates[0].workflowId);
  },
};

async function decide(ctx: CommandContext, workflowId: string, approve: boolean) {
  const progress = await ctx.restarts.progress(workflowId);
  const host = own(ctx.config.hosts, progress.host);
  if (!host || !can(ctx.config, ctx.user, 'approve', host)) {
    return ctx.reply(t(ctx.user.language, 'restart.notAllowedApprove', { host: progress.host, roles: rolesGranting(ctx.config, 'approve', host).join(', ') || '-' }));
  }
  await guarded(ctx, async () => void (await ctx.restarts.decide(workflowId, person(ctx), approve)));
}

export const restartButtons: ButtonHandler[] = [
  { verb: 'restart.cancel', run: (ctx, workflowId) => cancelRun(ctx, workflowId) },
  { verb: 'restart.approve', run: (ctx, workflowId) => decide(ctx, workflowId, true) },
  { verb: 'restart.deny', run: (ctx, workflowId) => decide(ctx, workflowId, false) },
  {
    verb: 'restart.watch',
    async run(ctx, workflowId) {
      const progress = await ctx.restarts.progress(workflowId);
      await ctx.restarts.watch(workflowId, person(ctx), directChat(ctx.config, ctx.user.id, ctx.chat.platform));
      await ctx.reply(t(ctx.user.language, 'restart.watching', { host: progress.host }));
    },
  },
];
