/**
 * The gateway's calls into Temporal for runbook actions: start a run (one per
 * chat message, so a message delivered twice is one run) and read its
 * progress. No state here: Temporal holds all of it.
 */
import { createHash } from 'node:crypto';
import { WorkflowExecutionAlreadyStartedError, type Client } from '@temporalio/client';
import { REQUESTED_BY_ATTR } from '../../lib/search-attributes';
import { TASK_QUEUES } from '../../workers/task-queues';
import { actionProgressQuery, actionWorkflowId, type ActionProgress, type ActionRequest } from '../../workflows/action/definitions';

export class ActionClient {
  constructor(private readonly client: Client) {}

  /** `origin` names the message that asked (platform, chat, message id): the same message starts the same run. */
  async start(request: ActionRequest, origin: string): Promise<{ workflowId: string; started: boolean }> {
    const workflowId = actionWorkflowId(request.actionId, createHash('sha256').update(origin).digest('hex').slice(0, 16));
    try {
      await this.client.workflow.start('actionWorkflow', {
        taskQueue: TASK_QUEUES.desk,
        workflowId,
        args: [request],
        typedSearchAttributes: [{ key: REQUESTED_BY_ATTR, value: request.requestedBy.id }],
      });
      return { workflowId, started: true };
    } catch (err) {
      if (err instanceof WorkflowExecutionAlreadyStartedError) return { workflowId, started: false };
      throw err;
    }
  }

  progress(workflowId: string): Promise<ActionProgress> {
    return this.client.workflow.getHandle(workflowId).query(actionProgressQuery);
  }
}
