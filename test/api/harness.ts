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

/** A test file's API without Temporal: its own database loaded with `fixture`, the app on a real port. */
export interface ApiWithoutTemporal {
  tdb: TestDatabase;
  api: RunningApi;
  gateway: ReturnType<typeof noTemporalGateway>;
  /** Every line the app logged. */
  logs: LogLine[];
  stop(): Promise<void>;
}

export async function apiWithoutTemporal(label: string, fixture: FixtureInput): Promise<ApiWithoutTemporal> {
  const tdb = await databaseWith(label, fixture);
  const gateway = noTemporalGateway();
  const memory = memoryLogger();
  const api = await listen({ db: tdb.db, workflows: gateway, logger: memory.logger });
  return {
    tdb,
    api,
    gateway,
    logs: memory.lines,
    stop: async () => {
      await api.close();
      await tdb.drop();
    },
  };
}

/** The error shape of API.md: `{ error }` alone, with this status, type and (when given) code. */
export function expectError(
  res: { status: number; body: { error?: { type?: string; code?: string } } },
  status: number,
  type: string,
  code?: string,
): { type: string; code: string; message: string; param?: string; details?: Record<string, unknown> } {
  expect({ status: res.status, type: res.body?.error?.type, code: res.body?.error?.code }).toEqual({
    status,
    type,
    code: code ?? res.body?.error?.code,
  });
  expect(Object.keys(res.body)).toEqual(['error']);
  return res.body.error as ReturnType<typeof expectError>;
}

/**
 * A support request for Acme (the demo fixture) whose verification is right (P12): Ada's e-mail, card 4242,
 * the billing address on file; `overrides` replaces top-level fields.
 */
export const acmeSupportBody = (overrides: Record<string, unknown> = {}) => ({
  accountId: 'acc_acme',
  requesterEmail: 'ada@acme.test',
  verification: {
    billingAdminEmail: 'ada@acme.test',
    paymentMethodLast4: '4242',
    billingAddress: { line1: '1 rue de la Paix', city: 'Paris', postalCode: '75002', country: 'FR' },
  },
  subscriptionIds: ['sub_acme_webinar'],
  ...overrides,
});
