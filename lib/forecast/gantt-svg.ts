/**
 * A completion forecast drawn as a Gantt chart in SVG, for chat (made a PNG
 * by activities/forecast/gantt-png.ts). Pure: no I/O, no clock. Every word in
 * the picture comes from the caller's translated labels; subtask names come
 * from users' files, so all text is escaped.
 */
import { escapeXml } from '../xml';
import type { Forecast, SubtaskState } from './model';
import { ganttRows, type GanttRow } from './gantt-rows';
import { wallClock, zonedInstant } from '../time-zone';

export interface GanttLabels {
  done: string;
  running: string;
  pending: string;
  failed: string;
  now: string;
  eta: string;
  range: string;
  critical: string;
  noHistory: string;
  /** Subtitle when rows were merged: "{count} subtasks in {rows} rows". */
  collapsed: string;
}

export interface GanttOptions {
  title: string;
  /** IANA zone the axis and times are read in. */
  timeZone: string;
  labels: GanttLabels;
  /** More subtasks than this are merged into group rows (default 200). */
  maxRows?: number;
  /** Picture width in px (default 1400); the height follows the rows. */
  width?: number;
  /** BCP 47 locale for dates and numbers ("fr"); without it dates are numeric (2026-11-25). */
  locale?: string;
}

const MINUTE = 60_000;
const DAY = 86_400_000;
const COLOURS = { ink: '#1f2933', muted: '#52606d', grid: '#e1e5ea', day: '#aab4c0', zebra: '#f4f6f9', now: '#1f2933', eta: '#6a3d9a', critical: '#c0142a' };

// ---- text -----------------------------------------------------------------

/** DejaVu Sans advance widths of ' '…'~' in hundredths of an em, for fitting labels. */
const ASCII_WIDTHS = [
  32, 40, 46, 84, 64, 95, 78, 27, 39, 39, 50, 84, 32, 36, 32, 34, 64, 64, 64, 64, 64, 64, 64, 64, 64, 64, 34, 34, 84, 84, 84, 53,
  100, 68, 69, 70, 77, 63, 58, 77, 75, 29, 29, 66, 56, 86, 75, 79, 60, 79, 69, 63, 61, 73, 68, 99, 69, 61, 69, 39, 34, 39, 84, 50,
  50, 61, 63, 55, 63, 62, 35, 63, 63, 28, 28, 58, 28, 97, 63, 61, 63, 63, 41, 52, 39, 63, 59, 82, 59, 59, 52, 64, 34, 64, 84,
];

/** Width of one character in em: exact for ASCII, generous for Latin/Cyrillic letters, full for CJK. */
function charEm(ch: string): number {
  const cp = ch.codePointAt(0) ?? 0;
  if (cp >= 32 && cp < 127) return ASCII_WIDTHS[cp - 32] / 100;
  return cp >= 0x2e80 ? 1 : 0.72;
}

/** Estimated width in px; bold DejaVu is about 12 % wider. */
export function textWidth(text: string, size: number, bold = false): number {
  let em = 0;
  for (const ch of text) em += charEm(ch);
  return em * size * (bold ? 1.12 : 1);
}

/** The text cut with … so it fits in maxPx (whole code points only, so emoji survive). */
export function fitText(text: string, maxPx: number, size: number, bold = false): string {
  const clean = text.replace(/\s+/g, ' ').trim();
  if (textWidth(clean, size, bold) <= maxPx) return clean;
  const room = maxPx - size * (bold ? 1.12 : 1);
  let used = 0;
  let kept = '';
  for (const ch of clean) {
    used += textWidth(ch, size, bold);
    if (used > room) break;
    kept += ch;
  }
  return kept.trimEnd() + '…';
}

function fill(template: string, values: Record<string, string>): string {
  return template.replace(/\{(\w+)\}/g, (whole, key: string) => values[key] ?? whole);
}

// ---- time axis ------------------------------------------------------------

const STEPS_MIN = [1, 2, 5, 10, 15, 30, 60, 120, 180, 360, 720];
const STEPS_DAYS = [1, 2, 7, 14, 28, 56];

interface Tick {
  at: number;
  /** A new day starts here: its grid line is darker. */
  newDay: boolean;
  /** Shown under the time where the day changes (or alone for day steps). */
  date?: string;
  time?: string;
}

