/**
 * The forecast's Gantt chart (lib/forecast/gantt-svg.ts) as a PNG for chat.
 * resvg renders it with the machine's fonts; the chart asks for DejaVu Sans
 * (Debian: fonts-dejavu-core). Without it resvg falls back to any installed
 * font, and with no fonts at all the text is left out but the bars still draw.
 */
import { Resvg } from '@resvg/resvg-js';

export function renderGanttPng(svg: string): Buffer {
  const resvg = new Resvg(svg, {
    font: { loadSystemFonts: true, defaultFontFamily: 'DejaVu Sans', sansSerifFamily: 'DejaVu Sans' },
    background: '#ffffff',
    // Warnings (e.g. a font not found) would go to the worker's stderr on every render.
    logLevel: 'error',
  });
  return resvg.render().asPng();
}
