/**
 * OLA figures: the share of tickets taken within the response target and
 * resolved within the resolution target, per group and per engineer. Pure
 * and deterministic: tickets, targets and the clock come in, numbers go out.
 */

/** A ticket's times as the ticket system keeps them (ISO 8601). */
export interface TicketTimes {
  id: string;
  group: string;
  /** Who is responsible (display name), if anyone. */
  engineer?: string;
  urgency?: string;
  created: string;
  /** When someone first responded (RT's Started, Jira's response field). */
  responded?: string;
  resolved?: string;
}

export interface OlaTarget {
  responseMs: number;
  resolutionMs: number;
}

/** Targets by urgency word, matched without regard to case; "default" for the rest. */
export type OlaTargets = Record<string, OlaTarget>;

export interface TargetFigure {
  met: number;
  missed: number;
  /** Not yet responded (or resolved) and still within the target: not judged yet. */
  pending: number;
  /** met / (met + missed), or null when nothing was judged. */
  share: number | null;
}

export interface OlaFigure {
  tickets: number;
  response: TargetFigure;
  resolution: TargetFigure;
}

export interface OlaReport {
  total: OlaFigure;
  groups: Record<string, OlaFigure>;
  engineers: Record<string, OlaFigure>;
  /** Tickets whose urgency has no target (and no default target is set). */
  withoutTarget: number;
}

type Verdict = 'met' | 'missed' | 'pending';

function verdict(created: number, done: string | undefined, targetMs: number, now: number): Verdict {
  if (done) return Date.parse(done) - created <= targetMs ? 'met' : 'missed';
  return now - created > targetMs ? 'missed' : 'pending';
}

const emptyTarget = (): TargetFigure => ({ met: 0, missed: 0, pending: 0, share: null });
const emptyFigure = (): OlaFigure => ({ tickets: 0, response: emptyTarget(), resolution: emptyTarget() });

function add(figure: OlaFigure, response: Verdict, resolution: Verdict) {
  figure.tickets++;
  figure.response[response]++;
  figure.resolution[resolution]++;
}

function finish(figure: OlaFigure): OlaFigure {
  for (const part of [figure.response, figure.resolution]) {
    const judged = part.met + part.missed;
    part.share = judged ? part.met / judged : null;
  }
  return figure;
}

export function targetFor(targets: OlaTargets, urgency: string | undefined): OlaTarget | undefined {
  const wanted = (urgency ?? '').toLowerCase();
  const found = Object.entries(targets).find(([word]) => word.toLowerCase() === wanted);
  return found?.[1] ?? targets.default;
}

export function computeOla(tickets: TicketTimes[], targets: OlaTargets, now: number): OlaReport {
  const report: OlaReport = { total: emptyFigure(), groups: {}, engineers: {}, withoutTarget: 0 };
  for (const ticket of tickets) {
    const target = targetFor(targets, ticket.urgency);
    if (!target) {
      report.withoutTarget++;
      continue;
    }
    const created = Date.parse(ticket.created);
    const response = verdict(created, ticket.responded ?? ticket.resolved, target.responseMs, now);
    const resolution = verdict(created, ticket.resolved, target.resolutionMs, now);
    add(report.total, response, resolution);
    add((report.groups[ticket.group] ??= emptyFigure()), response, resolution);
    if (ticket.engineer) add((report.engineers[ticket.engineer] ??= emptyFigure()), response, resolution);
  }
  finish(report.total);
  Object.values(report.groups).forEach(finish);
  Object.values(report.engineers).forEach(finish);
  return report;
}
