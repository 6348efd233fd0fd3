/**
 * PostgreSQL down for 20 s (a throwaway server of this test's own, stopped and started again:
 * test/helpers/throwaway-postgres.ts) while requests arrive and cancellations fall due, on real processes with a
 * 3 s request deadline: the scenario of outage.ts, so the API and the worker must also reconnect by themselves.
 * Needs root and PostgreSQL's server binaries, as `.ci/run` provides.
 */
import { START_TIMEOUT_MS, type ServiceProcess } from '../helpers/stack';
import { createThrowawayPostgres, type ThrowawayPostgres } from '../helpers/throwaway-postgres';
import { logFigures, startFaultStack, type FaultStack } from './harness';
import { databaseOutage } from './outage';

const DEADLINE_MS = 3_000;
let server: ThrowawayPostgres;
let stack: FaultStack;
let api: ServiceProcess;
const previousUrl = process.env.TEST_DATABASE_URL;

beforeAll(async () => {
  server = await createThrowawayPostgres();
  // The stack's database is created on the throwaway server, whatever the calling environment says.
  process.env.TEST_DATABASE_URL = server.url;
  stack = await startFaultStack('faults-pg-down');
  [, api] = await Promise.all([stack.startWorker(), stack.startApi({ REQUEST_DEADLINE_MS: String(DEADLINE_MS) })]);
}, START_TIMEOUT_MS + 60_000);

afterAll(async () => {
  await stack?.stop();
  await server?.destroy();
  if (previousUrl === undefined) delete process.env.TEST_DATABASE_URL;
  else process.env.TEST_DATABASE_URL = previousUrl;
}, 60_000);

it('answers 503 within the deadline while PostgreSQL is down, then reconnects, deactivates and converges', async () => {
  expect(stack.testDb.kind).toBe('postgresql');
  const figures = await databaseOutage(stack, api, {
    deadlineMs: DEADLINE_MS,
    outageMs: 20_000,
    stagesTimeoutMs: 120_000,
    begin: () => server.stop(),
    end: () => server.start(),
  });
  logFigures('PostgreSQL down', figures);
}, 240_000);