/** Reads instants in the zone: hh:mm, and the date per locale or numerically. */
function clock(zone: string, locale: string | undefined) {
  const time = new Intl.DateTimeFormat('en-GB', { timeZone: zone, hour: '2-digit', minute: '2-digit', hourCycle: 'h23' });
  const date = locale ? new Intl.DateTimeFormat(locale, { timeZone: zone, weekday: 'short', day: 'numeric', month: 'short' }) : undefined;
  const pad = (n: number) => String(n).padStart(2, '0');
  const dayOf = (ms: number) => {
    const c = wallClock(ms, zone);
    return `${c.year}-${pad(c.month)}-${pad(c.day)}`;
  };
  return {
    time: (ms: number) => time.format(ms),
    date: (ms: number) => (date ? date.format(ms) : dayOf(ms)),
    dayOf,
  };
}

/** Ticks on whole local minutes, hours or days, as many as fit minGap px apart. */
function axisTicks(t0: number, t1: number, plotWidth: number, zone: string, read: ReturnType<typeof clock>): Tick[] {
  const span = t1 - t0;
  const crossesDays = read.dayOf(t0) !== read.dayOf(t1);
  const fits = (stepMs: number, minGap: number) => (span / stepMs) * minGap <= plotWidth;
  const start = wallClock(t0, zone);
  const ticks: Tick[] = [];
  const stepMin = STEPS_MIN.find((m) => fits(m * MINUTE, crossesDays ? 80 : 64));
  if (stepMin !== undefined) {
    let minute = Math.ceil((start.hour * 60 + start.minute) / stepMin) * stepMin;
    let lastDay = '';
    for (;; minute += stepMin) {
      const at = zonedInstant(zone, start.year, start.month, start.day, 0, minute);
      if (at > t1) break;
      if (at < t0 || (ticks.length > 0 && at <= ticks[ticks.length - 1].at)) continue;
      const day = read.dayOf(at);
      const newDay = crossesDays && day !== lastDay;
      ticks.push({ at, newDay: newDay && lastDay !== '', time: read.time(at), date: newDay ? read.date(at) : undefined });
      lastDay = day;
    }
    return ticks;
  }
  const stepDays = STEPS_DAYS.find((d) => fits(d * DAY, 100)) ?? Math.ceil(span / DAY / (plotWidth / 100));
  for (let day = start.day + 1; ; day += stepDays) {
    const at = zonedInstant(zone, start.year, start.month, day);
    if (at > t1) break;
    ticks.push({ at, newDay: true, date: read.date(at) });
  }
  return ticks;
}

// ---- drawing --------------------------------------------------------------

const STYLE = [
  // DejaVu Sans is what the label widths are measured for; the others are narrower fallbacks.
  `text{font-family:'DejaVu Sans','Noto Sans','Liberation Sans',Arial,sans-serif;font-size:12px;fill:${COLOURS.ink}}`,
  '.title{font-size:17px;font-weight:bold}',
  `.sub,.ax{fill:${COLOURS.muted}}`,
  '.ax{font-size:11px}',
  '.row{font-size:12px}.row-dense{font-size:11px}',
  `.mark{font-size:11px;font-weight:bold}.mark-now{fill:${COLOURS.now}}.mark-eta{fill:${COLOURS.eta}}`,
  `.crit-l{font-weight:bold;fill:#9b1020}`,
  '.nohist-l{font-style:italic}',
  '.done{fill:#7f98b5}',
  '.running{fill:#2e9e48}',
  '.rest{fill:url(#rest)}',
  '.pending{fill:#f3f5f8;stroke:#5b6b7d;stroke-dasharray:4 2}',
  '.failed{fill:url(#failed)}',
  `.crit{stroke:${COLOURS.critical};stroke-width:2}`,
  '.q{fill:#fff;stroke:#8a6d00}',
  '.qt{font-size:9px;font-weight:bold;fill:#8a6d00}',
].join('');

