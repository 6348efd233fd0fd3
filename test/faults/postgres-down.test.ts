/**
 * PostgreSQL down for 20 s (a throwaway server of this test's own, stopped and started again:
 * test/helpers/throwaway-postgres.ts) while requests arrive and cancellations fall due, on real processes with a
 * 3 s request deadline: every request answers 503 within the deadline, the API and the worker reconnect by
 * themselves, the deactivations due meanwhile are done once the server is back, and the retries with the same
 * Idempotency-Key converge on 201. Needs root and PostgreSQL's server binaries, as `.ci/run` provides.
 */
import { START_TIMEOUT_MS, type ServiceProcess } from '../helpers/stack';
import { createThrowawayPostgres, type ThrowawayPostgres } from '../helpers/throwaway-postgres';
import { checkInvariants } from './invariants';
import {
  awaitStages,
  convergeAll,
  requestCancellation,
  seedCustomers,
  startFaultStack,
  type Answer,
  type FaultStack,
} from './harness';

const DEADLINE_MS = 3_000;
const DOWN_MS = 20_000;
/** The answer may leave a little after the deadline: the event loop, the response's own write. */
const SLACK_MS = 1_500;
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

const log = (what: string, data: object) => process.stdout.write(`[faults] ${what} ${JSON.stringify(data)}\n`);

it('answers 503 within the deadline while PostgreSQL is down, then reconnects, deactivates and converges', async () => {
  expect(stack.testDb.kind).toBe('postgresql');
  // Due 12 s from now: accepted before the server stops, falling due while it is down.
  const dueAt = Date.now() + 12_000;
  const due = await seedCustomers(stack, 'due', 10, new Date(dueAt));
  const waiting = await seedCustomers(stack, 'down', 10, new Date(Date.now() + 20 * 86_400_000));
  const dueAccepted = await convergeAll(api, due);
  expect(Date.now()).toBeLessThan(dueAt); // the premise: none due yet

  await server.stop();
  const downAt = Date.now();
  let burst: Answer[] = [];
  const answers: Answer[] = [];
  try {
    // All ten at once, then the same requests (same keys) one at a time for as long as the server is down.
    burst = await Promise.all(waiting.map((c) => requestCancellation(api, c)));
    for (let i = 0; Date.now() - downAt < DOWN_MS; i++)
      answers.push(await requestCancellation(api, waiting[i % waiting.length]));
    expect(Date.now()).toBeGreaterThan(dueAt); // the deactivations fell due while it was down
  } finally {
    await server.start();
  }
  const upAt = Date.now();
  for (const a of [...burst, ...answers]) {
    expect(a.status).toBe(503);
    expect(a.body.error).toMatchObject({ type: 'api_error', code: 'service_unavailable' });
    expect(a.ms).toBeLessThan(DEADLINE_MS + SLACK_MS);
  }

  const waitingAccepted = await convergeAll(api, waiting);
  const convergedMs = Date.now() - upAt;
  const expected = new Map([
    ...dueAccepted.map((a) => [a.id, 'completed'] as const),
    ...waitingAccepted.map((a) => [a.id, 'awaiting_prerequisites'] as const),
  ]);
  const { wrong } = await awaitStages(stack, expected, 120_000);
  expect(wrong).toEqual([]);
  log('PostgreSQL down', {
    downMs: upAt - downAt,
    answers503: burst.length + answers.length,
    slowestMs: Math.max(...[...burst, ...answers].map((a) => a.ms)),
    burst: burst.map((a) => a.ms).sort((a, b) => a - b),
    convergedMsAfterRestart: convergedMs,
    deactivatedMsAfterRestart: Date.now() - upAt,
  });
  expect(await checkInvariants(stack, [...dueAccepted, ...waitingAccepted])).toEqual([]);
}, 240_000);
