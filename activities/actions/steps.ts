/**
 * The registry of step kinds an action may use: an inventory lookup, an
 * allow-listed program on a host (its path from the configuration, every
 * value one quoted argument), and an HTTP GET of an internal API (values
 * URL-encoded), and a report of checks (Prometheus thresholds, HTTP probes,
 * TCP connects). Each returns a line for the progress message and its output.
 */
import { ApplicationFailure } from '@temporalio/common';
import type { DutydeskConfig } from '../../config/schema';
import type { ActionStepConfig } from '../../config/actions-schema';
import { parseIp } from '../../lib/inventory/ip';
import { whereIs } from '../../lib/inventory/where-is';
import { renderWhereIs } from '../../lib/messages/actions';
import { randomUUID } from 'node:crypto';
import { mkdir, writeFile } from 'node:fs/promises';
import path from 'node:path';
import { readAtMost } from '../../lib/read-at-most';
import { formatSize } from '../../lib/size';
import { t } from '../../lib/i18n';
import { pruneOlderThan } from '../storage/prune';
import { redactSecrets } from '../../lib/redact';
import type { HostExecutors } from '../hosts/executors';
import type { PrometheusApi } from '../incidents/monitoring-http';
import { runChecks } from './checks';
import { renderGanttPng as renderPng } from '../forecast/gantt-png';
import { NetBoxApi, NetBoxRefused } from './netbox';
import { shellQuote } from '../hosts/shell';
import { fill } from '../../lib/actions/catalog';
import { refuse, stepHost } from './plan';
import { hasTeams, stepGroups, teamInventory, teamOfAction } from '../../config/teams';
import type { PublicationReport, PublishOptions } from '../inventory/activities';
import { hostTable, hostsIn, networkTable, type Table } from '../../lib/inventory/tables';

/** Files handed over are kept this long for the chat worker to send. */
export const FILE_RETENTION_MS = 24 * 3_600_000;

/** Output read from a program or an API at most; more is cut, and said. */
export const OUTPUT_LIMIT = 1024 * 1024;

export interface StepContext {
  config: DutydeskConfig;
  /** Whose step this is: with teams, it reaches its team's hosts alone. */
  actionId: string;
  executors: HostExecutors;
  params: Record<string, string>;
  language: string;
  signal: AbortSignal;
  timeoutMs: number;
  prometheus?: PrometheusApi;
  netbox?: NetBoxApi;
  /** The inventory's Confluence publication, when one is configured. */
  publishInventory?: (options: PublishOptions) => Promise<PublicationReport>;
  /** Where fetched files are kept for the chat worker. */
  filesDir: string;
}

export interface StepOutcome {
  detail: string;
  output?: string;
  /** A file to hand over (fetched from a host), already where the chat worker reads it. */
  file?: { path: string; name: string; kind?: 'photo' };
}

function failed(message: string): never {
  throw ApplicationFailure.create({ message, type: 'StepFailed', nonRetryable: true });
}

const firstLine = (text: string) => text.trim().split('\n')[0]?.slice(0, 200) ?? '';

