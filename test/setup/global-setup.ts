/** Bundles the workflows once for the whole run, so each test's worker starts in a moment. */
import { mkdirSync, writeFileSync } from 'node:fs';
import path from 'node:path';
import { bundleWorkflowCode } from '@temporalio/worker';

export default async function globalSetup(): Promise<void> {
  const out = path.resolve(__dirname, '../../.cache/test/workflow-bundle.js');
  const { code } = await bundleWorkflowCode({
    workflowsPath: path.resolve(__dirname, '../../workflows/index.ts'),
    logger: { log: () => undefined, trace: () => undefined, debug: () => undefined, info: () => undefined, warn: console.warn, error: console.error },
  });
  mkdirSync(path.dirname(out), { recursive: true });
  writeFileSync(out, code);
  process.env.DUTYDESK_WORKFLOW_BUNDLE = out;
}
