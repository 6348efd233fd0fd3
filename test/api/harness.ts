import http from 'node:http';
import type { AddressInfo } from 'node:net';
import type { Client } from '@temporalio/client';
import pino from 'pino';
import { createApp, type AppDeps } from '../../api/app';
import type { WorkflowGateway } from '../../api/workflow-client';
import { loadFixture, parseFixture, type FixtureInput } from '../../db/fixtures';
import { createTestDatabase, type TestDatabase } from '../helpers/db';

export type LogLine = Record<string, unknown> & { level: number; msg?: string; reqId?: string };

/** A pino logger writing parsed lines into an array, so tests can read what was logged. */
export function memoryLogger(): { logger: pino.Logger; lines: LogLine[] } {
  const lines: LogLine[] = [];
  const logger = pino(
    { level: 'info', redact: { paths: ['req.headers.authorization', 'authorization'], censor: '[redacted]' } },
    { write: (line: string) => lines.push(JSON.parse(line) as LogLine) },
  );
  return { logger, lines };
}

/**
 * A gateway for test files that run without Temporal: any use of the client fails loudly, so a
 * test also proves its endpoint never reached for a workflow.
 */
export function noTemporalGateway(): WorkflowGateway & { touched: string[] } {
  const touched: string[] = [];
  const client = new Proxy(
    {},
    {
      get(_target, property) {
        touched.push(String(property));
        throw new Error(`this test runs without Temporal, but the client's ${String(property)} was used`);
      },
    },
  ) as Client;
  return { client, taskQueue: 'no-temporal', touched };
}

export interface RunningApi {
  url: string;
  server: http.Server;
  close(): Promise<void>;
}

/** The app on a real HTTP server on port 0 (house style), one per test file or variant. */
export async function listen(deps: AppDeps): Promise<RunningApi> {
  const server = http.createServer(createApp({ validateResponses: true, ...deps }));
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  const { port } = server.address() as AddressInfo;
  return {
    url: `http://127.0.0.1:${port}`,
    server,
    close: () =>
      new Promise<void>((resolve, reject) => {
        server.closeAllConnections();
        server.close((err) => (err ? reject(err) : resolve()));
      }),
  };
}

export async function databaseWith(label: string, fixture: FixtureInput): Promise<TestDatabase> {
  const tdb = await createTestDatabase(label);
  await loadFixture(tdb.db, parseFixture(fixture));
  return tdb;
}

export const bearer = (token: string) => ({ Authorization: `Bearer ${token}` });

/** Same body, same key: what a client retrying after a timeout sends. */
export const withKey = (token: string, key: string) => ({ ...bearer(token), 'Idempotency-Key': key });
