/**
 * A host's service configuration as a restart: the workflow's input (names,
 * titles, kinds and timeouts, so the run is readable in the Temporal UI and
 * the workflow never reads config) and, on the worker, what each step runs,
 * resolved by name from the worker's own configuration.
 */
import { own } from '../lib/own';
import type { ChatRef, Person, Platform, RestartRequest, StepKind, StepPlan } from '../workflows/restart/definitions';
import { configuredHost, configuredService, NotInConfiguration, planIdOf } from './inventory';
import type { DutydeskConfig, StepConfig } from './schema';

const STEP_KINDS: StepKind[] = ['run', 'wait', 'http', 'tcp', 'announce', 'sleep'];
export const HOST_STEP_KINDS: StepKind[] = ['run', 'wait', 'http', 'tcp'];

/** A step that runs on (or checks) the host, as the worker runs it. */
export interface HostStep {
  name: string;
  kind: 'run' | 'wait' | 'http' | 'tcp';
  /** The command, URL or host:port. */
  target: string;
  timeoutMs: number;
  retries: number;
  intervalMs: number;
  expectStatus?: number;
}

/** A named chat on the preferred platform when it is mapped there, else on the web console. */
export function namedChat(config: DutydeskConfig, chatName: string, preferred: Platform = 'web'): ChatRef {
  const chat = own(config.chats, chatName);
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
  const chat = own(config.chats, chatName);
  return namedChat(config, chatName, chat?.telegram ? 'telegram' : chat?.slack ? 'slack' : 'web');
}

/** A person's direct chat on the platform they have (Telegram, else Slack, else the web console). */
export function primaryDirectChat(config: DutydeskConfig, personId: string): ChatRef {
  const user = config.users.find((u) => u.id === personId);
  return directChat(config, personId, user?.telegram ? 'telegram' : user?.slack ? 'slack' : 'web');
}

/** Everything a configured step does, with the defaults applied. */
function fullStep(config: DutydeskConfig, step: StepConfig): Omit<HostStep, 'kind'> & { kind: StepKind } {
  const kind = STEP_KINDS.find((k) => step[k] !== undefined) as StepKind;
  const defaultTimeout = kind === 'http' || kind === 'tcp' || kind === 'wait' ? 60_000 : config.restart.stepTimeout;
  return {
    name: step.name,
    kind,
    target: kind === 'sleep' ? '' : String(step[kind]),
    timeoutMs: kind === 'sleep' ? (step.sleep as number) : step.timeout ?? defaultTimeout,
    retries: step.retries ?? 0,
    intervalMs: step.interval ?? 1000,
    expectStatus: step.expectStatus,
  };
}

/** What the workflow carries of a step: no command, URL or address (they may hold secrets, and the worker resolves them). */
function shownStep(config: DutydeskConfig, step: StepConfig, platform: Platform): StepPlan {
  const full = fullStep(config, step);
  const shown: StepPlan = { name: full.name, title: step.title ?? step.name, kind: full.kind, timeoutMs: full.timeoutMs };
  if (full.kind === 'announce') {
    shown.target = full.target;
    if (step.chat) shown.chat = namedChat(config, step.chat, platform);
  }
  return shown;
}

/** The identity of a service's restart plan: what runs, where, and whether it needs approval. */
export function restartPlanId(config: DutydeskConfig, hostName: string, serviceName: string): string {
  const host = configuredHost(config, hostName);
  const service = configuredService(config, hostName, serviceName);
  return planIdOf({
    production: host.production,
    script: service.script ?? null,
    scriptTimeoutMs: service.script ? service.scriptTimeout ?? config.restart.stepTimeout : null,
    steps: (service.steps ?? []).map((s) => fullStep(config, s)),
  });
}

/** A host step of the service by name, as configured; anything else is refused. */
export function configuredHostStep(config: DutydeskConfig, hostName: string, serviceName: string, stepName: unknown): HostStep {
  const service = configuredService(config, hostName, serviceName);
  const step = typeof stepName === 'string' ? (service.steps ?? []).find((s) => s.name === stepName) : undefined;
  if (!step) {
    const names = (service.steps ?? []).map((s) => s.name).join(', ') || '(it runs a script)';
    throw new NotInConfiguration(`${serviceName} on ${hostName} has no step ${JSON.stringify(stepName)} in this worker's configuration (steps: ${names})`);
  }
  const full = fullStep(config, step);
  if (!HOST_STEP_KINDS.includes(full.kind)) throw new NotInConfiguration(`step "${full.name}" of ${serviceName} on ${hostName} is an ${full.kind} step, which does not run on the host`);
  return full as HostStep;
}

/**
 * An announce step of the service, as configured: its text, and its chat on
 * the requester's platform when it names one (else the requester's chat).
 * Runs from before steps were named carry the text instead: it must be a
 * configured announcement of the service.
 */
export function configuredAnnouncement(config: DutydeskConfig, input: { host: unknown; service: unknown; step?: unknown; text?: unknown; chat: ChatRef }): { text: string; chat: ChatRef } {
  const service = configuredService(config, String(input.host), input.service);
  const announcements = (service.steps ?? []).filter((s) => typeof s.announce === 'string');
  const step = input.step !== undefined ? announcements.find((s) => s.name === input.step) : announcements.find((s) => s.announce === input.text);
  if (!step) {
    const names = announcements.map((s) => s.name).join(', ') || 'none';
    throw new NotInConfiguration(`${String(input.service)} on ${String(input.host)} has no announcement ${JSON.stringify(input.step ?? input.text)} in this worker's configuration (announce steps: ${names})`);
  }
  return { text: step.announce as string, chat: step.chat ? namedChat(config, step.chat, input.chat.platform) : input.chat };
}

/** Every host step of the host's services with this name, for checking a run started before steps were resolved by name. */
export function hostStepsNamed(config: DutydeskConfig, hostName: string, stepName: string): HostStep[] {
  const host = configuredHost(config, hostName);
  return Object.values(host.services)
    .flatMap((svc) => svc.steps ?? [])
    .filter((s) => s.name === stepName)
    .map((s) => fullStep(config, s))
    .filter((s) => HOST_STEP_KINDS.includes(s.kind)) as HostStep[];
}

export function buildRestartRequest(
  config: DutydeskConfig,
  hostName: string,
  serviceName: string,
  requestedBy: Person,
  chat: ChatRef,
): RestartRequest {
  const host = configuredHost(config, hostName);
  const service = configuredService(config, hostName, serviceName);
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
    planId: restartPlanId(config, hostName, serviceName),
    plan: service.script
      ? { mode: 'script', timeoutMs: service.scriptTimeout ?? config.restart.stepTimeout }
      : { mode: 'steps', steps: (service.steps ?? []).map((s) => shownStep(config, s, chat.platform)) },
  };
}