export async function runStep(step: ActionStepConfig, ctx: StepContext): Promise<StepOutcome> {
  if ('ipLookup' in step) {
    const ip = parseIp(fill(step.ipLookup, ctx.params).trim());
    if (!ip) refuse(`"${fill(step.ipLookup, ctx.params).slice(0, 60)}" is not an IP address`);
    // With teams, the hosts of the action's team alone (networks are everyone's).
    const found = whereIs(teamInventory(ctx.config, ctx.actionId), ip);
    if (ctx.netbox) {
      try {
        found.netbox = await ctx.netbox.lookup(ip);
      } catch (err) {
        // A refusal (bad token, bad URL) will not mend itself; an outage is retried within the action's time.
        if (err instanceof NetBoxRefused) failed(err.message);
        throw err;
      }
    }
    const text = renderWhereIs(found, ctx.language);
    // The line names the first place it was found (or says it was not).
    return { detail: firstLine(text.split('\n')[1] ?? text), output: text };
  }
  if ('command' in step) {
    const host = stepHost(ctx.config, ctx.actionId, step.command, ctx.params);
    const command = [step.command.run, ...step.command.args.map((a) => fill(a, ctx.params))].map(shellQuote).join(' ');
    const result = await ctx.executors.for(host).exec(command, { timeoutMs: ctx.timeoutMs, signal: ctx.signal, stdoutLimit: OUTPUT_LIMIT });
    const stdout = redactSecrets(result.stdout);
    if (result.timedOut) failed(`${step.command.run} on ${host} did not finish in ${Math.round(ctx.timeoutMs / 1000)} s`);
    if (result.code !== 0) failed(`${step.command.run} on ${host} ended with ${result.code === null ? 'a signal' : `exit code ${result.code}`}: ${redactSecrets(firstLine(result.stderr.split('\n').filter(Boolean).pop() ?? '') || firstLine(stdout))}`);
    return { detail: `${host}: ${firstLine(stdout) || 'done'}`, output: stdout };
  }
  if ('fetch' in step) return fetchFile(step.fetch, ctx);
  if ('inventory' in step) return inventoryReport(step.inventory, ctx);
  if ('confluence' in step) {
    if (!ctx.publishInventory) refuse('this worker publishes no inventory (inventory.confluence is not configured)');
    let report: PublicationReport;
    try {
      // With teams, the team's own pages alone.
      report = await ctx.publishInventory({ overwrite: step.confluence.overwriteHandEdits, signal: ctx.signal, team: hasTeams(ctx.config) ? teamOfAction(ctx.actionId) : undefined });
    } catch (err) {
      // A refusal (a token, a space) fails the step at once, saying what to check; an outage is retried within the action's time.
      if (err instanceof ApplicationFailure && err.nonRetryable) failed(err.message);
      throw err;
    }
    const written = report.pages.filter((p) => p.result !== 'unchanged' && p.result !== 'edited-by-hand').length;
    return { detail: `${written} of ${report.pages.length} pages written`, output: report.text };
  }
  if ('checks' in step) {
    const { detail, output, chartSvg } = await runChecks(step.checks, ctx.prometheus, ctx.language, ctx.signal);
    if (!chartSvg) return { detail, output };
    // The charts go as a picture with the report's words; a chart that cannot be made leaves the words alone.
    try {
      await mkdir(ctx.filesDir, { recursive: true });
      await pruneOlderThan(ctx.filesDir, FILE_RETENTION_MS);
      const file = path.join(ctx.filesDir, `${randomUUID()}-checks.png`);
      await writeFile(file, renderPng(chartSvg));
      return { detail, output, file: { path: file, name: 'checks.png', kind: 'photo' } };
    } catch (err) {
      console.error(`dutydesk: the checks' chart of ${ctx.actionId} could not be made (${(err as Error).message}); the report goes without it`);
      return { detail, output };
    }
  }
  // "." and ".." would climb the URL's path to another endpoint of the host.
  const url = fill(step.http.url, ctx.params, (v) => (v === '.' || v === '..' ? refuse(`"${v}" is no value for a URL`) : encodeURIComponent(v)));
  const shown = redactSecrets(url);
  // No redirects: an internal API that sends elsewhere is answered as it is, not followed.
  const res = await fetch(url, { redirect: 'manual', signal: AbortSignal.any([ctx.signal, AbortSignal.timeout(ctx.timeoutMs)]) });
  const body = res.body ? await readAtMost(res.body as unknown as AsyncIterable<Uint8Array>, OUTPUT_LIMIT) : Buffer.alloc(0);
  const text = body ? body.toString('utf8') : `(more than ${OUTPUT_LIMIT} bytes; not shown)`;
  if (res.status >= 500) throw new Error(`${shown} answered ${res.status} ${res.statusText}`);
  if (!res.ok) failed(`${shown} answered ${res.status} ${res.statusText}: ${redactSecrets(firstLine(text))}`);
  const pretty = /json/i.test(res.headers.get('content-type') ?? '') ? prettyJson(text) : text;
  return { detail: `${res.status} ${res.statusText}`, output: redactSecrets(pretty) };
}

