/**
 * Where a request's XML comes from: a file next to the config, or a URL the
 * worker reads (a local HTTP server here). Missing is a refusal with the
 * place looked at; a server error is left to the activity's retries; too big
 * is refused before it is all read; ids that could leave the folder are refused.
 */
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import http from 'node:http';
import type { AddressInfo } from 'node:net';
import os from 'node:os';
import path from 'node:path';
import { readRequestXml, RequestRefused } from '../activities/forecast/request-source';
import { rejectionOf } from './helpers/rejection';

let dir: string;
let server: http.Server;
let base: string;
let served = 0;

beforeAll(async () => {
  dir = mkdtempSync(path.join(os.tmpdir(), 'dutydesk-xml-'));
  writeFileSync(path.join(dir, 'REQ-1.xml'), '<request id="REQ-1"><task id="a" type="t"/></request>');
  server = http.createServer((req, res) => {
    served++;
    if (req.url === '/requests/REQ-1.xml') return res.writeHead(200, { 'content-type': 'application/xml' }).end('<request id="REQ-1"/>');
    if (req.url === '/requests/DOWN.xml') return res.writeHead(503).end('maintenance');
    // No content-length: the limit must hold while reading.
    if (req.url === '/requests/HUGE.xml') {
      res.writeHead(200, { 'content-type': 'application/xml' });
      res.write('<request>');
      const chunk = '<task id="x" type="t"/>'.repeat(1000);
      let sent = 0;
      const more = () => {
        while (sent < 200 && res.write(chunk)) sent++;
        if (sent < 200) res.once('drain', more);
        else res.end('</request>');
      };
      return more();
    }
    res.writeHead(404).end();
  });
  await new Promise<void>((r) => server.listen(0, '127.0.0.1', () => r()));
  base = `http://127.0.0.1:${(server.address() as AddressInfo).port}`;
});

afterAll(async () => {
  server.closeAllConnections();
  await new Promise((r) => server.close(r));
  rmSync(dir, { recursive: true, force: true });
});

const refusal = async (promise: Promise<unknown>) => (await rejectionOf(promise, RequestRefused)).refusal;

test('a file is found relative to the config file\'s folder', async () => {
  const read = await readRequestXml(`${path.basename(dir)}/{request}.xml`, 'REQ-1', path.dirname(dir), 1024 * 1024);
  expect(read.where).toBe(path.join(dir, 'REQ-1.xml'));
  expect(read.xml).toContain('<task id="a"');
});

test('a missing file is a refusal naming where it was looked for', async () => {
  expect(await refusal(readRequestXml(path.join(dir, '{request}.xml'), 'REQ-404', '/', 1024))).toEqual({ key: 'forecast.xmlNotFound', vars: { request: 'REQ-404', where: path.join(dir, 'REQ-404.xml') } });
});

test('a URL is read; 404 is a refusal, 503 an error the activity retries', async () => {
  const template = `${base}/requests/{request}.xml`;
  expect((await readRequestXml(template, 'REQ-1', '/', 1024)).xml).toBe('<request id="REQ-1"/>');
  expect((await refusal(readRequestXml(template, 'NOPE', '/', 1024))).key).toBe('forecast.xmlNotFound');
  const down = await readRequestXml(template, 'DOWN', '/', 1024).then(() => undefined, (e: Error) => e);
  expect(down).not.toBeInstanceOf(RequestRefused);
  expect(down?.message).toBe(`${base}/requests/DOWN.xml answered 503 Service Unavailable`);
});

test('too big is refused while reading, for files and URLs', async () => {
  const fromUrl = await refusal(readRequestXml(`${base}/requests/{request}.xml`, 'HUGE', '/', 64 * 1024));
  expect(fromUrl).toEqual({ key: 'forecast.xmlTooBig', vars: { request: 'HUGE', where: `${base}/requests/HUGE.xml`, limit: '64.0 KiB' } });
  expect((await refusal(readRequestXml(path.join(dir, '{request}.xml'), 'REQ-1', '/', 10))).key).toBe('forecast.xmlTooBig');
});

test('request ids that could leave the folder or change the URL are refused before anything is read', async () => {
  const before = served;
  for (const id of ['../etc/passwd', 'a/b', 'REQ 1', '', 'x'.repeat(65), '?q=1']) {
    expect((await refusal(readRequestXml(`${base}/requests/{request}.xml`, id, '/', 1024))).key).toBe('forecast.badRequestId');
  }
  expect(served).toBe(before);
});
