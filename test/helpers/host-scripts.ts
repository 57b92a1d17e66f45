/**
 * Host-side scripts for the SSH tests: each step appends "start <name>" and
 * "end <name>" to a log on the host, so a test can prove what ran and how often.
 */
import { chmodSync, existsSync, readFileSync, writeFileSync } from 'node:fs';
import path from 'node:path';

export interface HostLog {
  /** Shell command for a step: logs, optionally sleeps, exits with the code. */
  step(name: string, opts?: { sleep?: number; exit?: number }): string;
  /** Lines written on the host so far. */
  lines(): string[];
  /** How many times a step finished. */
  ended(name: string): number;
  started(name: string): number;
  file: string;
}

export function hostLog(dir: string, name = 'steps'): HostLog {
  const file = path.join(dir, `${name}.log`);
  const script = path.join(dir, 'step.sh');
  if (!existsSync(script)) {
    writeFileSync(script, '#!/bin/sh\nlog=$1; name=$2\necho "start $name" >> "$log"\nsleep "${3:-0}"\necho "end $name" >> "$log"\nexit "${4:-0}"\n');
    chmodSync(script, 0o755);
  }
  const lines = () => (existsSync(file) ? readFileSync(file, 'utf8').split('\n').filter(Boolean) : []);
  return {
    file,
    step: (step, opts = {}) => `${script} ${file} ${step} ${opts.sleep ?? 0} ${opts.exit ?? 0}`,
    lines,
    ended: (step) => lines().filter((l) => l === `end ${step}`).length,
    started: (step) => lines().filter((l) => l === `start ${step}`).length,
  };
}
