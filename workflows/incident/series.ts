/**
 * Alert series in order. Alertmanager resends a whole group every
 * group_interval, an HA pair sends everything twice, and deliveries can
 * overtake each other: an event counts only when it is news for its series
 * (its fingerprint), judged by startsAt (which episode) and status.
 */
import type { AlertEvent, SeriesState } from './definitions';

export type SeriesChange = 'fired' | 'resolved' | 'ignored';

export function applyAlertEvent(series: Record<string, SeriesState>, event: AlertEvent): SeriesChange {
  const known = Object.hasOwn(series, event.fingerprint) ? series[event.fingerprint] : undefined;
  if (known && event.startsAt < known.last.startsAt) return 'ignored'; // an earlier episode: stale
  const sameEpisode = known !== undefined && event.startsAt === known.last.startsAt;
  if (event.status === 'firing') {
    // dutydesk's own guess that it ended (gone from Alertmanager) is undone by the episode itself.
    if (sameEpisode && known.last.status === 'resolved' && known.assumedResolved) {
      series[event.fingerprint] = { last: event, absentRounds: 0 };
      return 'fired';
    }
    // The same episode again (a resend), or a late firing of an episode already resolved: nothing new.
    if (sameEpisode) {
      known.absentRounds = 0;
      return 'ignored';
    }
    series[event.fingerprint] = { last: event, absentRounds: 0 };
    return 'fired';
  }
  if (sameEpisode && known.last.status === 'resolved') return 'ignored';
  // A resolve of a newer episode than the one known (its firing never came) is kept, so its late firing is
  // ignored; and it ends the episode known as firing, since one series has one episode at a time.
  const wasFiring = known?.last.status === 'firing';
  series[event.fingerprint] = { last: event, absentRounds: 0 };
  return wasFiring ? 'resolved' : 'ignored';
}

export function firingSeries(series: Record<string, SeriesState>): SeriesState[] {
  return Object.values(series).filter((s) => s.last.status === 'firing');
}

/** Resolved series older than this are forgotten, so a long-lived incident's state stays small. */
export const FORGET_RESOLVED_MS = 86_400_000;

export function forgetOldSeries(series: Record<string, SeriesState>, now: number): void {
  for (const [fingerprint, s] of Object.entries(series)) {
    if (s.last.status === 'resolved' && now - (s.last.endsAt ?? s.last.startsAt) > FORGET_RESOLVED_MS) delete series[fingerprint];
  }
}
