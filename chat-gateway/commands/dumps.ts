/** dump heap|threads <host> [service], and the Cancel button on its progress message. */
import { can, rolesGranting } from '../../config/access';
import { buildDumpRequest, dumpableServices, dumpRecipientRefusal } from '../../config/dump-plan';
import { formatDuration } from '../../lib/duration';
import { t, type MessageKey } from '../../lib/i18n';
import { own } from '../../lib/own';
import type { DumpKind } from '../../workflows/dump/definitions';
import type { ButtonHandler, Command } from './context';
import { echoed } from '../../lib/messages/clip';

const KINDS: Record<string, DumpKind> = { heap: 'heap', threads: 'threads', thread: 'threads' };

export const dumpCommand: Command = {
  name: 'dump',
  capability: 'dump',
  helpKey: 'help.dump',
  async run(ctx, args) {
    const lang = ctx.user.language;
    const [kindWord, hostName, serviceArg] = args;
    const kind = own(KINDS, kindWord?.toLowerCase());
    if (!kind || !hostName || args.length > 3) return ctx.reply(t(lang, 'usage.dump'));
    const host = own(ctx.config.hosts, hostName);
    if (!host) return ctx.reply(t(lang, 'error.unknownHost', { host: echoed(hostName), hosts: Object.keys(ctx.config.hosts).join(', ') }));
    const dumpable = dumpableServices(ctx.config, hostName);
    const serviceName = serviceArg ?? (dumpable.length === 1 ? dumpable[0] : undefined);
    if (!serviceName) return ctx.reply(t(lang, 'error.whichService', { host: hostName, services: dumpable.join(', ') || '-' }));
    if (!own(host.services, serviceName)) return ctx.reply(t(lang, 'error.unknownService', { host: hostName, service: echoed(serviceName), services: Object.keys(host.services).join(', ') }));
    if (!dumpable.includes(serviceName)) return ctx.reply(t(lang, 'dump.notJava', { host: hostName, service: serviceName, services: dumpable.join(', ') || '-' }));
    if (!can(ctx.config, ctx.user, 'dump', host)) return ctx.reply(t(lang, 'dump.notAllowed', { host: hostName, roles: rolesGranting(ctx.config, 'dump', host).join(', ') || '-' }));
    // Dumps hold the JVM's secrets: the worker hands them over only in configured chats and direct messages.
    if (dumpRecipientRefusal(ctx.config, hostName, ctx.user.id, ctx.chat)) return ctx.reply(t(lang, 'dump.notHere'));
    const request = buildDumpRequest(ctx.config, hostName, serviceName, kind, { person: { id: ctx.user.id, name: ctx.user.name }, language: lang }, ctx.chat);
    const result = await ctx.dumps.start(request);
    // When it starts, the workflow posts its own live progress message.
    if (result.started) return;
    const running = result.running;
    const step = running.steps.find((s) => s.state === 'running');
    await ctx.reply(
      t(lang, 'dump.busy', {
        host: hostName,
        service: serviceName,
        name: running.request.requestedBy.name,
        ago: formatDuration(Date.now() - running.requestedAt),
        now: step ? t(lang, `dump.step.${step.name}` as MessageKey) : t(lang, 'dump.phase.running'),
      }),
    );
  },
};

export const dumpButtons: ButtonHandler[] = [
  {
    verb: 'dump.cancel',
    capability: 'dump',
    /** The requester, or someone with `dump` on the dump host's own groups (the capability elsewhere is not enough). */
    async run(ctx, workflowId) {
      const lang = ctx.user.language;
      // Only dump runs: a button's argument is the presser's to forge on some platforms.
      const progress = workflowId.startsWith('dump-') ? await ctx.dumps.progress(workflowId).catch(() => undefined) : undefined;
      if (!progress) return ctx.reply(t(lang, 'dump.nothingToCancel'));
      const { host: hostName, requestedBy } = progress.request;
      const host = own(ctx.config.hosts, hostName);
      if (requestedBy.id !== ctx.user.id && !(host && can(ctx.config, ctx.user, 'dump', host))) {
        return ctx.reply(t(lang, 'dump.notAllowedCancel', { name: requestedBy.name, host: hostName }));
      }
      if (progress.phase !== 'running') return ctx.reply(t(lang, 'dump.nothingToCancel'));
      await ctx.dumps.cancel(workflowId, { id: ctx.user.id, name: ctx.user.name });
    },
  },
];
