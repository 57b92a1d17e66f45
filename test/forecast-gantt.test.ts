/**
 * The forecast's Gantt chart: rows (merged past maxRows), the SVG (escaped,
 * well-formed, every word from the labels, axis in the reader's zone) and the
 * PNG (size, speed). Set GANTT_OUT=/some/dir to keep the PNGs for a look.
 */
import { writeFileSync } from 'node:fs';
import path from 'node:path';
import { XMLValidator } from 'fast-xml-parser';
import { chartFileKind, pngSize, renderGanttPng } from '../activities/forecast/gantt-png';
import { ganttRows } from '../lib/forecast/gantt-rows';
import { escapeXml } from '../lib/xml';
import { fitText, renderGanttSvg, textWidth, type GanttLabels, type GanttOptions } from '../lib/forecast/gantt-svg';
import type { Forecast, ScheduledSubtask, SubtaskState } from '../lib/forecast/model';

const MIN = 60_000;
/** 08:00 in Madrid, 02:00 in New York. */
const T0 = Date.parse('2026-11-25T07:00:00Z');

const labels: GanttLabels = {
  done: 'done',
  running: 'running',
  pending: 'pending',
  failed: 'failed (runs again)',
  now: 'now',
  eta: 'ETA',
  range: '80% range',
  critical: 'critical path',
  noHistory: 'no history',
  collapsed: '{count} subtasks in {rows} rows',
};
const options: GanttOptions = { title: 'REQ-2291 Move the billing database to the new cluster', timeZone: 'Europe/Madrid', labels };

/** Tasks of a phase: [name, type, minutes]. Phases run one after another; a parallel phase's tasks start together. */
type Phase = { groups: string[]; parallel: boolean; tasks: [string, string, number][] };

/** A forecast as the engine would make it: states from now, the longest task of a parallel phase critical. */
function forecastOf(phases: Phase[], nowMin: number): Forecast {
  const now = T0 + nowMin * MIN;
  const subtasks: ScheduledSubtask[] = [];
  let at = T0;
  for (const phase of phases) {
    const own: ScheduledSubtask[] = [];
    let end = at;
    for (const [name, type, minutes] of phase.tasks) {
      const start = phase.parallel ? at : end;
      const stop = start + minutes * MIN;
      const state: SubtaskState = stop <= now ? 'done' : start <= now ? 'running' : 'pending';
      own.push({ id: `t${subtasks.length + own.length + 1}`, type, name, state, start, end: stop, critical: !phase.parallel, noHistory: false, groups: phase.groups });
      end = Math.max(end, stop);
    }
    if (phase.parallel) own.reduce((a, b) => (b.end > a.end ? b : a)).critical = true;
    subtasks.push(...own);
    at = end;
  }
  const last = Math.max(...subtasks.map((s) => s.end));
  return {
    now,
    start: T0,
    finished: false,
    eta: { median: last, low: last - (last - now) * 0.15, high: last + (last - now) * 0.3, confidence: 0.8 },
    criticalPath: subtasks.filter((s) => s.critical).map((s) => s.id),
    subtasks,
    noHistory: [],
    failed: [],
    runs: 1000,
    seed: 1,
  };
}

