/**
 * The database unavailable for a while (write-locked, or the server stopped) while requests arrive and
 * cancellations fall due, with a short request deadline: every request answers 503 `service_unavailable`
 * within the deadline (ten at once, then one at a time for as long as the outage lasts), the deactivations
 * due meanwhile are done once it is over, and the retries with the same Idempotency-Key converge on 201.
 * Shared by db-lock.test.ts and postgres-down.test.ts; `begin` and `end` are the fault.
 */
import type { ServiceProcess } from '../helpers/stack';
import { checkInvariants } from './invariants';
import { awaitStages, convergeAll, requestCancellation, seedCustomers, type Answer, type FaultStack } from './harness';

/** The answer may leave a little after the deadline: the event loop, the response's own write. */
const SLACK_MS = 1_500;

export interface OutageOptions {
  /** The API's REQUEST_DEADLINE_MS. */
  deadlineMs: number;
  outageMs: number;
  /** How long the due deactivations and the converged requests may take to reach their stages afterwards. */
  stagesTimeoutMs: number;
  begin(): Promise<void>;
  end(): Promise<void>;
}

export interface OutageFigures {
  outageMs: number;
  answers503: number;
  slowestMs: number;
  /** The ten sent at once, sorted. */
  burst: number[];
  convergedMsAfter: number;
  deactivatedMsAfter: number;
}

export async function databaseOutage(
  stack: FaultStack,
  api: ServiceProcess,
  { deadlineMs, outageMs, stagesTimeoutMs, begin, end }: OutageOptions,
): Promise<OutageFigures> {
  // Due 12 s from now: accepted before the outage, falling due during it.
  const dueAt = Date.now() + 12_000;
  const due = await seedCustomers(stack, 'due', 10, new Date(dueAt));
  const waiting = await seedCustomers(stack, 'outage', 10, new Date(Date.now() + 20 * 86_400_000));
  const dueAccepted = await convergeAll(api, due);
  expect(Date.now()).toBeLessThan(dueAt); // the premise: none due yet

  await begin();
  const startedAt = Date.now();
  let burst: Answer[] = [];
  const answers: Answer[] = [];
  try {
    // All ten at once, then the same requests (same keys) one at a time for as long as the outage lasts.
    burst = await Promise.all(waiting.map((c) => requestCancellation(api, c)));
    for (let i = 0; Date.now() - startedAt < outageMs; i++)
      answers.push(await requestCancellation(api, waiting[i % waiting.length]));
    expect(Date.now()).toBeGreaterThan(dueAt); // the deactivations fell due during the outage
  } finally {
    await end();
  }
  const endedAt = Date.now();
  for (const a of [...burst, ...answers]) {
    expect(a.status).toBe(503);
    expect(a.body.error).toMatchObject({ type: 'api_error', code: 'service_unavailable' });
    expect(a.ms).toBeLessThan(deadlineMs + SLACK_MS);
  }

  const waitingAccepted = await convergeAll(api, waiting);
  const convergedMsAfter = Date.now() - endedAt;
  const expected = new Map([
    ...dueAccepted.map((a) => [a.id, 'completed'] as const),
    ...waitingAccepted.map((a) => [a.id, 'awaiting_prerequisites'] as const),
  ]);
  const { wrong } = await awaitStages(stack, expected, stagesTimeoutMs);
  expect(wrong).toEqual([]);
  const figures: OutageFigures = {
    outageMs: endedAt - startedAt,
    answers503: burst.length + answers.length,
    slowestMs: Math.max(...[...burst, ...answers].map((a) => a.ms)),
    burst: burst.map((a) => a.ms).sort((a, b) => a - b),
    convergedMsAfter,
    deactivatedMsAfter: Date.now() - endedAt,
  };
  expect(await checkInvariants(stack, [...dueAccepted, ...waitingAccepted])).toEqual([]);
  return figures;
}