const DEFS =
  '<defs>' +
  '<pattern id="rest" patternUnits="userSpaceOnUse" width="6" height="6" patternTransform="rotate(45)"><rect width="6" height="6" fill="#cdebd3"/><rect width="2.5" height="6" fill="#2e9e48"/></pattern>' +
  '<pattern id="failed" patternUnits="userSpaceOnUse" width="6" height="6" patternTransform="rotate(-45)"><rect width="6" height="6" fill="#d62728"/><rect width="2" height="6" fill="#ffffff" fill-opacity="0.75"/></pattern>' +
  '</defs>';

const n1 = (v: number) => String(Math.round(v * 10) / 10);

function rect(x: number, y: number, w: number, h: number, cls: string, extra = ''): string {
  return `<rect x="${n1(x)}" y="${n1(y)}" width="${n1(Math.max(w, 0))}" height="${n1(h)}"${cls ? ` class="${cls}"` : ''}${extra}/>`;
}

function text(x: number, y: number, content: string, cls = '', anchor: 'start' | 'middle' | 'end' = 'start'): string {
  const a = anchor === 'start' ? '' : ` text-anchor="${anchor}"`;
  return `<text x="${n1(x)}" y="${n1(y)}"${cls ? ` class="${cls}"` : ''}${a}>${escapeXml(content)}</text>`;
}

/** A bar in its state's look; a running one solid up to now and hatched after. */
function bar(x0: number, x1: number, y: number, h: number, state: SubtaskState, critical: boolean, nowX: number): string {
  const w = Math.max(x1 - x0, 2);
  const crit = critical ? ' crit' : '';
  if (state !== 'running') return rect(x0, y, w, h, state + crit);
  const split = Math.min(Math.max(nowX, x0), x0 + w);
  const outline = critical ? rect(x0, y, w, h, 'crit', ' fill="none"') : rect(x0, y, w, h, '', ' fill="none" stroke="#1d6b30"');
  return rect(x0, y, split - x0, h, 'running') + rect(split, y, x0 + w - split, h, 'rest') + outline;
}

/** The small "?" badge of a duration guessed without history. */
function guessBadge(cx: number, cy: number): string {
  return `<circle cx="${n1(cx)}" cy="${n1(cy)}" r="5.5" class="q"/>` + text(cx, cy + 3.2, '?', 'qt', 'middle');
}

interface LegendItem {
  swatch: (x: number, y: number) => string;
  swatchWidth: number;
  label: string;
}

/** Legend items left to right, wrapping to new lines; returns the svg and the y below it. */
function legend(items: LegendItem[], x0: number, y0: number, maxX: number): { svg: string; bottom: number } {
  let x = x0;
  let y = y0;
  let svg = '';
  for (const item of items) {
    const w = item.swatchWidth + 6 + textWidth(item.label, 12);
    if (x > x0 && x + w > maxX) {
      x = x0;
      y += 20;
    }
    svg += item.swatch(x, y) + text(x + item.swatchWidth + 6, y + 10, item.label);
    x += w + 20;
  }
  return { svg, bottom: y + 16 };
}

/** What the picture uses, and no more: the states present, the markers, the range with its times. */
function legendItems(rows: GanttRow[], eta: Forecast['eta'], labels: GanttLabels, when: (t: number) => string, read: ReturnType<typeof clock>): LegendItem[] {
  const present = new Set(rows.map((r) => r.state));
  const items: LegendItem[] = (['done', 'running', 'pending', 'failed'] as const)
    .filter((s) => present.has(s))
    .map((s) => ({ swatch: (x, y) => bar(x, x + 24, y, 11, s, false, x + 12), swatchWidth: 24, label: labels[s] }));
  if (rows.some((r) => r.critical)) items.push({ swatch: (x, y) => rect(x, y, 24, 11, 'crit', ' fill="none"'), swatchWidth: 24, label: labels.critical });
  if (rows.some((r) => r.noHistory)) items.push({ swatch: (x, y) => guessBadge(x + 6, y + 5.5), swatchWidth: 12, label: labels.noHistory });
  items.push({ swatch: (x, y) => `<line x1="${n1(x + 6)}" y1="${y - 2}" x2="${n1(x + 6)}" y2="${y + 13}" stroke="${COLOURS.now}" stroke-width="2"/>`, swatchWidth: 12, label: labels.now });
  items.push({ swatch: (x, y) => diamond(x + 6, y + 5.5), swatchWidth: 12, label: labels.eta });
  if (eta.high > eta.low) {
    // The label carries the confidence already ("80% range"); the times follow it.
    const high = read.dayOf(eta.high) === read.dayOf(eta.low) ? read.time(eta.high) : when(eta.high);
    const range = `${labels.range}: ${when(eta.low)} – ${high}`;
    items.push({ swatch: (x, y) => `<rect x="${n1(x)}" y="${y - 2}" width="24" height="15" fill="${COLOURS.eta}" fill-opacity="0.16"/>`, swatchWidth: 24, label: range });
  }
  return items;
}

