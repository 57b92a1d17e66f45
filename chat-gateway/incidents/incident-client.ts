/**
 * The gateway's calls into Temporal for incidents: acknowledge, silence and
 * unsilence (updates, answered by the incident's workflow), its state, and
 * the list of open ones. No state here: Temporal holds all of it.
 */
import { WorkflowUpdateFailedError, type Client } from '@temporalio/client';
import { rootMessage } from '../../lib/failure';
import {
  acknowledgeUpdate,
  hostIncidentId,
  INCIDENT_PREFIX,
  incidentStateQuery,
  silenceUpdate,
  unsilenceUpdate,
  type AcknowledgeRequest,
  type AcknowledgeResult,
  type IncidentSilence,
  type SilenceRequest,
} from '../../workflows/incident/definitions';
import type { Person } from '../../workflows/restart/definitions';

/** How many open incidents `health` lists. */
const LIST_LIMIT = 30;

export type IncidentSnapshot = Awaited<ReturnType<IncidentClient['state']>> & { workflowId: string };

/** The incident's workflow refused or failed the action; the message is for the user. */
export class IncidentActionFailed extends Error {}
/** No incident runs under this id (it ended, or never was). */
export class IncidentOver extends Error {}

/** Incident ids come from button data: only ours, of the shapes we make. */
export function isIncidentId(value: string): boolean {
  return value.startsWith(INCIDENT_PREFIX) && /^incident-(host-[A-Za-z0-9][A-Za-z0-9_.-]{0,100}|alert-[0-9a-f]{1,32})$/.test(value);
}

export class IncidentClient {
  constructor(private readonly client: Client) {}

  acknowledge(workflowId: string, request: AcknowledgeRequest): Promise<AcknowledgeResult> {
    return this.update(() => this.client.workflow.getHandle(workflowId).executeUpdate(acknowledgeUpdate, { args: [request] }));
  }

  silence(workflowId: string, request: SilenceRequest): Promise<IncidentSilence> {
    return this.update(() => this.client.workflow.getHandle(workflowId).executeUpdate(silenceUpdate, { args: [request] }));
  }

  unsilence(workflowId: string, person: Person): Promise<boolean> {
    return this.update(() => this.client.workflow.getHandle(workflowId).executeUpdate(unsilenceUpdate, { args: [{ person }] }));
  }

  async state(workflowId: string) {
    try {
      return await this.client.workflow.getHandle(workflowId).query(incidentStateQuery);
    } catch (err) {
      if (notFound(err)) throw new IncidentOver();
      throw err;
    }
  }

  /** The host's open incident, if one runs. */
  async forHost(host: string): Promise<IncidentSnapshot | undefined> {
    const workflowId = hostIncidentId(host);
    try {
      const description = await this.client.workflow.getHandle(workflowId).describe();
      if (description.status.name !== 'RUNNING') return undefined;
      return { ...(await this.state(workflowId)), workflowId };
    } catch (err) {
      if (err instanceof IncidentOver || notFound(err)) return undefined;
      throw err;
    }
  }

  /** Open incidents, newest first, at most LIST_LIMIT, and how many there are in all. */
  async open(): Promise<{ incidents: IncidentSnapshot[]; total: number }> {
    const query = `WorkflowType = 'incidentWorkflow' AND ExecutionStatus = 'Running'`;
    const { count } = await this.client.workflow.count(query);
    const incidents: IncidentSnapshot[] = [];
    for await (const wf of this.client.workflow.list({ query, pageSize: LIST_LIMIT })) {
      const state = await this.state(wf.workflowId).catch(() => undefined);
      if (state && state.phase !== 'quiet') incidents.push({ ...state, workflowId: wf.workflowId });
      if (incidents.length >= LIST_LIMIT) break;
    }
    return { incidents, total: count };
  }

  private async update<T>(call: () => Promise<T>): Promise<T> {
    try {
      return await call();
    } catch (err) {
      if (err instanceof WorkflowUpdateFailedError) throw new IncidentActionFailed(rootMessage(err.cause ?? err));
      if (notFound(err)) throw new IncidentOver();
      throw err;
    }
  }
}

function notFound(err: unknown): boolean {
  const e = err as Error;
  return e?.name === 'WorkflowNotFoundError' || /already completed|not found/i.test(e?.message ?? '');
}
