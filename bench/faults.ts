/**
 * The whole fault matrix: for the worker, the gateway, the Temporal dev
 * server, the SSH connection and the Telegram API, a fault at each step of a
 * restart, at each stage of a heap dump and a thread dump, and three points of
 * a 500-message burst. Prints each run as it ends, then the table and totals.
 * Targets: 100% finished, 0 completed steps run again, 0 running twice at
 * once, 0 messages lost or out of order, 0 duplicated outside the documented
 * window.
 *   npm run bench:faults -- [scenario filter, e.g. restart]
 */
import { mkdirSync, writeFileSync } from 'node:fs';
import path from 'node:path';
import { bundleWorkflowCode } from '@temporalio/worker';
import { startLab } from '../test/faults/matrix/lab';
import { FULL_MATRIX, runMatrix, summary, table, totals } from '../test/faults/matrix/matrix';

async function main() {
  const only = process.argv[2];
  const cases = FULL_MATRIX.filter((c) => !only || c.scenario.includes(only));
  // One bundle for every worker the matrix starts, so each new worker is ready in a moment.
  const bundle = path.resolve(__dirname, '../.cache/bench/workflow-bundle.js');
  const quiet = () => undefined;
  const { code } = await bundleWorkflowCode({ workflowsPath: path.resolve(__dirname, '../workflows/index.ts'), logger: { log: quiet, trace: quiet, debug: quiet, info: quiet, warn: console.warn, error: console.error } });
  mkdirSync(path.dirname(bundle), { recursive: true });
  writeFileSync(bundle, code);
  process.env.DUTYDESK_WORKFLOW_BUNDLE = bundle;

  console.log(`fault matrix: ${cases.length} runs`);
  const lab = await startLab();
  try {
    const outcomes = await runMatrix(lab, cases, (line) => console.log(line));
    console.log(`\n${table(outcomes)}\n\n${summary(outcomes)}`);
    const t = totals(outcomes);
    process.exitCode = t.finished === t.runs && !t.rerun && !t.overlaps && !t.lost && !t.outOfOrder && t.duplicated === t.window ? 0 : 1;
  } finally {
    await lab.stop();
  }
}

main().catch((err) => {
  console.error(err);
  process.exit(1);
});