/** The whole chart as an SVG document. */
export function renderGanttSvg(forecast: Forecast, options: GanttOptions): string {
  const { labels, timeZone } = options;
  const width = Math.max(480, Math.round(options.width ?? 1400));
  const { rows, collapsed } = ganttRows(forecast.subtasks, options.maxRows ?? 200, options.title);
  const read = clock(timeZone, options.locale);
  // Digit grouping differs by language (10,000 / 10 000), so only with a locale.
  const numberFormat = new Intl.NumberFormat(options.locale ?? 'en-US', { useGrouping: options.locale !== undefined });
  const dense = rows.length > 60;
  const rowH = dense ? 16 : 20;
  const fontSize = dense ? 11 : 12;
  const barH = rowH - (dense ? 5 : 7);

  // The axis runs from the first start to the later of the last end and the range's high end, now always on it.
  const { eta, now } = forecast;
  if (!Number.isFinite(now) || !Number.isFinite(eta.median)) throw new RangeError('forecast without a valid now or ETA');
  const times = [forecast.start, now, eta.low, eta.median, eta.high, ...rows.flatMap((r) => [r.start, r.end])].filter(Number.isFinite);
  const lo = times.reduce((a, b) => Math.min(a, b));
  const hi = times.reduce((a, b) => Math.max(a, b));
  const margin = Math.max((hi - lo) * 0.03, MINUTE);
  const t0 = lo - margin;
  const t1 = hi + margin;

  const labelWidth = Math.round(Math.min(360, Math.max(160, width * 0.24)));
  const plotX = labelWidth;
  const plotW = width - plotX - 24;
  const xAt = (t: number) => plotX + ((t - t0) / (t1 - t0)) * plotW;
  const withDate = read.dayOf(t0) !== read.dayOf(t1);
  const when = (t: number) => (withDate ? `${read.date(t)} ${read.time(t)}` : read.time(t));

  // Header: title, subtitle, legend, then the time axis and the ETA and now labels.
  const parts: string[] = [];
  parts.push(text(12, 26, fitText(options.title, width - 24, 17, true), 'title'));
  let y = 40;
  if (collapsed) {
    const subtitle = fill(labels.collapsed, { count: numberFormat.format(forecast.subtasks.length), rows: numberFormat.format(rows.length) });
    parts.push(text(12, 46, fitText(subtitle, width - 24, 12), 'sub'));
    y = 58;
  }
  const key = legend(legendItems(rows, eta, labels, when, read), 12, y, width - 12);
  parts.push(key.svg);

  const ticks = axisTicks(t0, t1, plotW, timeZone, read);
  const timeY = key.bottom + 20;
  const dateY = timeY + (ticks.some((t) => t.time && t.date) ? 13 : 0);
  const etaY = dateY + 18;
  const nowY = etaY + 15;
  const plotTop = nowY + 8;
  const plotBottom = plotTop + rows.length * rowH;
  const bottomAxis = rows.length > 40;
  const height = plotBottom + (bottomAxis ? dateY - key.bottom + 6 : 12);

  // Plot background: zebra rows, grid lines at ticks (darker at midnight), the ETA range band.
  const back: string[] = [];
  for (let i = 1; i < rows.length; i += 2) back.push(`<rect x="0" y="${plotTop + i * rowH}" width="${width}" height="${rowH}" fill="${COLOURS.zebra}"/>`);
  for (const tick of ticks) {
    const x = n1(xAt(tick.at));
    back.push(`<line x1="${x}" y1="${timeY + 4}" x2="${x}" y2="${plotBottom}" stroke="${tick.newDay ? COLOURS.day : COLOURS.grid}"/>`);
    // The time on top, the date under it where the day changes (or the date alone for day steps).
    const axisLabels = (ty: number, dy: number) => (tick.time ? text(+x, ty, tick.time, 'ax', 'middle') : '') + (tick.date ? text(+x, tick.time ? dy : ty, tick.date, 'ax', 'middle') : '');
    back.push(axisLabels(timeY, dateY));
    if (bottomAxis) back.push(axisLabels(plotBottom + 16, plotBottom + 16 + dateY - timeY));
  }
  if (eta.high > eta.low) {
    back.push(`<rect x="${n1(xAt(eta.low))}" y="${etaY - 12}" width="${n1(xAt(eta.high) - xAt(eta.low))}" height="${plotBottom - etaY + 12}" fill="${COLOURS.eta}" fill-opacity="0.12"/>`);
  }
  back.push(`<path d="M${plotX} ${plotBottom}V${plotTop}H${plotX + plotW}" fill="none" stroke="${COLOURS.day}"/>`);

  // Rows: label at left (bold for the critical path, italic when guessed), bar on the axis.
  const nowX = xAt(now);
  const minLevel = rows.reduce((m, r) => Math.min(m, r.level), Infinity);
  const body: string[] = [];
  rows.forEach((row, i) => {
    const top = plotTop + i * rowH;
    const indent = Math.min(row.level - minLevel, 5) * 10;
    const suffix = row.count > 1 ? ` (${numberFormat.format(row.count)})` : '';
    const room = labelWidth - 12 - indent - 10 - textWidth(suffix, fontSize, row.critical);
    const label = fitText(row.label, room, fontSize, row.critical) + suffix;
    const cls = [row.critical ? 'crit-l' : '', row.noHistory ? 'nohist-l' : ''].filter(Boolean);
    body.push(text(12 + indent, top + rowH / 2 + fontSize * 0.36, label, [dense ? 'row-dense' : 'row', ...cls].join(' ')));
    if (!Number.isFinite(row.start) || !Number.isFinite(row.end)) return;
    const x0 = xAt(row.start);
    const x1 = Math.max(xAt(row.end), x0 + 2);
    body.push(bar(x0, x1, top + (rowH - barH) / 2, barH, row.state, row.critical, nowX));
    if (row.noHistory) body.push(guessBadge(x1 + 9, top + rowH / 2));
  });

  // The now line and the ETA line over the bars, each labelled above the plot with its time.
  const etaX = xAt(eta.median);
  const marks = [
    `<line x1="${n1(nowX)}" y1="${nowY - 11}" x2="${n1(nowX)}" y2="${plotBottom}" stroke="${COLOURS.now}" stroke-width="2"/>`,
    `<line x1="${n1(etaX)}" y1="${etaY + 4}" x2="${n1(etaX)}" y2="${plotBottom}" stroke="${COLOURS.eta}" stroke-width="2" stroke-dasharray="6 3"/>`,
    diamond(etaX, etaY - 4),
    markLabel(nowX, nowY, `${labels.now} ${when(now)}`, plotX, width - 8, 'mark-now'),
    markLabel(etaX, etaY, `${labels.eta} ${when(eta.median)}`, plotX, width - 8, 'mark-eta'),
  ];

  return [
    `<svg xmlns="http://www.w3.org/2000/svg" width="${width}" height="${height}" viewBox="0 0 ${width} ${height}">`,
    `<style>${STYLE}</style>`,
    DEFS,
    `<rect width="${width}" height="${height}" fill="#ffffff"/>`,
    ...back,
    ...body,
    ...marks,
    ...parts,
    '</svg>',
  ].join('\n');
}

function diamond(cx: number, cy: number): string {
  return `<path d="M${n1(cx)} ${n1(cy - 6)}l6 6l-6 6l-6-6z" fill="${COLOURS.eta}"/>`;
}

/** A marker's label right of its line, or left of it when it would run off the picture. */
function markLabel(x: number, y: number, content: string, minX: number, maxX: number, cls: string): string {
  const w = textWidth(content, 11, true);
  const right = x + 9 + w <= maxX || x - 9 - w < minX;
  return text(right ? x + 9 : x - 9, y, content, `mark ${cls}`, right ? 'start' : 'end');
}
