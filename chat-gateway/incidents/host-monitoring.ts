/** The monitoring part of `status <host>`: the host's current alerts and Prometheus's `up` for its targets. */
import { monitoringPeers } from '../../activities/incidents/monitoring-http';
import { t } from '../../lib/i18n';
import type { CommandContext } from '../commands/context';

export async function hostMonitoringLines(ctx: CommandContext, host: string): Promise<string[]> {
  const lang = ctx.user.language;
  const monitoring = ctx.config.monitoring;
  if (!monitoring) return [];
  const lines: string[] = [];
  const incident = await ctx.incidents.forHost(host).catch(() => undefined);
  const firing = incident ? Object.values(incident.series).filter((s) => s.last.status === 'firing').map((s) => s.last) : [];
  lines.push(firing.length ? t(lang, 'status.alerts', { alerts: firing.map((a) => `${a.alertname}${a.severity ? ` (${a.severity})` : ''}`).join(', ') }) : t(lang, 'status.noAlerts'));
  const { prometheus } = monitoringPeers(ctx.config);
  if (prometheus) {
    try {
      // The host is a configuration name (letters, digits, . _ -): safe inside a PromQL string.
      const samples = await prometheus.query(`up{${monitoring.hostLabel}="${host}"}`);
      lines.push(
        samples.length
          ? t(lang, 'status.up', { targets: samples.map((s) => `${s.metric.job ?? ''}${s.metric.instance ? ` ${s.metric.instance}` : ''} ${s.value[1] === '1' ? '✅' : '❌'}`.trim()).join(', ') })
          : t(lang, 'status.upUnknown', { label: monitoring.hostLabel, host }),
      );
    } catch (err) {
      lines.push(t(lang, 'health.unreachable', { what: 'Prometheus', error: (err as Error).message.slice(0, 200) }));
    }
  }
  return lines;
}