/** A database move: 29 subtasks in 7 phases, one copy failed, one type never seen before, a name with markup. */
function billingMove(): Forecast {
  const shards = Array.from({ length: 8 }, (_, i): [string, string, number] => [`Copy shard ${i + 1} of billing_ledger`, 'copy-shard', 35 + ((i * 17) % 40)]);
  const f = forecastOf(
    [
      { groups: ['Billing DB move', 'Prepare'], parallel: false, tasks: [['Announce maintenance window', 'announce', 5], ['Snapshot primary volume', 'snapshot', 25], ["Verify last night's backup", 'verify', 15]] },
      { groups: ['Billing DB move', 'Provision'], parallel: true, tasks: [['Create pg16 cluster on db-new-1..3', 'provision', 40], ['Open firewall 5432 from app tier', 'firewall', 10], ['Install pgbouncer', 'install', 20]] },
      { groups: ['Billing DB move', 'Copy data'], parallel: true, tasks: shards },
      { groups: ['Billing DB move', 'Copy data', 'Indexes'], parallel: false, tasks: [['Rebuild indexes <ledger & invoices> "hot"', 'reindex', 30], ['ANALYZE all tables', 'analyze', 12]] },
      { groups: ['Billing DB move', 'Switch over'], parallel: false, tasks: [['Stop billing workers', 'stop', 5], ['Final incremental sync', 'sync', 15], ['Point DNS billing-db at new cluster', 'dns', 5], ['Start billing workers', 'start', 5], ['Smoke test invoices', 'smoke', 10]] },
      { groups: ['Billing DB move', 'Verify'], parallel: true, tasks: [['Compare row counts', 'rowcount', 20], ['Run the reconciliation report for November 2026, all currencies and all subsidiaries', 'reconcile', 45], ['Check replication lag', 'lag', 10], ['Watch error rate', 'watch', 30]] },
      { groups: ['Billing DB move', 'Clean up'], parallel: false, tasks: [['Keep old primary read-only', 'readonly', 5], ['Schedule old cluster removal', 'schedule', 5], ['Close change ticket CHG-4711', 'close', 5], ['Tell #billing the move is done', 'announce', 2]] },
    ],
    150,
  );
  const shard3 = f.subtasks.find((s) => s.name.startsWith('Copy shard 3'))!;
  Object.assign(shard3, { state: 'failed', start: f.now, end: f.now + 30 * MIN });
  f.failed = [shard3.id];
  const reconcile = f.subtasks.find((s) => s.type === 'reconcile')!;
  reconcile.noHistory = true;
  f.noHistory = [{ type: 'reconcile', ids: [reconcile.id], assumedMs: 45 * MIN }];
  return f;
}

/** A rollout: regions one after another, each region's hosts side by side, each host's steps in turn. */
function rollout(regions: number, hosts: number, steps: number, nowMin: number): Forecast {
  const f = forecastOf([{ groups: ['Kernel rollout'], parallel: false, tasks: [['Announce', 'announce', 1]] }], nowMin);
  const subtasks: ScheduledSubtask[] = [];
  let regionStart = T0;
  for (let r = 1; r <= regions; r++) {
    let regionEnd = regionStart;
    for (let h = 1; h <= hosts; h++) {
      let at = regionStart;
      for (let k = 1; k <= steps; k++) {
        const step = ['drain', 'patch', 'reboot', 'check'][(k - 1) % 4];
        const end = at + (2 + ((h * 7 + k * 3) % 5)) * MIN;
        const state: SubtaskState = end <= f.now ? 'done' : at <= f.now ? 'running' : 'pending';
        subtasks.push({ id: `r${r}h${h}s${k}`, type: step, name: `Step ${k}: ${step} host-${r}-${h}`, state, start: at, end, critical: h === hosts, noHistory: false, groups: ['Kernel rollout', `Region eu-${r}`, `host-${r}-${h}`] });
        at = end;
      }
      regionEnd = Math.max(regionEnd, at);
    }
    regionStart = regionEnd;
  }
  const last = regionStart;
  return { ...f, subtasks, criticalPath: subtasks.filter((s) => s.critical).map((s) => s.id), eta: { median: last, low: last - (last - f.now) * 0.1, high: last + (last - f.now) * 0.25, confidence: 0.8 } };
}

/** Width and height from the PNG's IHDR, after checking the signature. */
function keep(name: string, png: Buffer): void {
  if (process.env.GANTT_OUT) writeFileSync(path.join(process.env.GANTT_OUT, name), png);
}

