/**
 * dutydesk watched by the Prometheus that watches the hosts: the gateway and
 * the worker serve /metrics (prom-client, and the Temporal SDK's own metrics
 * from the worker), and a real Prometheus scrapes both.
 */
import { baseConfig, startDesk, type Desk } from './helpers/desk';
import { startMonitoring, type TestMonitoring } from './helpers/monitoring';
import { freePort, waitFor } from './helpers/wait';

let desk: Desk;
let monitoring: TestMonitoring;
let workerMetrics: string;

beforeAll(async () => {
  workerMetrics = `127.0.0.1:${await freePort()}`;
  desk = await startDesk(
    baseConfig({ web1: { address: '127.0.0.1', transport: 'local', services: { shop: { steps: [{ name: 'noop', run: 'true' }] } } } }, { worker: { stickyQueueTimeout: '1s', metricsListen: workerMetrics } }),
    { inProcessWorker: false },
  );
  await desk.startWorkerProcess();
  monitoring = await startMonitoring({
    targets: [
      { job: 'dutydesk-gateway', target: new URL(desk.url).host },
      { job: 'dutydesk-worker', target: workerMetrics },
    ],
    rules: [],
    receiver: { url: `${desk.url}/alerts/none`, token: 'unused' },
  });
}, 180_000);

afterAll(async () => {
  await monitoring?.remove();
  await desk?.stop();
});

test('the gateway counts what it handles at /metrics', async () => {
  await desk.say('alice', 'ops', 'hosts');
  await desk.botMessage('ops', (m) => m.text.includes('web1'), 'the hosts answer');
  const text = await (await fetch(`${desk.url}/metrics`)).text();
  expect(text).toMatch(/^dutydesk_chat_actions_total\{outcome="done",component="gateway"\} [1-9]/m);
  expect(text).toContain('dutydesk_process_cpu_seconds_total');
});

test('the worker serves its own metrics and the Temporal SDK’s at /metrics', async () => {
  const res = await fetch(`http://${workerMetrics}/metrics`);
  expect(res.status).toBe(200);
  const text = await res.text();
  expect(text).toContain('dutydesk_process_resident_memory_bytes{component="worker"}');
  expect(text).toMatch(/^temporal_\w+/m);
  expect((await fetch(`http://${workerMetrics}/other`)).status).toBe(404);
});

test('a real Prometheus scrapes both, Temporal SDK metrics included', async () => {
  type Vector = { data: { result: { metric: Record<string, string>; value: [number, string] }[] } };
  const up = () => monitoring.prom<Vector>(`api/v1/query?query=${encodeURIComponent('up{job=~"dutydesk-.*"}')}`);
  await waitFor(async () => (await up()).data.result.filter((r) => r.value[1] === '1').length === 2, 'both targets up in Prometheus', 30_000);
  const sdk = await monitoring.prom<Vector>(`api/v1/query?query=${encodeURIComponent('count({job="dutydesk-worker",__name__=~"temporal_.*"})')}`);
  expect(Number(sdk.data.result[0]?.value[1] ?? 0)).toBeGreaterThan(0);
});
