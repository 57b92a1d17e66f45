/**
 * What a restart activity may run, resolved from the worker's own
 * configuration by host, service and step name. A workflow's input is
 * hostile (anyone who can start a workflow on the cluster writes it): a name
 * the configuration lacks, a plan that changed, or a command that differs
 * from the configured one is refused with a non-retryable failure
 * (NotInConfiguration), logged, and nothing runs on the host.
 */
import { Context, log } from '@temporalio/activity';
import { ApplicationFailure } from '@temporalio/common';
import { configuredHost, configuredService, NotInConfiguration } from '../../config/inventory';
import { configuredHostStep, hostStepsNamed, restartPlanId, type HostStep } from '../../config/restart-plan';
import type { DutydeskConfig } from '../../config/schema';
import { restartWorkflowId, type LegacyRestartScriptInput, type LegacyRestartStepInput, type RestartScriptInput, type RestartStepInput } from '../../workflows/restart/definitions';

const isObject = (v: unknown): v is Record<string, unknown> => typeof v === 'object' && v !== null && !Array.isArray(v);

/** Runs `resolve`; a NotInConfiguration becomes a logged, non-retryable refusal. */
export function configured<T>(activity: string, resolve: () => T): T {
  try {
    return resolve();
  } catch (err) {
    if (!(err instanceof NotInConfiguration)) throw err;
    const { workflowExecution } = Context.current().info;
    log.warn(`dutydesk: ${activity} refused for ${workflowExecution?.workflowId ?? '?'} (${workflowExecution?.runId ?? '?'}): ${err.message}`);
    throw ApplicationFailure.nonRetryable(`refused: ${err.message}`, 'NotInConfiguration');
  }
}

/** Host activities run only for the workflow that owns the host (or service): one run at a time, as the gateway starts them. */
export function requireCaller(workflowType: string, workflowId: string): void {
  const info = Context.current().info;
  if (info.workflowType !== workflowType || info.workflowExecution?.workflowId !== workflowId) {
    throw new NotInConfiguration(`only the ${workflowType} run ${workflowId} may do this (asked by ${info.workflowType ?? '?'} ${info.workflowExecution?.workflowId ?? '?'})`);
  }
}

/** A production host's steps run only in a run that went through approval. */
function requireProductionRun(config: DutydeskConfig, hostName: string, production: unknown): void {
  if (configuredHost(config, hostName).production && production !== true) {
    throw new NotInConfiguration(`${hostName} is a production host, and this run was not started as one (no approval)`);
  }
}

function requirePlan(config: DutydeskConfig, hostName: string, serviceName: string, planId: unknown): void {
  const now = restartPlanId(config, hostName, serviceName);
  if (planId !== now) {
    throw new NotInConfiguration(`the configuration of ${serviceName} on ${hostName} is not the one this restart was started with (plan ${JSON.stringify(planId)}, now ${now}); start the restart again`);
  }
}

/**
 * The step to run. Runs started before steps were resolved by name carry the
 * whole step; they go on only when it is exactly a configured step of the host
 * (same name, kind and command), which then runs as configured.
 */
export function stepFromConfig(config: DutydeskConfig, input: RestartStepInput | LegacyRestartStepInput): HostStep {
  if (!isObject(input)) throw new NotInConfiguration('the step to run is missing');
  const hostName = input.host;
  configuredHost(config, hostName);
  requireCaller('restartWorkflow', restartWorkflowId(hostName));
  requireProductionRun(config, hostName, input.production);
  if (typeof input.step === 'string' || !('step' in input) || !isObject(input.step)) {
    const named = input as RestartStepInput;
    configuredService(config, hostName, named.service);
    requirePlan(config, hostName, named.service, named.planId);
    return configuredHostStep(config, hostName, named.service, named.step);
  }
  const { name, kind, target } = input.step;
  const candidates = typeof name === 'string' ? hostStepsNamed(config, hostName, name) : [];
  if (!candidates.length) throw new NotInConfiguration(`${hostName} has no step ${JSON.stringify(name)} in this worker's configuration`);
  const same = candidates.find((s) => s.kind === kind && s.target === target);
  if (!same) throw new NotInConfiguration(`step "${name}" of this run (started before this worker version) is not the configured step "${name}" of ${hostName}: its ${kind === 'http' ? 'URL' : kind === 'tcp' ? 'address' : 'command'} differs; start the restart again`);
  return same;
}

/** Step names as a restart script marks them; anything else would be shell syntax in DUTYDESK_DONE_STEPS. */
export const STEP_NAME = /^[A-Za-z0-9][A-Za-z0-9_.-]{0,99}$/;

/** The service's restart script; a run started before carries the script, which must be one the host's services configure. */
export function scriptFromConfig(config: DutydeskConfig, input: RestartScriptInput | LegacyRestartScriptInput): { script: string; timeoutMs: number; doneSteps: string[] } {
  if (!isObject(input)) throw new NotInConfiguration('the script to run is missing');
  const hostName = input.host;
  const host = configuredHost(config, hostName);
  requireCaller('restartWorkflow', restartWorkflowId(hostName));
  requireProductionRun(config, hostName, input.production);
  const doneSteps = Array.isArray(input.doneSteps) ? input.doneSteps.filter((s): s is string => typeof s === 'string' && STEP_NAME.test(s)) : [];
  let service;
  if ('service' in input) {
    service = configuredService(config, hostName, input.service);
    requirePlan(config, hostName, input.service as string, input.planId);
  } else {
    const legacy = input as LegacyRestartScriptInput;
    service = Object.values(host.services).find((s) => s.script !== undefined && s.script === legacy.script);
    if (!service) throw new NotInConfiguration(`the restart script of this run (started before this worker version) is not one configured for ${hostName}; start the restart again`);
  }
  if (!service.script) throw new NotInConfiguration(`the service runs steps, not a restart script, on ${hostName}`);
  return { script: service.script, timeoutMs: service.scriptTimeout ?? config.restart.stepTimeout, doneSteps };
}
