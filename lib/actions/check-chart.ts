/**
 * A check report's small chart: one panel per charted Prometheus check, its
 * series over the window with the threshold dashed across, green when the
 * check passes and red when it fails. Pure SVG (rendered to PNG by the
 * worker); every text is escaped, non-finite values leave gaps.
 */
import { escapeXml } from '../xml';

export interface ChartPanel {
  title: string;
  ok: boolean;
  unit?: string;
  threshold?: number;
  /** [unix ms, value] per series, at most a few series. */
  series: { label: string; points: [number, number][] }[];
  from: number;
  to: number;
}

const WIDTH = 560;
const PANEL = 118;
const PLOT = { left: 64, right: 12, top: 24, height: 70 };
const COLOURS = ['#0052cc', '#6554c0', '#00875a', '#ff8b00', '#5e6c84'];
export const MAX_SERIES = 5;
/** Four panels (478 px) stay wider than tall, so chats show the picture inline and whole. */
export const MAX_PANELS = 4;

const n1 = (v: number) => (Math.round(v * 10) / 10).toString();
const reading = (v: number, unit?: string) => `${Number.isInteger(v) ? v : Number(v.toPrecision(3))}${unit ? ` ${unit}` : ''}`;

function panel(p: ChartPanel, top: number): string {
  const values = p.series.flatMap((s) => s.points.map(([, v]) => v)).filter(Number.isFinite);
  if (p.threshold !== undefined) values.push(p.threshold);
  let [lo, hi] = values.length ? [Math.min(...values), Math.max(...values)] : [0, 1];
  if (hi === lo) [lo, hi] = [lo - 1, hi + 1];
  const pad = (hi - lo) * 0.08;
  [lo, hi] = [lo - pad, hi + pad];
  const w = WIDTH - PLOT.left - PLOT.right;
  const x = (t: number) => PLOT.left + ((t - p.from) / Math.max(1, p.to - p.from)) * w;
  const y = (v: number) => top + PLOT.top + PLOT.height - ((v - lo) / (hi - lo)) * PLOT.height;
  const parts = [
    `<circle cx="10" cy="${n1(top + 12)}" r="5" fill="${p.ok ? '#36b37e' : '#de350b'}"/>`,
    `<text x="22" y="${n1(top + 16)}" class="title">${escapeXml(p.title)}</text>`,
    `<rect x="${PLOT.left}" y="${top + PLOT.top}" width="${w}" height="${PLOT.height}" class="plot"/>`,
    `<text x="${PLOT.left - 6}" y="${n1(top + PLOT.top + 9)}" class="axis">${escapeXml(reading(hi - pad, p.unit))}</text>`,
    `<text x="${PLOT.left - 6}" y="${n1(top + PLOT.top + PLOT.height)}" class="axis">${escapeXml(reading(lo + pad, p.unit))}</text>`,
  ];
  if (p.threshold !== undefined) parts.push(`<line x1="${PLOT.left}" x2="${PLOT.left + w}" y1="${n1(y(p.threshold))}" y2="${n1(y(p.threshold))}" class="limit"/>`);
  p.series.slice(0, MAX_SERIES).forEach((s, i) => {
    // A non-finite value breaks the line: a gap, not a drop to zero.
    const runs: string[] = [];
    let run: string[] = [];
    for (const [t, v] of s.points) {
      if (Number.isFinite(v)) run.push(`${n1(x(t))},${n1(y(v))}`);
      else if (run.length) (runs.push(run.join(' ')), (run = []));
    }
    if (run.length) runs.push(run.join(' '));
    for (const points of runs) parts.push(points.includes(' ') ? `<polyline points="${points}" stroke="${COLOURS[i]}" class="line"/>` : `<circle cx="${points.split(',')[0]}" cy="${points.split(',')[1]}" r="1.5" fill="${COLOURS[i]}"/>`);
  });
  return parts.join('');
}

export function checksChartSvg(panels: ChartPanel[]): string {
  const height = panels.length * PANEL + 6;
  const style =
    '<style>text{font-family:"DejaVu Sans",sans-serif;fill:#172b4d}.title{font-size:12px}.axis{font-size:9px;text-anchor:end;fill:#5e6c84}' +
    '.plot{fill:#f4f5f7;stroke:#dfe1e6}.limit{stroke:#de350b;stroke-width:1;stroke-dasharray:4 3}.line{fill:none;stroke-width:1.5}</style>';
  return `<svg xmlns="http://www.w3.org/2000/svg" width="${WIDTH}" height="${height}" viewBox="0 0 ${WIDTH} ${height}">${style}<rect width="100%" height="100%" fill="#ffffff"/>${panels.map((p, i) => panel(p, i * PANEL + 4)).join('')}</svg>`;
}
