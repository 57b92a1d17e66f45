/**
 * Host operations as Temporal activities, built by a factory over their
 * dependencies (the executors and a client to report script progress), so
 * tests pass real peers and never module mocks.
 */
import { Context } from '@temporalio/activity';
import { ApplicationFailure } from '@temporalio/common';
import type { Client } from '@temporalio/client';
import { scriptStepSignal, type StepPlan, type StepState } from '../../workflows/restart/definitions';
import type { HostExecutors } from './executors';
import { withHeartbeat } from '../heartbeat';
import { SshAccessDenied } from './ssh-executor';
import { runStep, StepFailed } from './step-runner';

export interface HostActivityDeps {
  executors: HostExecutors;
  client: Client;
}

const SCRIPT_MARK = /^::(step|done|fail|skip)\s+(\S+)(?:\s+(.*))?$/;
const MARK_STATE: Record<string, StepState> = { step: 'running', done: 'done', fail: 'failed', skip: 'skipped' };

export function createHostActivities({ executors, client }: HostActivityDeps) {
  return {
    async runRestartStep(input: { host: string; step: StepPlan }): Promise<{ detail?: string }> {
      const executor = executors.for(input.host);
      return withHeartbeat(async (signal) => {
        try {
          return { detail: await runStep(input.step, executor, signal) };
        } catch (err) {
          if (err instanceof StepFailed || err instanceof SshAccessDenied) throw ApplicationFailure.nonRetryable(err.message, 'StepFailed');
          throw err; // connection trouble: Temporal retries it
        }
      });
    },

    /**
     * Runs the service's restart script. Its "::step / ::done / ::fail" lines are
     * sent to the workflow as they appear, so chat shows the script's own steps.
     * Steps already done in an earlier attempt are passed in DUTYDESK_DONE_STEPS
     * so a script can skip them after a worker crash.
     */
    async runRestartScript(input: { host: string; script: string; timeoutMs: number; doneSteps: string[] }): Promise<void> {
      const executor = executors.for(input.host);
      const { workflowExecution } = Context.current().info;
      if (!workflowExecution) throw ApplicationFailure.nonRetryable('runRestartScript runs only inside a restart workflow', 'StepFailed');
      const handle = client.workflow.getHandle(workflowExecution.workflowId, workflowExecution.runId);
      let failure: string | undefined;
      let marks = Promise.resolve();
      const result = await withHeartbeat((signal) =>
        // Passed on the command line, not as an SSH env request, which most sshd configs refuse.
        executor.exec(`DUTYDESK_DONE_STEPS='${input.doneSteps.join(',')}' ${input.script}`, {
          timeoutMs: input.timeoutMs,
          signal,
          onLine: (line) => {
            const m = SCRIPT_MARK.exec(line.trim());
            if (!m) return;
            const [, kind, name, rest] = m;
            if (kind === 'fail') failure = rest || `step ${name} failed`;
            const mark = { name, state: MARK_STATE[kind], at: Date.now(), title: kind === 'step' ? rest : undefined, detail: kind === 'fail' ? rest : undefined };
            // Keep marks in order: each signal waits for the one before it.
            marks = marks.then(() => handle.signal(scriptStepSignal, mark));
          },
        }),
      );
      await marks;
      if (result.code === 0) return;
      const why = result.timedOut ? `timed out after ${Math.round(input.timeoutMs / 1000)} s` : failure ?? `exit code ${result.code ?? 'killed'}: ${result.stderr.trim().split('\n').pop() ?? ''}`;
      throw ApplicationFailure.nonRetryable(why, 'StepFailed');
    },
  };
}
