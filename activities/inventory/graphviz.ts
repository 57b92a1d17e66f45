/**
 * DOT to SVG, in a short-lived Node process: the renderer is ESM-only
 * WebAssembly, and a graph that makes it run long or grow huge is killed
 * there without touching the worker.
 */
import { spawn } from 'node:child_process';
import path from 'node:path';

const RENDERER = path.join(__dirname, 'render-dot.mjs');
/** A diagram within DIAGRAM_LIMITS renders in well under a second; more than this is a runaway. */
const OUTPUT_LIMIT = 20 * 1024 * 1024;

export class GraphvizFailed extends Error {
  override name = 'GraphvizFailed';
}

export function renderSvg(dot: string, { timeoutMs = 60_000, signal }: { timeoutMs?: number; signal?: AbortSignal } = {}): Promise<string> {
  return new Promise((resolve, reject) => {
    const child = spawn(process.execPath, ['--max-old-space-size=512', RENDERER], { stdio: ['pipe', 'pipe', 'pipe'], signal, timeout: timeoutMs, killSignal: 'SIGKILL' });
    const out: Buffer[] = [];
    let size = 0;
    let err = '';
    child.stdout.on('data', (chunk: Buffer) => {
      size += chunk.length;
      if (size > OUTPUT_LIMIT) child.kill('SIGKILL');
      else out.push(chunk);
    });
    child.stderr.on('data', (chunk: Buffer) => (err = (err + chunk.toString('utf8')).slice(0, 1000)));
    child.on('error', (e) => reject(new GraphvizFailed(`the diagram could not be drawn: ${e.message}`)));
    child.on('close', (code, killed) => {
      if (code === 0 && size <= OUTPUT_LIMIT) return resolve(Buffer.concat(out).toString('utf8'));
      const why = size > OUTPUT_LIMIT ? `its SVG grew past ${OUTPUT_LIMIT / 1024 / 1024} MiB` : killed ? `Graphviz did not finish within ${Math.round(timeoutMs / 1000)} s` : err.trim() || `Graphviz ended with ${code}`;
      reject(new GraphvizFailed(`the diagram could not be drawn: ${why}`));
    });
    child.stdin.end(dot);
  });
}
