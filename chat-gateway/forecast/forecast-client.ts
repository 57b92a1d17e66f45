/** The gateway's calls into Temporal for forecasts: ask (signal-with-start, one run per request), stop watching, read the state. */
import type { Client } from '@temporalio/client';
import { WorkflowNotFoundError } from '@temporalio/common';
import { TASK_QUEUES } from '../../workers/task-queues';
import type { ChatRef, Person } from '../../workflows/restart/definitions';
import {
  askForecastSignal,
  forecastStateQuery,
  forecastWorkflowId,
  stopWatchingSignal,
  watcherKey,
  type ForecastAsk,
  type ForecastState,
  type ForecastWorkflowInput,
} from '../../workflows/forecast/definitions';

export class ForecastClient {
  constructor(
    private readonly client: Client,
    private readonly timing: { recheckMs: number; watchForMs: number },
  ) {}

  /** Starts the request's run, or adds the question to the running one; the workflow answers in the asker's chat. */
  async ask(request: string, ask: ForecastAsk): Promise<void> {
    const input: ForecastWorkflowInput = { request, ...this.timing };
    await this.client.workflow.signalWithStart('forecastWorkflow', {
      taskQueue: TASK_QUEUES.desk,
      workflowId: forecastWorkflowId(request),
      args: [input],
      signal: askForecastSignal,
      signalArgs: [ask],
    });
  }

  async state(request: string): Promise<ForecastState | undefined> {
    try {
      return await this.client.workflow.getHandle(forecastWorkflowId(request)).query(forecastStateQuery);
    } catch (err) {
      if (err instanceof WorkflowNotFoundError) return undefined;
      throw err;
    }
  }

  /** False when the person was not watching the request in that chat. */
  async stopWatching(request: string, who: { person: Person; chat: ChatRef }): Promise<boolean> {
    const state = await this.state(request);
    if (!state?.watchers.some((w) => watcherKey(w) === watcherKey(who))) return false;
    await this.client.workflow.getHandle(forecastWorkflowId(request)).signal(stopWatchingSignal, who);
    return true;
  }
}
