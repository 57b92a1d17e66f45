/** A real JVM for a test: the small Java service in test/jvm, started with a marker its dump config matches. */
import { spawn, type ChildProcess } from 'node:child_process';
import { randomUUID } from 'node:crypto';
import path from 'node:path';
import { waitFor } from './wait';

export interface TestJvm {
  pid: number;
  /** A command-line pattern that matches this JVM and no other. */
  match: string;
  stop(): Promise<void>;
}

const SOURCE = path.resolve(__dirname, '../jvm/DutydeskTestApp.java');

/** jvmArgs go before the program (e.g. -Ddb.password=…), args after the marker. */
export async function startJvm(options: { heapMiB?: number; maxHeap?: string; jvmArgs?: string[]; args?: string[] } = {}): Promise<TestJvm> {
  const marker = `--marker=${randomUUID()}`;
  const argv = [`-Xmx${options.maxHeap ?? '256m'}`, ...(options.jvmArgs ?? []), SOURCE, String(options.heapMiB ?? 16), marker, ...(options.args ?? [])];
  const proc: ChildProcess = spawn('java', argv, { stdio: ['ignore', 'pipe', 'pipe'] });
  let output = '';
  proc.stdout?.on('data', (c) => (output += c));
  proc.stderr?.on('data', (c) => (output += c));
  await waitFor(() => {
    if (proc.exitCode !== null) throw new Error(`the test JVM exited: ${output}`);
    return output.includes('dutydesk-test-app ready');
  }, 'the test JVM to start', 120_000);
  return {
    pid: proc.pid as number,
    match: `DutydeskTestApp\\.java \\d+ ${marker}`,
    async stop() {
      if (proc.exitCode === null) {
        proc.kill('SIGKILL');
        await new Promise((r) => proc.once('exit', r));
      }
    },
  };
}
