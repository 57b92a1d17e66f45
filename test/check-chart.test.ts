/** A check report's chart: panels with their threshold, gaps for values that are no number, every text escaped. */
import { XMLValidator } from 'fast-xml-parser';
import { checksChartSvg } from '../lib/actions/check-chart';

const minute = 60_000;

test('one panel per check, the threshold dashed across, a gap where a value is no number', () => {
  const svg = checksChartSvg([
    { title: 'WAN <b>latency</b> & "jitter"', ok: false, unit: 's', threshold: 0.2, series: [{ label: 'wan', points: [[0, 0.1], [minute, NaN], [2 * minute, 0.3], [3 * minute, 0.35]] }], from: 0, to: 3 * minute },
    { title: 'Core router', ok: true, series: [{ label: 'a', points: [[0, 1], [minute, 1]] }, { label: 'b', points: [[0, 1], [minute, Infinity]] }], from: 0, to: minute },
  ]);
  expect(XMLValidator.validate(svg)).toBe(true);
  expect(svg).toContain('WAN &lt;b&gt;latency&lt;/b&gt; &amp; &quot;jitter&quot;');
  expect(svg.match(/class="limit"/g)).toHaveLength(1);
  // The NaN splits the first series: a lone point, then a line of two.
  const first = svg.slice(svg.indexOf('class="limit"'), svg.indexOf('Core router'));
  expect(first.match(/<polyline /g)).toHaveLength(1);
  expect(first.match(/<circle cx="[\d.]+" cy="[\d.]+" r="1.5"/g)).toHaveLength(1);
  expect(svg).toContain('fill="#de350b"/><text x="22"');
  expect(svg).toMatch(/height="242"/);
});
