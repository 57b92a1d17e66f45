/**
 * Turns a host's service configuration into the restart workflow's input, so
 * each run carries its own plan (visible in the Temporal UI) and the workflow
 * never reads config.
 */
import type { ChatRef, Person, Platform, RestartRequest, StepKind, StepPlan } from '../workflows/restart/definitions';
import type { DutydeskConfig, StepConfig } from './schema';

const STEP_KINDS: StepKind[] = ['run', 'wait', 'http', 'tcp', 'announce', 'sleep'];

/** A named chat on the preferred platform when it is mapped there, else on the web console. */
export function namedChat(config: DutydeskConfig, chatName: string, preferred: Platform = 'web'): ChatRef {
  const chat = config.chats[chatName];
  const onPreferred = preferred === 'web' ? undefined : chat?.[preferred];
  if (onPreferred) return { platform: preferred, chatId: onPreferred };
  return { platform: 'web', chatId: chat?.web ?? chatName };
}

/** A person's direct chat with the bot, on the platform they are using when they have an identity there. */
export function directChat(config: DutydeskConfig, personId: string, preferred: Platform = 'web'): ChatRef {
  const user = config.users.find((u) => u.id === personId);
  if (preferred === 'telegram' && user?.telegram) return { platform: 'telegram', chatId: user.telegram };
  // Slack accepts a member id as the channel of chat.postMessage: the app's direct messages with them.
  if (preferred === 'slack' && user?.slack) return { platform: 'slack', chatId: user.slack };
  return { platform: 'web', chatId: `dm-${personId}` };
}

/** A chat's home: Telegram when it is mapped there, else Slack, else the web console. */
export function primaryChat(config: DutydeskConfig, chatName: string): ChatRef {
  const chat = config.chats[chatName];
  return namedChat(config, chatName, chat?.telegram ? 'telegram' : chat?.slack ? 'slack' : 'web');
}

/** A person's direct chat on the platform they have (Telegram, else Slack, else the web console). */
export function primaryDirectChat(config: DutydeskConfig, personId: string): ChatRef {
  const user = config.users.find((u) => u.id === personId);
  return directChat(config, personId, user?.telegram ? 'telegram' : user?.slack ? 'slack' : 'web');
}

function planStep(config: DutydeskConfig, step: StepConfig, platform: Platform): StepPlan {
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
    chat: step.chat ? namedChat(config, step.chat, platform) : undefined,
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
    notifyChat: directChat(config, requestedBy.id, chat.platform),
    production: host.production,
    approval:
      host.production && config.notify.approvals
        ? { chat: namedChat(config, config.notify.approvals, chat.platform), timeoutMs: config.restart.approvalTimeout }
        : undefined,
    heartbeatTimeoutMs: config.restart.heartbeatTimeout,
    plan: service.script
      ? { mode: 'script', script: service.script, timeoutMs: service.scriptTimeout ?? config.restart.stepTimeout }
      : { mode: 'steps', steps: (service.steps ?? []).map((s) => planStep(config, s, chat.platform)) },
  };
}
