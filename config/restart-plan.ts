/**
 * Turns a host's service configuration into the restart workflow's input, so
 * each run carries its own plan (visible in the Temporal UI) and the workflow
 * never reads config.
 */
import type { ChatRef, Person, RestartRequest, StepKind, StepPlan } from '../workflows/restart/definitions';
import type { DutydeskConfig, StepConfig } from './schema';

const STEP_KINDS: StepKind[] = ['run', 'wait', 'http', 'tcp', 'announce', 'sleep'];

export function webChat(config: DutydeskConfig, chatName: string): ChatRef {
  const chat = config.chats[chatName];
  return { platform: 'web', chatId: chat?.web ?? chatName };
}

/** A person's direct chat with the bot. */
export function directChat(personId: string): ChatRef {
  return { platform: 'web', chatId: `dm-${personId}` };
}

function planStep(config: DutydeskConfig, step: StepConfig): StepPlan {
  const kind = STEP_KINDS.find((k) => step[k] !== undefined) as StepKind;
  const defaultTimeout = kind === 'http' || kind === 'tcp' || kind === 'wait' ? 60_000 : config.restart.stepTimeout;
  return {
    name: step.name,
    title: step.title ?? step.name,
    kind,
    target: kind === 'sleep' ? '' : String(step[kind]),
    timeoutMs: kind === 'sleep' ? (step.sleep as number) : step.timeout ?? defaultTimeout,
    retries: step.retries ?? 0,
    intervalMs: step.interval ?? 1000,
    expectStatus: step.expectStatus,
    chat: step.chat ? webChat(config, step.chat) : undefined,
  };
}

export function buildRestartRequest(
  config: DutydeskConfig,
  hostName: string,
  serviceName: string,
  requestedBy: Person,
  chat: ChatRef,
): RestartRequest {
  const host = config.hosts[hostName];
  const service = host.services[serviceName];
  return {
    host: hostName,
    service: serviceName,
    requestedBy,
    chat,
    notifyChat: directChat(requestedBy.id),
    production: host.production,
    approval:
      host.production && config.notify.approvals
        ? { chat: webChat(config, config.notify.approvals), timeoutMs: config.restart.approvalTimeout }
        : undefined,
    heartbeatTimeoutMs: config.restart.heartbeatTimeout,
    plan: service.script
      ? { mode: 'script', script: service.script, timeoutMs: service.scriptTimeout ?? config.restart.stepTimeout }
      : { mode: 'steps', steps: (service.steps ?? []).map((s) => planStep(config, s)) },
  };
}
