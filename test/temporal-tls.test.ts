/**
 * dutydesk on a secured Temporal cluster: the worker's and the gateway's
 * connections (config/temporal-connection.ts) with TLS and mTLS, through a
 * TLS front (as a load balancer or Temporal's own TLS does) to the real dev
 * server, with certificates made by openssl here. With the right CA and
 * client certificate both connect and a workflow listing works; without the
 * client certificate, or trusting another CA, they are refused.
 */
import { spawnSync } from 'node:child_process';
import { mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import net from 'node:net';
import os from 'node:os';
import path from 'node:path';
import tls from 'node:tls';
import type { AddressInfo } from 'node:net';
import { Connection } from '@temporalio/client';
import { NativeConnection } from '@temporalio/worker';
import type { TestWorkflowEnvironment } from '@temporalio/testing';
import { parseConfig } from '../config/load';
import { temporalConnectionOptions } from '../config/temporal-connection';
import { startTemporal } from './helpers/desk';

let env: TestWorkflowEnvironment;
let dir: string;
let front: tls.Server;
let frontAddress: string;

function openssl(args: string[]) {
  const result = spawnSync('openssl', args, { cwd: dir, encoding: 'utf8' });
  if (result.status !== 0) throw new Error(`openssl ${args[0]}: ${result.stderr}`);
}

/** A CA, and a certificate it signs for `name` (server or client). */
function makeCa(ca: string) {
  openssl(['req', '-x509', '-newkey', 'ec', '-pkeyopt', 'ec_paramgen_curve:prime256v1', '-nodes', '-days', '2', '-subj', `/CN=${ca}`, '-keyout', `${ca}.key`, '-out', `${ca}.pem`]);
}
function makeCert(ca: string, name: string, ext: string) {
  writeFileSync(path.join(dir, `${name}.ext`), ext);
  openssl(['req', '-newkey', 'ec', '-pkeyopt', 'ec_paramgen_curve:prime256v1', '-nodes', '-subj', `/CN=${name}`, '-keyout', `${name}.key`, '-out', `${name}.csr`]);
  openssl(['x509', '-req', '-in', `${name}.csr`, '-CA', `${ca}.pem`, '-CAkey', `${ca}.key`, '-CAcreateserial', '-days', '2', '-extfile', `${name}.ext`, '-out', `${name}.pem`]);
}

beforeAll(async () => {
  dir = mkdtempSync(path.join(os.tmpdir(), 'dutydesk-tls-'));
  makeCa('ca');
  makeCa('other-ca');
  makeCert('ca', 'server', 'subjectAltName=DNS:temporal.internal,IP:127.0.0.1\nextendedKeyUsage=serverAuth\n');
  makeCert('ca', 'worker', 'extendedKeyUsage=clientAuth\n');
  env = await startTemporal();
  const [host, port] = [env.address.slice(0, env.address.lastIndexOf(':')), Number(env.address.split(':').pop())];
  // TLS in front of the dev server, client certificates required; gRPC's HTTP/2 passes through as bytes.
  front = tls.createServer(
    { key: readFileSync(path.join(dir, 'server.key')), cert: readFileSync(path.join(dir, 'server.pem')), ca: readFileSync(path.join(dir, 'ca.pem')), requestCert: true, rejectUnauthorized: true, ALPNProtocols: ['h2'] },
    (socket) => {
      const upstream = net.connect(port, host);
      socket.pipe(upstream).pipe(socket);
      const close = () => (socket.destroy(), upstream.destroy());
      socket.on('error', close);
      upstream.on('error', close);
    },
  );
  await new Promise<void>((resolve) => front.listen(0, '127.0.0.1', resolve));
  frontAddress = `127.0.0.1:${(front.address() as AddressInfo).port}`;
}, 120_000);

afterAll(async () => {
  await new Promise((r) => front?.close(r));
  await env?.teardown();
  rmSync(dir, { recursive: true, force: true });
});

/** The smallest whole configuration, with these Temporal settings (files are relative to it, as in a real one). */
function configWith(temporal: Record<string, unknown>, file = 'dutydesk.yaml') {
  const rest = {
    hosts: { web1: { address: '127.0.0.1', transport: 'local', services: { app: { steps: [{ name: 'noop', run: 'true' }] } } } },
    roles: { engineer: { can: ['status'] } },
    users: [{ id: 'alice', name: 'Alice', roles: ['engineer'] }],
  };
  return parseConfig({ temporal, ...rest }, path.join(dir, file));
}
const config = (tlsSettings: unknown) => configWith({ address: frontAddress, namespace: 'default', tls: tlsSettings });

test('with the CA, the server name and a client certificate, the gateway and the worker connect over mTLS', async () => {
  const options = temporalConnectionOptions(config({ serverName: 'temporal.internal', serverCa: { file: 'ca.pem' }, clientCert: { file: 'worker.pem' }, clientKey: { file: 'worker.key' } }));
  const client = await Connection.connect({ ...options, connectTimeout: 10_000 });
  try {
    const info = await client.workflowService.getSystemInfo({});
    expect(info.serverVersion).toBeTruthy();
  } finally {
    await client.close();
  }
  const worker = await NativeConnection.connect(options);
  await worker.close();
});

test('without a client certificate, or trusting another CA, the connection is refused', async () => {
  const noClientCert = temporalConnectionOptions(config({ serverName: 'temporal.internal', serverCa: { file: 'ca.pem' } }));
  await expect(Connection.connect({ ...noClientCert, connectTimeout: 5_000 }).then((c) => c.workflowService.getSystemInfo({}))).rejects.toThrow();
  const otherCa = temporalConnectionOptions(config({ serverName: 'temporal.internal', serverCa: { file: 'other-ca.pem' }, clientCert: { file: 'worker.pem' }, clientKey: { file: 'worker.key' } }));
  await expect(Connection.connect({ ...otherCa, connectTimeout: 5_000 }).then((c) => c.workflowService.getSystemInfo({}))).rejects.toThrow();
});

test('a client certificate without its key is a configuration error that says so', () => {
  expect(() => config({ clientCert: { file: 'worker.pem' } })).toThrow('temporal.tls.clientKey: mTLS needs both clientCert and clientKey');
});

test('an API key turns TLS on and is read from its secret', () => {
  process.env.TEST_TEMPORAL_API_KEY = 'key-from-the-environment\n';
  const options = temporalConnectionOptions(configWith({ address: 'my-ns.a1b2c.tmprl.cloud:7233', namespace: 'my-ns.a1b2c', apiKey: { env: 'TEST_TEMPORAL_API_KEY' } }, 'cloud.yaml'));
  expect(options).toEqual({ address: 'my-ns.a1b2c.tmprl.cloud:7233', tls: true, apiKey: 'key-from-the-environment' });
});
