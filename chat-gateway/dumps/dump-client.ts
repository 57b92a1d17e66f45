/** The gateway's calls into Temporal for dumps: start (one per service process), read progress, cancel. */
import { WorkflowExecutionAlreadyStartedError, type Client } from '@temporalio/client';
import { HOST_ATTR, REQUESTED_BY_ATTR, SERVICE_ATTR } from '../../lib/search-attributes';
import { TASK_QUEUES } from '../../workers/task-queues';
import type { Person } from '../../workflows/restart/definitions';
import { cancelDumpSignal, dumpProgressQuery, dumpWorkflowId, type DumpProgress, type DumpRequest } from '../../workflows/dump/definitions';

export type DumpStart = { started: true; workflowId: string } | { started: false; running: DumpProgress };

export class DumpClient {
  constructor(private readonly client: Client) {}

  async start(request: DumpRequest): Promise<DumpStart> {
    const workflowId = dumpWorkflowId(request.host, request.service);
    try {
      await this.client.workflow.start('dumpWorkflow', {
        taskQueue: TASK_QUEUES.desk,
        workflowId,
        args: [request],
        typedSearchAttributes: [
          { key: HOST_ATTR, value: request.host },
          { key: SERVICE_ATTR, value: request.service },
          { key: REQUESTED_BY_ATTR, value: request.requestedBy.id },
        ],
      });
      return { started: true, workflowId };
    } catch (err) {
      if (!(err instanceof WorkflowExecutionAlreadyStartedError)) throw err;
      return { started: false, running: await this.progress(workflowId) };
    }
  }

  progress(workflowId: string): Promise<DumpProgress> {
    return this.client.workflow.getHandle(workflowId).query(dumpProgressQuery);
  }

  async cancel(workflowId: string, by: Person): Promise<void> {
    await this.client.workflow.getHandle(workflowId).signal(cancelDumpSignal, by);
  }
}
