/**
 * The demo's task database for `npm start`: the example schema, 60 earlier
 * days of runs of every subtask type in the demo request's XML, and the
 * request itself part way through, relative to now, so `forecast REQ-2041`
 * always shows something alive: some subtasks done, some running, the rest
 * ahead. Loading it again replaces what it loaded before.
 */
import { readFileSync } from 'node:fs';
import path from 'node:path';
import { Client } from 'pg';
import { forecastCompletion } from '../../lib/forecast/forecast';
import type { SubtaskNode, TaskNode } from '../../lib/forecast/model';
import { mulberry32, normal } from '../../lib/forecast/random';
import { parseTaskXml } from '../../lib/forecast/task-xml';

const SCHEMA = path.resolve(__dirname, '../../config/forecast/taskdb-schema.sql');
const DAYS = 60;
const MINUTE = 60_000;
/** How long ago the demo request started: about half of it is done. */
const STARTED_AGO = 150 * MINUTE;

function leaves(node: TaskNode, out: SubtaskNode[] = []): SubtaskNode[] {
  if (node.kind === 'task') out.push(node);
  else node.children.forEach((c) => leaves(c, out));
  return out;
}

/** A type's usual length, 5 to 60 minutes, the same on every load. */
function usualMinutes(type: string): number {
  let h = 0;
  for (const c of type) h = (h * 31 + c.charCodeAt(0)) >>> 0;
  return 5 + (h % 56);
}

export async function loadDemoTaskData(connection: { host: string; port: number; user: string; password: string; database: string }, xmlFile: string): Promise<{ request: string; subtasks: number }> {
  const tree = parseTaskXml(readFileSync(xmlFile, 'utf8'));
  const request = tree.request ?? path.basename(xmlFile, '.xml');
  const tasks = leaves(tree.root);
  const types = [...new Set(tasks.map((t) => t.type))];
  const random = mulberry32(2041);
  const now = Date.now();
  const history: Record<string, number[]> = {};
  const rows: unknown[][] = [];
  for (const type of types) {
    const usual = usualMinutes(type) * MINUTE;
    history[type] = [];
    for (let day = 1; day <= DAYS; day++) {
      // Log-normal spread around the usual length: most runs near it, a few much longer.
      const took = Math.round(usual * Math.exp(0.25 * normal(random)));
      const started = now - day * 86_400_000;
      history[type].push(took);
      rows.push([`${request}-DAY-${day}`, type, type, 'DONE', new Date(started), new Date(started + took)]);
    }
  }
  // Where the request would be now had it started STARTED_AGO and gone as usual.
  const start = now - STARTED_AGO;
  const planned = forecastCompletion(tree, [], history, { now: start, runs: 200, seed: 2041 });
  for (const s of planned.subtasks) {
    if (s.end <= now) rows.push([request, s.id, s.type, 'DONE', new Date(s.start), new Date(s.end)]);
    else if (s.start <= now) rows.push([request, s.id, s.type, 'RUNNING', new Date(s.start), null]);
  }

  const client = new Client(connection);
  await client.connect();
  try {
    await client.query(readFileSync(SCHEMA, 'utf8'));
    await client.query('BEGIN');
    await client.query(`DELETE FROM subtask_run WHERE request_id = $1 OR request_id LIKE $2`, [request, `${request}-DAY-%`]);
    for (let i = 0; i < rows.length; i += 500) {
      const chunk = rows.slice(i, i + 500);
      const values = chunk.map((_, r) => `($${r * 6 + 1}, $${r * 6 + 2}, $${r * 6 + 3}, $${r * 6 + 4}, $${r * 6 + 5}, $${r * 6 + 6})`).join(', ');
      await client.query(`INSERT INTO subtask_run (request_id, subtask_id, subtask_type, state, started_at, finished_at) VALUES ${values}`, chunk.flat());
    }
    await client.query('COMMIT');
  } finally {
    await client.end();
  }
  return { request, subtasks: tasks.length };
}
