/** The incident buttons (Acknowledge, Silence 1 h / 4 h, Unsilence, Restart, Runbook) and `health`. */
import { can, rolesGranting } from '../../config/access';
import { monitoringPeers } from '../../activities/incidents/monitoring-http';
import { t } from '../../lib/i18n';
import { incidentSubject } from '../../lib/messages/incidents';
import { clockUtc } from '../../lib/messages/tickets';
import { own } from '../../lib/own';
import type { Capability, HostConfig } from '../../config/schema';
import { IncidentActionFailed, IncidentOver, isIncidentId, type IncidentSnapshot } from '../incidents/incident-client';
import type { ButtonHandler, Command, CommandContext } from './context';
import { restartCommand } from './restart';

const HOUR = 3_600_000;
const person = (ctx: CommandContext) => ({ id: ctx.user.id, name: ctx.user.name });
const alertsOf = (state: Pick<IncidentSnapshot, 'series'>) => {
  const all = Object.values(state.series).map((s) => s.last);
  const firing = all.filter((a) => a.status === 'firing');
  return firing.length ? firing : all;
};

/** The incident a button names, when the person may act on its host; undefined when the answer was given. */
async function incidentFor(ctx: CommandContext, workflowId: string, capability: Capability): Promise<IncidentSnapshot | undefined> {
  const lang = ctx.user.language;
  if (!isIncidentId(workflowId)) {
    await ctx.reply(t(lang, 'error.forgedButton'));
    return undefined;
  }
  let state;
  try {
    state = { ...(await ctx.incidents.state(workflowId)), workflowId };
  } catch (err) {
    if (err instanceof IncidentOver) await ctx.reply(t(lang, 'incident.over'));
    else throw err;
    return undefined;
  }
  // An alert of no configured host (or of one since removed) belongs to no host group: only roles for every host ("*") act on it.
  const host = (state.host ? own(ctx.config.hosts, state.host) : undefined) ?? ({ groups: [] } as unknown as HostConfig);
  if (!can(ctx.config, ctx.user, capability, host)) {
    const roles = rolesGranting(ctx.config, capability, host);
    await ctx.reply(t(lang, 'error.notAllowedButton') + (roles.length ? ` (${roles.join(', ')})` : ''));
    return undefined;
  }
  return state;
}

async function guarded(ctx: CommandContext, failed: 'incident.ackFailed' | 'incident.silenceFailed', work: () => Promise<void>) {
  try {
    await work();
  } catch (err) {
    if (err instanceof IncidentOver) return ctx.reply(t(ctx.user.language, 'incident.over'));
    if (err instanceof IncidentActionFailed) return ctx.reply(t(ctx.user.language, failed, { error: err.message.slice(0, 300) }));
    throw err;
  }
}

function silenceButton(verb: 'incident.silence1h' | 'incident.silence4h', hours: number): ButtonHandler {
  return {
    verb,
    capability: 'silence',
    async run(ctx, workflowId) {
      const lang = ctx.user.language;
      if (!ctx.config.monitoring?.alertmanager) return ctx.reply(t(lang, 'incident.noSilences'));
      const state = await incidentFor(ctx, workflowId, 'silence');
      if (!state) return;
      await guarded(ctx, 'incident.silenceFailed', async () => {
        const silence = await ctx.incidents.silence(workflowId, { person: person(ctx), durationMs: hours * HOUR });
        await ctx.reply(t(lang, 'incident.silencedReply', { time: clockUtc(silence.until, lang), id: silence.id }));
      });
    },
  };
}

