/** A check report's chart: panels with their threshold, gaps for values that are no number, every text escaped. */
import { XMLValidator } from 'fast-xml-parser';
import { checksChartSvg } from '../lib/actions/check-chart';
import { runStep } from '../activities/actions/steps';
import { createServer } from 'node:http';
import type { AddressInfo } from 'node:net';
import { PrometheusApi } from '../activities/incidents/monitoring-http';
import { HostExecutors } from '../activities/hosts/executors';
import type { DutydeskConfig } from '../config/schema';

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

test('a check report whose chart cannot be made still comes, with its words', async () => {
  // A server answering as Prometheus' HTTP API does for an instant and a range query.
  const server = createServer((req, res) => {
    const range = req.url?.startsWith('/api/v1/query_range');
    const data = range ? { resultType: 'matrix', result: [{ metric: {}, values: [[0, '0.5']] }] } : { resultType: 'vector', result: [{ metric: {}, value: [0, '0.5'] }] };
    res.writeHead(200, { 'content-type': 'application/json' }).end(JSON.stringify({ status: 'success', data }));
  });
  await new Promise<void>((r) => server.listen(0, '127.0.0.1', r));
  try {
    const prometheus = new PrometheusApi({ url: `http://127.0.0.1:${(server.address() as AddressInfo).port}` });
    const config = { teams: {}, hosts: {}, inventory: { networks: [] } } as unknown as DutydeskConfig;
    // Its folder cannot be made (a file is in the way).
    const outcome = await runStep(
      { checks: [{ name: 'Latency', prometheus: 'x', below: 1, chart: 3_600_000 }] },
      { config, actionId: 'net.ok', executors: new HostExecutors(config as never), params: {}, language: 'en', signal: new AbortController().signal, timeoutMs: 10_000, prometheus, filesDir: '/etc/hostname/charts' },
    );
    expect(outcome).toEqual({ detail: '✅ All 1 checks pass.', output: '✅ All 1 checks pass.\n✔ Latency: 0.5' });
  } finally {
    server.close();
  }
});
