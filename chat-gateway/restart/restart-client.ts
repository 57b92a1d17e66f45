/**
 * The gateway's calls into Temporal for restarts: start (one per host), query,
 * cancel, approve, watch. No state here: Temporal holds all of it.
 */
import { WorkflowExecutionAlreadyStartedError, WorkflowUpdateFailedError, type Client } from '@temporalio/client';
import { HOST_ATTR, REQUESTED_BY_ATTR, SERVICE_ATTR } from '../../lib/search-attributes';
import { TASK_QUEUES } from '../../workers/task-queues';
import {
  cancelUpdate,
  decideUpdate,
  progressQuery,
  restartWorkflowId,
  watchSignal,
  type ChatRef,
  type Person,
  type RestartProgress,
  type RestartRequest,
} from '../../workflows/restart/definitions';

export type StartResult = { started: true; workflowId: string; runId: string } | { started: false; running: RestartProgress };

/** An update the workflow refused (for example self-approval); the message is for the user. */
export class RestartRejected extends Error {}

export class RestartClient {
  constructor(private readonly client: Client) {}

  async start(request: RestartRequest): Promise<StartResult> {
    const workflowId = restartWorkflowId(request.host);
    try {
      const handle = await this.client.workflow.start('restartWorkflow', {
        taskQueue: TASK_QUEUES.desk,
        workflowId,
        args: [request],
        typedSearchAttributes: [
          { key: HOST_ATTR, value: request.host },
          { key: SERVICE_ATTR, value: request.service },
          { key: REQUESTED_BY_ATTR, value: request.requestedBy.id },
        ],
      });
      return { started: true, workflowId, runId: handle.firstExecutionRunId };
    } catch (err) {
      if (!(err instanceof WorkflowExecutionAlreadyStartedError)) throw err;
      return { started: false, running: await this.progress(workflowId) };
    }
  }

  /** The current (or last) run of a host's restart, or undefined when none ever ran. */
  async progress(workflowId: string): Promise<RestartProgress> {
    return this.client.workflow.getHandle(workflowId).query(progressQuery);
  }

  async lastForHost(host: string): Promise<RestartProgress | undefined> {
    try {
      return await this.progress(restartWorkflowId(host));
    } catch (err) {
      if ((err as Error).name === 'WorkflowNotFoundError') return undefined;
      throw err;
    }
  }

  /** Running restarts, newest first, from Temporal's visibility store. */
  async running(): Promise<{ workflowId: string; host: string; requestedBy: string }[]> {
    const found: { workflowId: string; host: string; requestedBy: string }[] = [];
    for await (const wf of this.client.workflow.list({ query: `WorkflowType = 'restartWorkflow' AND ExecutionStatus = 'Running'` })) {
      found.push({
        workflowId: wf.workflowId,
        host: wf.typedSearchAttributes.get(HOST_ATTR) ?? wf.workflowId.replace(/^restart-/, ''),
        requestedBy: wf.typedSearchAttributes.get(REQUESTED_BY_ATTR) ?? '',
      });
    }
    return found;
  }

  cancel(workflowId: string, by: Person): Promise<RestartProgress> {
    return this.update(() => this.client.workflow.getHandle(workflowId).executeUpdate(cancelUpdate, { args: [by] }));
  }

  decide(workflowId: string, by: Person, approve: boolean): Promise<RestartProgress> {
    return this.update(() => this.client.workflow.getHandle(workflowId).executeUpdate(decideUpdate, { args: [{ by, approve }] }));
  }

  async watch(workflowId: string, person: Person, chat: ChatRef): Promise<void> {
    await this.client.workflow.getHandle(workflowId).signal(watchSignal, { person, chat });
  }

  private async update(call: () => Promise<RestartProgress>): Promise<RestartProgress> {
    try {
      return await call();
    } catch (err) {
      if (err instanceof WorkflowUpdateFailedError) throw new RestartRejected((err.cause as Error | undefined)?.message ?? err.message);
      if ((err as Error).name === 'WorkflowNotFoundError') throw new RestartRejected('that restart has already ended');
      throw err;
    }
  }
}