export const incidentButtons: ButtonHandler[] = [
  {
    verb: 'incident.ack',
    capability: 'tickets',
    async run(ctx, workflowId) {
      const lang = ctx.user.language;
      const state = await incidentFor(ctx, workflowId, 'tickets');
      if (!state) return;
      const system = state.ticket?.system;
      await guarded(ctx, 'incident.ackFailed', async () => {
        const result = await ctx.incidents.acknowledge(workflowId, { person: person(ctx), login: system ? ctx.user.tickets[system] : undefined });
        // The presser sees the group message change; the others are told who was first.
        if (!result.acknowledged) await ctx.reply(t(lang, 'incident.alreadyAcked', { name: result.by, time: clockUtc(result.at, lang) }));
      });
    },
  },
  silenceButton('incident.silence1h', 1),
  silenceButton('incident.silence4h', 4),
  {
    verb: 'incident.unsilence',
    capability: 'silence',
    async run(ctx, workflowId) {
      const lang = ctx.user.language;
      const state = await incidentFor(ctx, workflowId, 'silence');
      if (!state) return;
      await guarded(ctx, 'incident.silenceFailed', async () => {
        const lifted = await ctx.incidents.unsilence(workflowId, person(ctx));
        await ctx.reply(t(lang, lifted ? 'incident.unsilencedReply' : 'incident.notSilenced'));
      });
    },
  },
  {
    verb: 'incident.restart',
    capability: 'restart',
    async run(ctx, workflowId) {
      const state = await incidentFor(ctx, workflowId, 'restart');
      if (!state) return;
      if (!state.host) return ctx.reply(t(ctx.user.language, 'incident.noHost'));
      // As if they typed `restart <host>`: the same roles, the same approval for production hosts.
      await restartCommand.run(ctx, [state.host], `restart ${state.host}`);
    },
  },
  {
    verb: 'incident.runbook',
    async run(ctx, workflowId) {
      const lang = ctx.user.language;
      const state = await incidentFor(ctx, workflowId, 'status');
      if (!state) return;
      const alerts = alertsOf(state);
      const url = alerts.find((a) => a.runbookUrl)?.runbookUrl;
      await ctx.reply(url ? t(lang, 'incident.runbookReply', { subject: incidentSubject({ host: state.host, alerts }), url }) : t(lang, 'incident.noRunbook'));
    },
  },
];

/** `health`: open incidents, alerting rules in error (they never fire), Alertmanager's alerts. */
export const healthCommand: Command = {
  name: 'health',
  capability: 'status',
  helpKey: 'help.health',
  async run(ctx) {
    const lang = ctx.user.language;
    if (!ctx.config.monitoring) return ctx.reply(t(lang, 'health.notConfigured'));
    const { prometheus, alertmanager } = monitoringPeers(ctx.config);
    const lines = [t(lang, 'health.title')];
    const open = await ctx.incidents.open();
    lines.push(t(lang, 'health.incidents', { count: open.total }));
    for (const incident of open.incidents) {
      const phase = t(lang, `phase.${incident.phase}`);
      const ticket = incident.ticket ? ` · #${incident.ticket.id}` : '';
      lines.push(t(lang, 'health.incident', { subject: incidentSubject({ host: incident.host, alerts: alertsOf(incident) }), phase, time: clockUtc(incident.since ?? 0, lang), ticket }));
    }
    if (prometheus) {
      try {
        const rules = (await prometheus.rules()).filter((r) => r.type === 'alerting');
        const broken = rules.filter((r) => r.health === 'err');
        if (!broken.length) lines.push(t(lang, 'health.rulesOk', { count: rules.length }));
        for (const rule of broken) lines.push(t(lang, 'health.ruleBroken', { rule: rule.name, error: (rule.lastError ?? '').slice(0, 300) }));
        const alerts = await prometheus.alerts();
        lines.push(t(lang, 'health.promAlerts', { firing: alerts.filter((a) => a.state === 'firing').length, pending: alerts.filter((a) => a.state === 'pending').length }));
        // Targets Prometheus cannot scrape: what is down, whether or not a rule alerts on it.
        const down = await prometheus.query('up == 0');
        if (down.length) lines.push(t(lang, 'health.targetsDown', { count: down.length, targets: down.slice(0, 10).map((d) => `${d.metric.job ?? ''} ${d.metric.instance ?? ''}`.trim()).join(', ') }));
      } catch (err) {
        lines.push(t(lang, 'health.unreachable', { what: 'Prometheus', error: (err as Error).message.slice(0, 200) }));
      }
    }
    if (alertmanager) {
      try {
        const alerts = await alertmanager.alerts();
        lines.push(t(lang, 'health.alertmanager', { count: alerts.length, silenced: alerts.filter((a) => a.status.silencedBy.length > 0).length }));
      } catch (err) {
        lines.push(t(lang, 'health.unreachable', { what: 'Alertmanager', error: (err as Error).message.slice(0, 200) }));
      }
    }
    await ctx.reply(lines.join('\n'));
  },
};
