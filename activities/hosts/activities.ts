/**
 * Host operations as Temporal activities, built by a factory over their
 * dependencies (the worker's configuration, the executors and a client to
 * report script progress), so tests pass real peers and never module mocks.
 * What runs comes from the configuration, never from the workflow's input.
 */
import { Context } from '@temporalio/activity';
import { ApplicationFailure } from '@temporalio/common';
import { WorkflowNotFoundError, type Client } from '@temporalio/client';
import type { LoadedConfig } from '../../config/load';
import { own } from '../../lib/own';
import { redactSecrets } from '../../lib/redact';
import {
  progressQuery,
  scriptStepSignal,
  type LegacyRestartScriptInput,
  type LegacyRestartStepInput,
  type RestartScriptInput,
  type RestartStepInput,
  type StepState,
} from '../../workflows/restart/definitions';
import type { HostExecutors } from './executors';
import { withHeartbeat } from '../heartbeat';
import { configured, scriptFromConfig, STEP_NAME, stepFromConfig } from './from-config';
import { shellQuote } from './shell';
import { SshAccessDenied } from './ssh-executor';
import { runStep, StepFailed } from './step-runner';

export interface HostActivityDeps {
  config: LoadedConfig;
  executors: HostExecutors;
  client: Client;
}

const SCRIPT_MARK = /^::(step|done|fail|skip)\s+(\S+)(?:\s+(.*))?$/;
const MARK_STATE: Record<string, StepState> = { step: 'running', done: 'done', fail: 'failed', skip: 'skipped' };

/** A progress mark, tried three times over about 3 s. */
async function sendMark(send: () => Promise<void>): Promise<void> {
  for (let attempt = 1; ; attempt++) {
    try {
      return await send();
    } catch (err) {
      // A run that is gone will not come back: no point trying again.
      if (attempt >= 3 || err instanceof WorkflowNotFoundError) throw err;
      await new Promise((r) => setTimeout(r, 1000 * attempt));
    }
  }
}

export function createHostActivities({ config, executors, client }: HostActivityDeps) {
  /**
   * Runs started before this worker version did not say they were production runs. A step of such a run on
   * a production host goes on when the run itself (asked through its progress query, answered by our workflow
   * code from its history) is a production run a second person approved; otherwise it is refused as before.
   */
  async function withProductionFromRun<T extends { host: string; production?: boolean }>(input: T): Promise<T> {
    if (typeof input !== 'object' || input === null || input.production !== undefined || !own(config.hosts, input.host)?.production) return input;
    const { workflowExecution } = Context.current().info;
    if (!workflowExecution) return input;
    const progress = await client.workflow.getHandle(workflowExecution.workflowId, workflowExecution.runId).query(progressQuery).catch(() => undefined);
    return progress?.production === true && progress.approvedBy ? { ...input, production: true } : input;
  }

  return {
    /** One configured step, by host, service and step name (or, for runs started before, a step that is exactly a configured one). */
    async runRestartStep(input: RestartStepInput | LegacyRestartStepInput): Promise<{ detail?: string }> {
      const checked = await withProductionFromRun(input);
      const step = configured('runRestartStep', () => stepFromConfig(config, checked));
      const executor = executors.for(input.host);
      return withHeartbeat(async (signal) => {
        try {
          const detail = await runStep(step, executor, signal);
          return { detail: detail === undefined ? undefined : redactSecrets(detail) };
        } catch (err) {
          if (err instanceof StepFailed || err instanceof SshAccessDenied) throw ApplicationFailure.nonRetryable(redactSecrets(err.message), 'StepFailed');
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
    async runRestartScript(input: RestartScriptInput | LegacyRestartScriptInput): Promise<void> {
      const checked = await withProductionFromRun(input);
      const plan = configured('runRestartScript', () => scriptFromConfig(config, checked));
      const executor = executors.for(input.host);
      const { workflowExecution } = Context.current().info;
      if (!workflowExecution) throw ApplicationFailure.nonRetryable('runRestartScript runs only inside a restart workflow', 'StepFailed');
      const handle = client.workflow.getHandle(workflowExecution.workflowId, workflowExecution.runId);
      // What is done now, not when the activity was first scheduled: a retry after a worker crash reuses that
      // first input, whose list was empty. An earlier attempt heartbeats the steps the script marked done.
      const earlier = Context.current().info.heartbeatDetails as { done?: unknown } | undefined;
      const marked = Array.isArray(earlier?.done) ? earlier.done.filter((n): n is string => typeof n === 'string') : [];
      const done = new Set([...plan.doneSteps, ...marked].filter((name) => STEP_NAME.test(name)));
      const doneSteps = [...done];
      let failure: string | undefined;
      let marks = Promise.resolve();
      let runGone = false;
      const log = Context.current().log;
      const ctx = Context.current();
      const result = await withHeartbeat((signal) =>
        // Passed on the command line, not as an SSH env request, which most sshd configs refuse.
        executor.exec(`DUTYDESK_DONE_STEPS=${shellQuote(doneSteps.join(','))} ${plan.script}`, {
          timeoutMs: plan.timeoutMs,
          signal,
          onLine: (line) => {
            const m = SCRIPT_MARK.exec(line.trim());
            if (!m) return;
            const [, kind, name, rest] = m;
            const said = rest === undefined ? undefined : redactSecrets(rest);
            if (kind === 'fail') failure = said || `step ${name} failed`;
            if (kind === 'done' || kind === 'skip') {
              done.add(name);
              ctx.heartbeat({ done: [...done] });
            }
            const mark = { name, state: MARK_STATE[kind], at: Date.now(), title: kind === 'step' ? said : undefined, detail: kind === 'fail' ? said : undefined };
            // Keep marks in order: each signal waits for the one before it. One that cannot be sent (Temporal
            // away a moment) is tried again, then left out: a lost mark must not end the script or the worker.
            // Once the run is known to be gone, the rest of its marks are dropped at once (said once).
            marks = marks.then(() =>
              runGone
                ? undefined
                : sendMark(() => handle.signal(scriptStepSignal, mark)).catch((err: Error) => {
                    if (err instanceof WorkflowNotFoundError) runGone = true;
                    log.warn(`dutydesk: step mark ${kind} ${name} not sent: ${err.message}${runGone ? ' (the run is gone: its further marks are left out)' : ''}`);
                  }),
            );
          },
        }),
        () => ({ done: [...done] }),
      );
      await marks;
      if (result.code === 0) return;
      const why = result.timedOut ? `timed out after ${Math.round(plan.timeoutMs / 1000)} s` : failure ?? `exit code ${result.code ?? 'killed'}: ${result.stderr.trim().split('\n').pop() ?? ''}`;
      throw ApplicationFailure.nonRetryable(redactSecrets(why), 'StepFailed');
    },
  };
}