/** The text content of every <text> element, unescaped. */
function texts(svg: string): string[] {
  const unescape = (s: string) => s.replace(/&lt;/g, '<').replace(/&gt;/g, '>').replace(/&quot;/g, '"').replace(/&#39;/g, "'").replace(/&amp;/g, '&');
  return [...svg.matchAll(/<text[^>]*>([^<]*)<\/text>/g)].map((m) => unescape(m[1]));
}

/** Renders twice (the first warms up the JIT and resvg's font list) and times the second. */
function timedRender(f: Forecast, opts: GanttOptions): { svg: string; png: Buffer; ms: number } {
  renderGanttPng(renderGanttSvg(f, opts));
  const started = performance.now();
  const svg = renderGanttSvg(f, opts);
  const png = renderGanttPng(svg);
  return { svg, png, ms: performance.now() - started };
}

test('a 29-subtask forecast: every row, escaped names, critical path and guesses marked, well-formed, a PNG of the asked width', () => {
  const f = billingMove();
  const svg = renderGanttSvg(f, options);
  expect(XMLValidator.validate(svg)).toBe(true);
  expect(svg).toContain('Rebuild indexes &lt;ledger &amp; invoices&gt; &quot;hot&quot;');
  expect(svg).not.toContain('<ledger');
  const shown = texts(svg);
  for (const label of ['done', 'running', 'pending', 'failed (runs again)', 'critical path', 'no history', 'REQ-2291 Move the billing database to the new cluster']) expect(shown).toContain(label);
  expect(shown).toContain('now 10:30');
  expect(shown.some((t) => /^80% range: \d\d:\d\d – \d\d:\d\d$/.test(t))).toBe(true);
  // The long name is cut to fit the label column, the critical ones bold.
  expect(shown.find((t) => t.startsWith('Run the reconciliation'))).toMatch(/…$/);
  expect(svg).toMatch(/class="row crit-l">Announce maintenance window</);
  expect(svg).toMatch(/class="row crit-l nohist-l">Run the reconciliation/);
  expect(svg).not.toContain('subtasks in');

  const png = renderGanttPng(svg);
  keep('gantt-30.png', png);
  const size = pngSize(png);
  expect(size.width).toBe(1400);
  expect(size.height).toBeGreaterThan(29 * 16);
  expect(size.height).toBeLessThan(1000);
  expect(chartFileKind(png)).toBe('photo');
});

test('the axis is read in the reader\'s zone, with dates once it spans days (numeric, or per locale)', () => {
  const f = billingMove();
  expect(texts(renderGanttSvg(f, options))).toEqual(expect.arrayContaining(['08:00', '09:00', '12:00']));
  const newYork = texts(renderGanttSvg(f, { ...options, timeZone: 'America/New_York' }));
  expect(newYork).toEqual(expect.arrayContaining(['02:00', '03:00', 'now 04:30']));
  expect(newYork.some((t) => /^\d{4}-\d\d-\d\d$/.test(t))).toBe(false);

  const days = rollout(20, 3, 20, 700);
  const numeric = texts(renderGanttSvg(days, options));
  expect(numeric).toEqual(expect.arrayContaining(['2026-11-25', '2026-11-26', '00:00']));
  const french = texts(renderGanttSvg(days, { ...options, locale: 'fr' }));
  expect(french).toEqual(expect.arrayContaining(['mer. 25 nov.', 'jeu. 26 nov.']));
});

test('every word in the picture comes from the labels, the title or a subtask', () => {
  const f = billingMove();
  const marked = Object.fromEntries(Object.keys(labels).map((k) => [k, `L${k.length}`])) as unknown as GanttLabels;
  marked.collapsed = 'L{count}|{rows}';
  const svg = renderGanttSvg({ ...f, subtasks: f.subtasks.map((s) => ({ ...s, name: 'x' })) }, { ...options, title: 'T', labels: marked, maxRows: 5 });
  for (const t of texts(svg)) expect(t.replace(/L\d+|\b[xT]\b|Billing DB move|Prepare|Provision|Copy data|Indexes|Switch over|Verify|Clean up/g, '')).not.toMatch(/\p{L}/u);
});

test('200 subtasks: one row each, readable height, under a second', () => {
  const f = rollout(10, 5, 4, 100);
  expect(f.subtasks).toHaveLength(200);
  const { svg, png, ms } = timedRender(f, options);
  keep('gantt-200.png', png);
  expect(XMLValidator.validate(svg)).toBe(true);
  expect(texts(svg)).toContain('Step 3: reboot host-7-2');
  expect(svg).not.toContain('subtasks in');
  const size = pngSize(png);
  expect(size.width).toBe(1400);
  expect(size.height).toBeGreaterThan(200 * 14);
  expect(size.height).toBeLessThan(5000);
  expect(ms).toBeLessThan(1000);
  // Too tall to read once a chat shrinks it as a photo: it goes as a document.
  expect(chartFileKind(png)).toBe('document');
});

test('10 000 subtasks: merged into at most 200 group rows, said in the subtitle, critical path kept, under a second', () => {
  const f = rollout(20, 25, 20, 700);
  expect(f.subtasks).toHaveLength(10_000);
  const { svg, png, ms } = timedRender(f, { ...options, width: 1200 });
  keep('gantt-10000.png', png);
  expect(XMLValidator.validate(svg)).toBe(true);
  const subtitle = texts(svg).find((t) => t.endsWith(' rows'))!;
  const [, count, rows] = /^(\d+) subtasks in (\d+) rows$/.exec(subtitle)!;
  expect(count).toBe('10000');
  expect(Number(rows)).toBeLessThanOrEqual(200);
  // Regions that are done stay one row; the running region is shown host by host.
  expect(texts(svg)).toEqual(expect.arrayContaining(['Region eu-1 (500)', 'host-9-25 (20)']));
  expect(svg).toMatch(/class="row-dense crit-l">Region eu-1 \(500\)</);
  const size = pngSize(png);
  expect(size.width).toBe(1200);
  expect(size.height).toBeLessThan(5000);
  expect(ms).toBeLessThan(1000);
});

describe('rows', () => {
  const at = (min: number) => T0 + min * MIN;
  const sub = (id: string, groups: string[], state: SubtaskState, start: number, end: number, critical = false): ScheduledSubtask => ({ id, type: 't', name: id, state, start: at(start), end: at(end), critical, noHistory: false, groups });

  test('fewer subtasks than maxRows: one row each, in tree order', () => {
    const { rows, collapsed } = ganttRows([sub('a', ['R'], 'done', 0, 5), sub('b', ['R', 'G'], 'running', 5, 9)], 200);
    expect(collapsed).toBe(false);
    expect(rows.map((r) => [r.label, r.count, r.level])).toEqual([['a', 1, 1], ['b', 1, 2]]);
  });

  test('merged at the deepest level that fits, a row spanning its members, least finished, critical if any member is', () => {
    const subtasks = [
      sub('a', ['R', 'A'], 'done', 0, 5),
      sub('b', ['R', 'A'], 'done', 5, 8, true),
      sub('c', ['R', 'B', 'x'], 'done', 8, 9),
      sub('d', ['R', 'B', 'x'], 'running', 9, 12),
      sub('e', ['R', 'B', 'y'], 'pending', 12, 14),
      sub('f', ['R', 'C'], 'pending', 14, 20),
      sub('g', ['R', 'C'], 'failed', 14, 16),
    ];
    const { rows, collapsed } = ganttRows(subtasks, 3);
    expect(collapsed).toBe(true);
    expect(rows.map((r) => ({ label: r.label, count: r.count, state: r.state, critical: r.critical }))).toEqual([
      { label: 'A', count: 2, state: 'done', critical: true },
      { label: 'B', count: 3, state: 'running', critical: false },
      { label: 'C', count: 2, state: 'failed', critical: false },
    ]);
    expect([rows[1].start, rows[1].end]).toEqual([at(8), at(14)]);
    // With one more row to spare, the unfinished group B is split first: into x and the lone e.
    expect(ganttRows(subtasks, 4).rows.map((r) => r.label)).toEqual(['A', 'x', 'e', 'C']);
  });

  test('a subtask directly in a group stays apart from a sibling group; unnamed groups borrow a member name', () => {
    const subtasks = [sub('a', ['R'], 'done', 0, 1), sub('b', ['R', 'S'], 'done', 1, 2), sub('c', ['R', 'S'], 'done', 2, 3), sub('d', ['R'], 'pending', 3, 4)];
    expect(ganttRows(subtasks, 3).rows.map((r) => r.label)).toEqual(['a', 'S', 'd']);
    expect(ganttRows(subtasks, 2).rows.map((r) => [r.label, r.count])).toEqual([['R', 4]]);
    expect(ganttRows(subtasks.map((s) => ({ ...s, groups: s.groups.map(() => '') })), 3).rows.map((r) => r.label)).toEqual(['a', 'b …', 'd']);
  });
});

describe('text', () => {
  test('escaped for XML; characters XML cannot hold are dropped or replaced', () => {
    expect(escapeXml(`<a href="x">Tom & Jerry's</a>`)).toBe('&lt;a href=&quot;x&quot;&gt;Tom &amp; Jerry&#39;s&lt;/a&gt;');
    expect(escapeXml('bell\u0007 tab\t ok')).toBe('bell tab\t ok');
    expect(escapeXml('half \ud83d pair 😀')).toBe('half \ufffd pair 😀');
  });

  test('cut with an ellipsis to fit, never inside an emoji', () => {
    expect(fitText('short', 200, 12)).toBe('short');
    const cut = fitText('A rather long subtask name that cannot fit', 120, 12);
    expect(cut).toMatch(/^A rather long.*…$/);
    expect(textWidth(cut, 12)).toBeLessThanOrEqual(120);
    expect(fitText('😀😀😀😀😀😀😀😀😀😀😀😀😀😀😀', 50, 12)).toMatch(/^(😀)+…$/u);
    expect(textWidth('Bold', 12, true)).toBeGreaterThan(textWidth('Bold', 12));
  });
});
