import fs from 'node:fs';
import type { TemporalConfig } from './index';

/**
 * Connection options for the client and the worker alike: plain gRPC to a local dev server, or TLS
 * with an API key or client certificate for a cluster or Temporal Cloud.
 */
export interface TemporalConnectionOptions {
  address: string;
  apiKey?: string;
  tls: false | { serverNameOverride?: string; clientCertPair?: { crt: Buffer; key: Buffer } };
}

/** Fits both the client's `Connection.connect` and the worker's `NativeConnection.connect`. */
export function temporalConnectionOptions(config: TemporalConfig): TemporalConnectionOptions {
  const mtls = config.TEMPORAL_TLS_CERT_PATH && config.TEMPORAL_TLS_KEY_PATH;
  const tlsWanted = config.TEMPORAL_TLS ? config.TEMPORAL_TLS === 'true' : Boolean(config.TEMPORAL_API_KEY || mtls);
  return {
    address: config.TEMPORAL_ADDRESS,
    apiKey: config.TEMPORAL_API_KEY,
    tls: tlsWanted
      ? {
          serverNameOverride: config.TEMPORAL_TLS_SERVER_NAME,
          clientCertPair: mtls
            ? {
                crt: fs.readFileSync(config.TEMPORAL_TLS_CERT_PATH as string),
                key: fs.readFileSync(config.TEMPORAL_TLS_KEY_PATH as string),
              }
            : undefined,
        }
      : false,
  };
}
