/**
 * How the worker, the gateway and the schedules reach Temporal: its address
 * and, for a secured cluster or Temporal Cloud, TLS (a server CA and name),
 * mTLS (a client certificate and key) and an API key, all read from secrets
 * when a process starts. The same options suit the client's Connection and
 * the worker's NativeConnection.
 */
import type { LoadedConfig } from './load';
import { readSecret } from './load';

export interface TemporalConnectionOptions {
  address: string;
  tls?: boolean | { serverNameOverride?: string; serverRootCACertificate?: Buffer; clientCertPair?: { crt: Buffer; key: Buffer } };
  apiKey?: string;
}

export function temporalConnectionOptions(config: LoadedConfig): TemporalConnectionOptions {
  const { address, tls, apiKey } = config.temporal;
  const pem = (ref: Parameters<typeof readSecret>[0]) => Buffer.from(readSecret(ref, config));
  const options: TemporalConnectionOptions = { address };
  if (typeof tls === 'object') {
    options.tls = {
      ...(tls.serverName ? { serverNameOverride: tls.serverName } : {}),
      ...(tls.serverCa ? { serverRootCACertificate: pem(tls.serverCa) } : {}),
      ...(tls.clientCert && tls.clientKey ? { clientCertPair: { crt: pem(tls.clientCert), key: pem(tls.clientKey) } } : {}),
    };
  } else if (tls !== undefined) {
    options.tls = tls;
  }
  if (apiKey) {
    options.apiKey = readSecret(apiKey, config).trim();
    // An API key travels only over TLS (Temporal Cloud's rule) unless the config says otherwise.
    options.tls ??= true;
  }
  return options;
}
