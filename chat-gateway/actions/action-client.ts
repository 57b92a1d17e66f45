/**
 * The gateway's calls into Temporal for runbook actions: start a run (one per
 * chat message, so a message delivered twice is one run) and read its
 * progress. No state here: Temporal holds all of it.
 */
import { createHash } from 'node:crypto';
import { WorkflowExecutionAlreadyStartedError, WorkflowIdReusePolicy, WorkflowUpdateFailedError, type Client } from '@temporalio/client';
import { REQUESTED_BY_ATTR, TEAM_ATTR } from '../../lib/search-attributes';
import { teamOfAction } from '../../config/teams';
import { TASK_QUEUES } from '../../workers/task-queues';
import { actionProgressQuery, actionWorkflowId, decideActionUpdate, type ActionProgress, type ActionRequest } from '../../workflows/action/definitions';
import type { Person } from '../../workflows/restart/definitions';

/** The run refused what was asked of it (self-approval, a decided run); the message is for the person. */
export class ActionRejected extends Error {}

export class ActionClient {
  /** `teams`: the deployment has teams, so runs carry DutydeskTeam. */
  constructor(
    private readonly client: Client,
    private readonly teams = false,
  ) {}

  /**
   * `origin` names what the run is one of: the message that asked (platform, chat, message id: the same message
   * starts the same run, `once`), or the action's concurrency key (one run per key at a time).
   */
  async start(request: ActionRequest, origin: string, once: boolean): Promise<{ workflowId: string; started: boolean }> {
    const workflowId = actionWorkflowId(request.actionId, createHash('sha256').update(origin).digest('hex').slice(0, 16));
    try {
      await this.client.workflow.start('actionWorkflow', {
        taskQueue: TASK_QUEUES.desk,
        workflowId,
        // A message's run happens once, even when the message comes again after it ended; a key's run, once at a time.
        workflowIdReusePolicy: once ? WorkflowIdReusePolicy.REJECT_DUPLICATE : WorkflowIdReusePolicy.ALLOW_DUPLICATE,
        args: [request],
        // DutydeskTeam only with teams: a namespace without teams need not register it.
        typedSearchAttributes: [{ key: REQUESTED_BY_ATTR, value: request.requestedBy.id }, ...(this.teams ? [{ key: TEAM_ATTR, value: teamOfAction(request.actionId) }] : [])],
      });
      return { workflowId, started: true };
    } catch (err) {
      if (err instanceof WorkflowExecutionAlreadyStartedError) return { workflowId, started: false };
      throw err;
    }
  }

  /** Running action runs, from Temporal's visibility store: the action and who asked. */
  /** `teams`: only those teams' runs (none: no run at all); absent: every run. */
  async running(limit = 20, teams?: string[]): Promise<{ workflowId: string; actionId: string; requestedBy: string }[]> {
    const found: { workflowId: string; actionId: string; requestedBy: string }[] = [];
    if (teams && teams.length === 0) return found;
    // Team names are checked at load (lowercase letters, digits, "-"), so they are safe in the query.
    const ofTeams = teams ? ` AND DutydeskTeam IN (${teams.map((t) => `'${t}'`).join(', ')})` : '';
    for await (const wf of this.client.workflow.list({ query: `WorkflowType = 'actionWorkflow' AND ExecutionStatus = 'Running'${ofTeams}`, pageSize: limit })) {
      const actionId = /^action-(?:schedule-)?([a-z0-9.-]+?)-(?:[0-9a-f]{16}|\d{4}-.*)$/.exec(wf.workflowId)?.[1] ?? wf.workflowId;
      found.push({ workflowId: wf.workflowId, actionId, requestedBy: wf.typedSearchAttributes.get(REQUESTED_BY_ATTR) ?? '' });
      if (found.length >= limit) break;
    }
    return found;
  }

  progress(workflowId: string): Promise<ActionProgress> {
    return this.client.workflow.getHandle(workflowId).query(actionProgressQuery);
  }

  async decide(workflowId: string, by: Person, approve: boolean): Promise<ActionProgress> {
    try {
      return await this.client.workflow.getHandle(workflowId).executeUpdate(decideActionUpdate, { args: [{ by, approve }] });
    } catch (err) {
      if (err instanceof WorkflowUpdateFailedError) throw new ActionRejected((err.cause as Error | undefined)?.message ?? err.message);
      if ((err as Error).name === 'WorkflowNotFoundError') throw new ActionRejected('that run has already ended');
      throw err;
    }
  }
}