function prettyJson(text: string): string {
  try {
    return JSON.stringify(JSON.parse(text), null, 2);
  } catch {
    return text;
  }
}

/** A value inside a path: a plain name only, so it can neither climb nor leave the configured folder. */
const PATH_VALUE = /^[A-Za-z0-9_][A-Za-z0-9_.-]{0,99}$/;

async function fetchFile(fetchConfig: Extract<ActionStepConfig, { fetch: unknown }>['fetch'], ctx: StepContext): Promise<StepOutcome> {
  const host = stepHost(ctx.config, ctx.actionId, fetchConfig, ctx.params);
  const remote = fill(fetchConfig.path, ctx.params, (v) => (PATH_VALUE.test(v) && !v.includes('..') ? v : refuse(`"${v.slice(0, 40)}" is no name for a file`)));
  const executor = ctx.executors.for(host);
  // The size first, so a file past the limit is refused before a byte is copied.
  const stat = await executor.exec(`stat -c %s -- ${shellQuote(remote)}`, { timeoutMs: 30_000, signal: ctx.signal });
  if (stat.code !== 0) failed(`${remote} on ${host}: ${redactSecrets(firstLine(stat.stderr) || 'cannot be read')}`);
  const bytes = Number(stat.stdout.trim());
  if (!(bytes <= fetchConfig.maxSize)) failed(`${remote} on ${host} is ${formatSize(bytes)}, more than the ${formatSize(fetchConfig.maxSize)} this action hands over`);
  await mkdir(ctx.filesDir, { recursive: true });
  await pruneOlderThan(ctx.filesDir, FILE_RETENTION_MS);
  const name = path.posix.basename(remote);
  const local = path.join(ctx.filesDir, `${randomUUID()}-${name}`);
  const copied = await executor.download(remote, local, { signal: ctx.signal });
  return { detail: `${name} (${formatSize(copied)}) from ${host}`, file: { path: local, name } };
}

/** A CSV field: quoted when it holds a separator, a quote or a line break; a leading =, +, - or @ cannot start a formula in a spreadsheet. */
function csvField(value: string | number | undefined): string {
  let text = value === undefined ? '' : String(value);
  if (/^[=+\-@\t\r]/.test(text)) text = `'${text}`;
  return /[",\n\r]/.test(text) ? `"${text.replace(/"/g, '""')}"` : text;
}

async function inventoryReport(report: Extract<ActionStepConfig, { inventory: unknown }>['inventory'], ctx: StepContext): Promise<StepOutcome> {
  let table: Table;
  let summary: string;
  if (report.of === 'hosts') {
    const reach = stepGroups(ctx.config, ctx.actionId, report.hostGroups);
    table = hostTable(ctx.config, reach);
    const groups = new Set(hostsIn(ctx.config, reach).flatMap(([, h]) => h.groups));
    summary = t(ctx.language, 'inventory.hosts', { count: table.rows.length, groups: groups.size });
  } else {
    table = networkTable(ctx.config);
    summary = t(ctx.language, 'inventory.networks', { count: table.rows.length, vrfs: new Set(ctx.config.inventory.networks.map((n) => n.vrf ?? '')).size });
  }
  await mkdir(ctx.filesDir, { recursive: true });
  await pruneOlderThan(ctx.filesDir, FILE_RETENTION_MS);
  const name = `${report.of}.csv`;
  const file = path.join(ctx.filesDir, `${randomUUID()}-${name}`);
  await writeFile(file, [table.header, ...table.rows].map((r) => r.map(csvField).join(',')).join('\n') + '\n');
  return { detail: summary, file: { path: file, name } };
}
