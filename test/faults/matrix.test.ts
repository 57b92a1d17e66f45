/**
 * A cut of the fault matrix (the whole of it: `npm run bench:faults`): each
 * fault once during a restart, and the faults dumps and chat bursts depend on
 * most. Every run finishes, no completed step runs again, none runs twice at
 * once, no message is lost or out of order, and a duplicate happens only in
 * the documented window. The table is printed.
 */
import { startLab, type Lab } from './matrix/lab';
import { QUICK_MATRIX, runMatrix, summary, table, totals } from './matrix/matrix';
import type { Outcome } from './matrix/scenarios';

let lab: Lab;
let outcomes: Outcome[] = [];

beforeAll(async () => {
  lab = await startLab();
}, 180_000);

afterAll(async () => {
  if (outcomes.length) process.stdout.write(`\nFault matrix (npm test's cut)\n${table(outcomes)}\n${summary(outcomes)}\n`);
  await lab?.stop();
});

test('every fault of the cut: runs finish, nothing completed runs again or twice at once, no message lost, duplicated only in the window', async () => {
  outcomes = await runMatrix(lab, QUICK_MATRIX, (line) => process.stdout.write(`${line}\n`));
  const t = totals(outcomes);
  expect({ unfinished: outcomes.filter((o) => !o.finished).map((o) => `${o.scenario} ${o.point} ${o.target}${o.note ? `: ${o.note}` : ''}`) }).toEqual({ unfinished: [] });
  expect({ rerun: t.rerun, overlaps: t.overlaps, lost: t.lost, outOfOrder: t.outOfOrder, duplicatedOutsideWindow: t.duplicated - t.window }).toEqual({
    rerun: 0,
    overlaps: 0,
    lost: 0,
    outOfOrder: 0,
    duplicatedOutsideWindow: 0,
  });
  // The window is real and measured: a send Telegram stored, whose answer never reached the killed worker, is sent again, once.
  const midSend = outcomes.find((o) => o.scenario === 'burst' && o.target === 'worker' && o.point.includes('held'));
  expect(midSend && { duplicated: midSend.duplicated, window: midSend.window }).toEqual({ duplicated: 1, window: 1 });
}, 1_200_000);
