/**
 * The gateway's calls into Temporal for deadlines and OLA: run `deadlines`
 * for one person, trigger the groups' reminder schedules, compute OLA
 * figures. No state here: Temporal holds all of it.
 */
import { randomUUID } from 'node:crypto';
import { ScheduleNotFoundError, ScheduleOverlapPolicy, type Client } from '@temporalio/client';
import { TASK_QUEUES } from '../../workers/task-queues';
import { reminderScheduleId, type OlaRequest, type OlaResult, type PersonalDeadlinesInput } from '../../workflows/deadlines/definitions';

export class DeadlineClient {
  constructor(private readonly client: Client) {}

  async personal(input: PersonalDeadlinesInput): Promise<void> {
    await this.client.workflow.start('personalDeadlinesWorkflow', { workflowId: `deadlines-${input.userId}-${randomUUID()}`, taskQueue: TASK_QUEUES.desk, args: [input] });
  }

  /**
   * As "Trigger" in the Temporal UI: each group's schedule starts a run now,
   * beside any running one. Groups whose schedule the worker has not created
   * yet (it does so when it starts) come back as missing.
   */
  async trigger(groups: string[]): Promise<{ triggered: string[]; missing: string[] }> {
    const triggered: string[] = [];
    const missing: string[] = [];
    for (const group of groups) {
      try {
        await this.client.schedule.getHandle(reminderScheduleId(group)).trigger(ScheduleOverlapPolicy.ALLOW_ALL);
        triggered.push(group);
      } catch (err) {
        if (!(err instanceof ScheduleNotFoundError)) throw err;
        missing.push(group);
      }
    }
    return { triggered, missing };
  }

  /** Starts the OLA report; with `answer` it replies in chat, without it the figures are returned. */
  async ola(request: OlaRequest): Promise<OlaResult | undefined> {
    const handle = await this.client.workflow.start('olaReportWorkflow', { workflowId: `ola-${randomUUID()}`, taskQueue: TASK_QUEUES.desk, args: [request] });
    return request.answer ? undefined : ((await handle.result()) as OlaResult);
  }
}
