/**
 * The console's bodies are refused before they are read: bot routes without
 * the token, files declared too big, uploads past the console's budget. Each
 * request sends its headers and a first part of a much larger body, then
 * waits: an answer can only come from a server that did not wait for the rest.
 * And the files it keeps go with the messages the store lets go.
 */
import { mkdtempSync, readdirSync } from 'node:fs';
import net from 'node:net';
import os from 'node:os';
import path from 'node:path';
import express from 'express';
import { KEEP_PER_CHAT } from '../chat-gateway/web-console/store';
import { consoleUploads } from '../chat-gateway/web-console/uploads';
import { baseConfig, startDesk, type Desk } from './helpers/desk';
import { waitFor } from './helpers/wait';

let desk: Desk;
const filesDir = () => path.join(path.dirname(desk.configFile), '.data', 'console-files');
const list = (dir: string) => {
  try {
    return readdirSync(dir);
  } catch {
    return [];
  }
};

beforeAll(async () => {
  desk = await startDesk(baseConfig({ local1: { address: '127.0.0.1', transport: 'local', services: { app: { steps: [{ name: 'x', run: 'true' }] } } } }), { inProcessWorker: false });
}, 120_000);

afterAll(async () => {
  await desk?.stop();
});

interface HalfSent {
  /** The status line's code, once the server has answered. */
  status(): number | undefined;
  sent: number;
  close(): void;
}

/** POSTs headers declaring `declared` bytes and sends only the first `send` of them. */
async function postPartly(url: string, route: string, headers: Record<string, string>, declared: number, send: number): Promise<HalfSent> {
  const { hostname, port } = new URL(url);
  const socket = net.connect(Number(port), hostname);
  await new Promise((resolve) => socket.once('connect', resolve));
  let answer = '';
  socket.on('data', (chunk) => (answer += chunk.toString('latin1')));
  socket.on('error', () => undefined);
  const head = [`POST ${route} HTTP/1.1`, `Host: ${hostname}:${port}`, `Content-Length: ${declared}`, ...Object.entries(headers).map(([k, v]) => `${k}: ${v}`), '', ''].join('\r\n');
  socket.write(head);
  socket.write(Buffer.alloc(send, 0x61));
  return {
    status: () => {
      const m = /^HTTP\/1\.1 (\d{3})/.exec(answer);
      return m ? Number(m[1]) : undefined;
    },
    sent: send,
    close: () => socket.destroy(),
  };
}

const answered = (p: HalfSent, what: string) => waitFor(() => p.status(), what, 10_000, 20);

test('a bot upload without the token is refused before its body: 401 with 64 KiB of 200 MB sent, nothing written', async () => {
  const before = list(filesDir());
  for (const authorization of [undefined, 'Bearer wrong-token']) {
    const upload = await postPartly(desk.url, '/console/bot/upload?name=x.bin', { 'content-type': 'application/octet-stream', ...(authorization ? { authorization } : {}) }, 200 * 1024 * 1024, 64 * 1024);
    expect(await answered(upload, 'the answer to an upload without the token')).toBe(401);
    upload.close();
  }
  expect(list(filesDir())).toEqual(before);
});

test('bot sends and edits without the token are refused before their JSON is read', async () => {
  for (const route of ['/console/bot/send', '/console/bot/edit']) {
    const call = await postPartly(desk.url, route, { 'content-type': 'application/json' }, 10 * 1024 * 1024, 1024);
    expect(await answered(call, `the answer from ${route}`)).toBe(401);
    call.close();
  }
});

test('with the token, a file declared bigger than the console takes is refused at once', async () => {
  const upload = await postPartly(desk.url, '/console/bot/upload', { authorization: `Bearer ${process.env.DUTYDESK_CONSOLE_TOKEN}` }, 201 * 1024 * 1024, 1024);
  expect(await answered(upload, 'the answer to a too big file')).toBe(413);
  upload.close();
  expect(list(filesDir()).filter((f) => f.endsWith('.part'))).toEqual([]);
});

test('a person’s upload declared over 20 MB is refused before it is read, and nothing is kept', async () => {
  const before = list(desk.config.gateway.incomingDir);
  const upload = await postPartly(desk.url, '/console/api/upload?name=big.xml', {}, 21 * 1024 * 1024, 64 * 1024);
  expect(await answered(upload, 'the answer to a too big upload')).toBe(413);
  upload.close();
  expect(list(desk.config.gateway.incomingDir)).toEqual(before);
});

test('the console’s uploads are bounded: one file, how many at once, how much a day', async () => {
  const dir = mkdtempSync(path.join(os.tmpdir(), 'dutydesk-uploads-'));
  const arrived: string[] = [];
  const app = express().post(
    '/upload',
    (req, _res, next) => (arrived.push(String(req.query.name)), next()),
    consoleUploads(dir, { fileBytes: 1000, atOnce: 1, bytesPerDay: 2500 }),
  );
  const server = app.listen(0, '127.0.0.1');
  await new Promise((resolve) => server.once('listening', resolve));
  const url = `http://127.0.0.1:${(server.address() as net.AddressInfo).port}`;
  const upload = (bytes: number) => fetch(`${url}/upload?name=plan.xml`, { method: 'POST', body: Buffer.alloc(bytes, 0x61) });
  try {
    expect((await upload(1001)).status).toBe(413);
    // One being read (half sent) holds the only place: the next is refused without being read.
    const slow = await postPartly(url, '/upload?name=slow.xml', {}, 900, 100);
    await waitFor(() => arrived.includes('slow.xml'), 'the slow upload to be read');
    expect((await upload(10)).status).toBe(429);
    slow.close();
    await waitFor(async () => {
      const res = await upload(1000);
      return res.status === 201 && res;
    }, 'the place free again');
    expect((await upload(1000)).status).toBe(201);
    // 2000 of 2500 taken today: another 1000 is refused, 400 still fits.
    const over = await upload(1000);
    expect(over.status).toBe(429);
    expect(Number(over.headers.get('retry-after'))).toBeGreaterThan(3600);
    expect((await upload(400)).status).toBe(201);
    expect(list(dir)).toHaveLength(3);
  } finally {
    server.closeAllConnections();
    await new Promise((resolve) => server.close(resolve));
  }
});

test('a file handed over in the console is deleted when the store lets its message go', async () => {
  const auth = { authorization: `Bearer ${process.env.DUTYDESK_CONSOLE_TOKEN}` };
  const uploaded = await fetch(`${desk.url}/console/bot/upload?name=dump.txt`, { method: 'POST', headers: auth, body: Buffer.from('a dump') });
  const { fileId } = (await uploaded.json()) as { fileId: string };
  const send = (body: unknown) => fetch(`${desk.url}/console/bot/send`, { method: 'POST', headers: { ...auth, 'content-type': 'application/json' }, body: JSON.stringify(body) });
  expect((await send({ chatId: 'dm-dan', text: 'Dump', attachment: { fileId, name: 'dump.txt', kind: 'document' } })).status).toBe(200);
  expect((await fetch(`${desk.url}/console/files/${fileId}`)).status).toBe(200);
  for (let i = 0; i < KEEP_PER_CHAT; i++) await send({ chatId: 'dm-dan', text: `later ${i}` });
  await waitFor(() => !list(filesDir()).includes(fileId), 'the file to be removed');
  expect((await fetch(`${desk.url}/console/files/${fileId}`)).status).toBe(404);
});
