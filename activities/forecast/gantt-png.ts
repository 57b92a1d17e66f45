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

/** The width and height written in a PNG's header. */
export function pngSize(png: Buffer): { width: number; height: number } {
  if (png.length < 24 || png.toString('latin1', 12, 16) !== 'IHDR') throw new Error('not a PNG');
  return { width: png.readUInt32BE(16), height: png.readUInt32BE(20) };
}

/**
 * Chats shrink a photo to about 1280 px on its long side, which leaves the
 * rows of a tall chart unreadable; such a chart goes as a document, opened at
 * full size. Up to about 90 rows stay a photo, shown inline.
 */
export function chartFileKind(png: Buffer): 'photo' | 'document' {
  const { width, height } = pngSize(png);
  return height > width * 1.2 ? 'document' : 'photo';
}
