/**
 * "Is the network ok?": an action whose step is a report of checks against a
 * real Prometheus (thresholds on its queries), HTTP probes and TCP connects,
 * told in plain words in the reader's language, failing checks first.
 */
import { createServer, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import { baseConfig, startDesk, type Desk } from './helpers/desk';
import { scrapedService, startMonitoring, type ScrapedService, type TestMonitoring } from './helpers/monitoring';
import { freePort, waitFor } from './helpers/wait';
import type { ConsoleMessage } from '../chat-gateway/web-console/store';

let desk: Desk;
let monitoring: TestMonitoring;
let shop: ScrapedService;
let web: Server;

beforeAll(async () => {
  shop = await scrapedService();
  await shop.start();
  const closed = await freePort();
  monitoring = await startMonitoring({
    targets: [
      { job: 'shop', target: `127.0.0.1:${shop.port}`, labels: {} },
      { job: 'wan', target: `127.0.0.1:${closed}`, labels: {} },
    ],
    rules: [],
    receiver: { url: `http://127.0.0.1:${await freePort()}/alerts/ops`, token: 'unused' },
  });
  web = createServer((req, res) => void res.writeHead(req.url === '/down' ? 503 : 200).end('ok'));
  await new Promise<void>((r) => web.listen(0, '127.0.0.1', r));
  const webUrl = `http://127.0.0.1:${(web.address() as AddressInfo).port}`;
  process.env.TEST_CHECKS_ALERTS_TOKEN = 'checks-alerts-token';
  desk = await startDesk(
    baseConfig(
      { h1: { address: '127.0.0.1', transport: 'local', groups: ['test'], services: { app: { steps: [{ name: 'noop', run: 'true' }] } } } },
      {
        users: [
          { id: 'carol', name: 'Carol', roles: ['viewer'] },
          { id: 'elise', name: 'Élise', roles: ['viewer'], language: 'fr' },
        ],
        monitoring: { prometheus: { url: monitoring.prometheusUrl }, receivers: { ops: { token: { env: 'TEST_CHECKS_ALERTS_TOKEN' } } }, routes: [{ chat: 'ops' }], reconcile: 'off' },
        actions: {
          'net.ok': {
            title: 'Is the network ok?',
            says: 'is the network ok',
            steps: [
              {
                checks: [
                  { name: 'Shop scraped', prometheus: 'up{job="shop"}', above: 0 },
                  { name: 'WAN link', prometheus: 'up{job="wan"}', above: 0 },
                  { name: 'Scrape time', prometheus: 'scrape_duration_seconds{job="shop"}', below: 5, unit: 's', chart: '10m' },
                  { name: 'Shop up', prometheus: 'up{job="shop"}', above: 0, chart: '5m' },
                  { name: 'VPN tunnels', prometheus: 'vpn_tunnels_up' },
                  { name: 'Queue age', prometheus: 'vector(1/0)', below: 60, unit: 's' },
                  { name: 'Intranet', http: `${webUrl}/` },
                  { name: 'Mail relay', http: `${webUrl}/down` },
                  { name: 'DNS port', tcp: `127.0.0.1:${shop.port}` },
                  { name: 'Old proxy', tcp: `127.0.0.1:${closed}` },
                ],
              },
            ],
          },
        },
      },
    ),
  );
  // Both targets scraped at least once, so up{} has its answer.
  await waitFor(async () => (await monitoring.prom<{ data: { result: unknown[] } }>('api/v1/query?query=up')).data.result.length === 2, 'Prometheus to scrape both targets', 60_000);
}, 180_000);

afterAll(async () => {
  await desk?.stop();
  await monitoring?.remove();
  await shop?.stop();
  web?.close();
});

const output = async (user: string, chat: string): Promise<ConsoleMessage> => {
  const said = await desk.say(user, chat, 'is the network ok');
  return desk.botMessage(chat, (m) => Number(m.id) > Number(said.id) && m.text.startsWith('Is the network ok? · 1.'), 'the report');
};

test('each check told in plain words, the failing ones first, and the run itself done', async () => {
  const report = (await output('carol', 'dm-carol')).text.split('\n');
  expect(report[1]).toBe('⚠ 5 of 10 checks fail.');
  const failing = report.slice(2, 7);
  expect(failing).toEqual(
    expect.arrayContaining([
      '✖ WAN link: 0, should be above 0',
      '✖ VPN tunnels: no data: the query returns nothing',
      '✖ Queue age: Infinity s, should be below 60 s',
      '✖ Mail relay: answered 503 Service Unavailable',
      expect.stringMatching(/^✖ Old proxy: unreachable \(connect ECONNREFUSED 127\.0\.0\.1:\d+\)$/),
    ]),
  );
  expect(report.slice(7)).toEqual(
    expect.arrayContaining(['✔ Shop scraped: 1', '✔ Shop up: 1', expect.stringMatching(/^✔ Scrape time: [\d.e-]+ s$/), '✔ Intranet: 200 OK', expect.stringMatching(/^✔ DNS port: connected in \d+ ms$/)]),
  );
  const progress = await desk.botMessage('dm-carol', (m) => m.text.startsWith('⚙ Is the network ok?') && m.text.includes('✅ Done in'), 'the run to end');
  expect(progress.text).toContain('✔ Run the checks');
  expect(progress.text).toContain('⚠ 5 of 10 checks fail.');
});

test('in the reader\'s language', async () => {
  const report = (await output('elise', 'dm-elise')).text;
  expect(report).toContain('⚠ 5 vérifications sur 10 échouent.');
  expect(report).toContain('✖ WAN link: 0, devrait être supérieur à 0');
});

test('charted checks come with a small chart of their window: a picture with the words', async () => {
  const report = await output('carol', 'dm-carol');
  expect(report.attachment?.name).toBe('checks.png');
  const png = Buffer.from(await (await fetch(`${desk.url}/console/files/${report.attachment!.fileId}`)).arrayBuffer());
  expect(png.subarray(1, 4).toString('latin1')).toBe('PNG');
  // Two panels of 118 px under each other, 560 px wide.
  expect([png.readUInt32BE(16), png.readUInt32BE(20)]).toEqual([560, 2 * 118 + 6]);
  expect(report.text).toContain('✖ WAN link: 0, should be above 0');
});
