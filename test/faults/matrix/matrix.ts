/**
 * The fault matrix: which fault at which point of which scenario, run one
 * after another on one lab, and the table of what was counted. The full
 * matrix is `npm run bench:faults`; `npm test` runs a cut of it
 * (test/faults/matrix.test.ts).
 */
import { RESTART_STEPS, type Lab } from './lab';
import { BURST, HOW, runBurst, runDump, runRestart, TARGETS, type Outcome, type Scenario, type Target } from './scenarios';

export interface Case {
  scenario: Scenario;
  point: string;
  target: Target;
}

const POINTS: Record<Scenario, string[]> = {
  restart: RESTART_STEPS,
  'heap dump': ['jcmd', 'fetch'],
  'thread dump': ['jcmd', 'second jcmd'],
  burst: ['100', '250', '400', 'mid-send'],
};

/** Every fault at every point; the SSH connection plays no part in a chat burst. */
export const FULL_MATRIX: Case[] = (Object.keys(POINTS) as Scenario[]).flatMap((scenario) =>
  POINTS[scenario].flatMap((point) => TARGETS.filter((t) => !(scenario === 'burst' && t === 'ssh')).map((target) => ({ scenario, point, target }))),
);

/** The cut `npm test` runs: every fault once in a restart, and the ones each other scenario depends on most. */
export const QUICK_MATRIX: Case[] = [
  ...TARGETS.map((target): Case => ({ scenario: 'restart', point: 'migrate', target })),
  { scenario: 'heap dump', point: 'jcmd', target: 'temporal' },
  { scenario: 'heap dump', point: 'fetch', target: 'ssh' },
  // The worker killed between two thread dumps: the retry cuts what the second one wrote and goes on from it.
  { scenario: 'thread dump', point: 'second jcmd', target: 'worker' },
  ...(['worker', 'temporal', 'chat'] as Target[]).map((target): Case => ({ scenario: 'burst', point: '250', target })),
  // The documented window, measured: the worker killed while Telegram holds back its answer to a send it stored.
  { scenario: 'burst', point: 'mid-send', target: 'worker' },
];

export function runCase(lab: Lab, c: Case): Promise<Outcome> {
  switch (c.scenario) {
    case 'restart':
      return runRestart(lab, c.point, c.target);
    case 'heap dump':
      return runDump(lab, 'heap', c.point, c.target);
    case 'thread dump':
      return runDump(lab, 'threads', c.point, c.target);
    case 'burst':
      return runBurst(lab, c.point, c.target);
  }
}

/** Runs the cases in order, saying each outcome as it comes. */
export async function runMatrix(lab: Lab, cases: Case[], say: (line: string) => void = () => undefined): Promise<Outcome[]> {
  const outcomes: Outcome[] = [];
  for (const [i, c] of cases.entries()) {
    const outcome = await runCase(lab, c);
    outcomes.push(outcome);
    say(`[${i + 1}/${cases.length}] ${row(outcome)}`);
  }
  return outcomes;
}

function row(o: Outcome): string {
  const dup = o.duplicated ? `${o.duplicated} (${o.window} in window)` : '0';
  const cells = [o.scenario, o.point, o.target, o.finished ? 'yes' : 'NO', o.rerun, o.overlaps, o.lost, dup, o.outOfOrder, o.seconds.toFixed(1)];
  return `| ${cells.join(' | ')} |${o.note ? ` ${o.note}` : ''}`;
}

export function table(outcomes: Outcome[]): string {
  const head = '| scenario | fault at | fault in | finished | completed steps run again | running twice at once | messages lost | duplicated | out of order | s |';
  const rule = `|${head.split('|').slice(1, -1).map(() => '---').join('|')}|`;
  return [head, rule, ...outcomes.map(row)].join('\n');
}

export type Totals = { runs: number; finished: number } & Pick<Outcome, 'rerun' | 'overlaps' | 'lost' | 'duplicated' | 'window' | 'outOfOrder'>;

export function totals(outcomes: Outcome[]): Totals {
  const sum = (f: (o: Outcome) => number) => outcomes.reduce((n, o) => n + f(o), 0);
  return {
    runs: outcomes.length,
    finished: sum((o) => (o.finished ? 1 : 0)),
    rerun: sum((o) => o.rerun),
    overlaps: sum((o) => o.overlaps),
    lost: sum((o) => o.lost),
    duplicated: sum((o) => o.duplicated),
    window: sum((o) => o.window),
    outOfOrder: sum((o) => o.outOfOrder),
  };
}

export function summary(outcomes: Outcome[]): string {
  const t = totals(outcomes);
  const messages = outcomes.filter((o) => o.scenario === 'burst').length * BURST.messages;
  return [
    `runs finished: ${t.finished}/${t.runs} (${Math.round((100 * t.finished) / Math.max(1, t.runs))}%; target 100%)`,
    `completed steps run again: ${t.rerun} (target 0); steps running twice at once: ${t.overlaps} (target 0)`,
    `messages lost: ${t.lost}, out of order: ${t.outOfOrder} (targets 0); duplicated: ${t.duplicated}, of which ${t.window} in the documented window (the platform accepted a send whose completion was lost) and ${t.duplicated - t.window} outside it (target 0)` +
      (messages ? `; bursts carried ${messages} messages` : ''),
    'faults: ' + Object.entries(HOW).map(([target, how]) => `${target} = ${how}`).join('; '),
  ].join('\n');
}
