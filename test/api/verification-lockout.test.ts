/**
 * P12's verification lockout (API.md, "Support body"), with an injected clock rather than a 15-minute wait:
 * the 5th failure within 15 minutes still answers 422, then 429 `verification_locked` with Retry-After for
 * every agent, nothing checked or counted while locked; the count lives in the database, so two API
 * instances share it. Failures never reach Temporal: the gateway fails loudly if anything tries.
 */
import request from 'supertest';
import { createApiMetrics } from '../../api/metrics';
import { VERIFICATION_FAILED_MESSAGE } from '../../api/services/support';
import { buildDemoFixture, DEMO_TOKENS } from '../../scripts/demo-fixture';
import type { TestDatabase } from '../helpers/db';
import {
  acmeSupportBody,
  bearer,
  databaseWith,
  listen,
  memoryLogger,
  noTemporalGateway,
  type LogLine,
  type RunningApi,
} from './harness';

const OTHER_AGENT = 'test-lockout-second-agent-token';
let tdb: TestDatabase;
let now = new Date('2030-01-01T10:00:00.000Z');
let apiA: RunningApi;
let apiB: RunningApi;
let logs: LogLine[];
let metrics: ReturnType<typeof createApiMetrics>;
const gateway = noTemporalGateway();

beforeAll(async () => {
  const fixture = buildDemoFixture();
  fixture.supportAgents = [
    ...(fixture.supportAgents ?? []),
    { id: 'agt_two', email: 'two@support.test', token: OTHER_AGENT },
  ];
  tdb = await databaseWith('lockout', fixture);
  const memory = memoryLogger();
  logs = memory.lines;
  metrics = createApiMetrics({ db: tdb.db, logger: memory.logger });
  const clock = () => now;
  apiA = await listen({ db: tdb.db, workflows: gateway, logger: memory.logger, clock, events: metrics.events });
  // A second instance on the same database: the lockout is shared.
  apiB = await listen({ db: tdb.db, workflows: gateway, logger: memoryLogger().logger, clock });
}, 60_000);

afterAll(async () => {
  await apiA?.close();
  await apiB?.close();
  await tdb?.drop();
});

const body = (last4: string) =>
  acmeSupportBody({ verification: { ...acmeSupportBody().verification, paymentMethodLast4: last4 } });
const RIGHT = '4242';
const attempt = (api: RunningApi, token: string, last4: string) =>
  request(api.url).post('/v1/support/cancellations').set(bearer(token)).send(body(last4));
const minutes = (n: number) => new Date(now.getTime() + n * 60_000);
const failuresCounted = async () =>
  (await metrics.registry.getSingleMetric('support_verification_failures_total')?.get())?.values[0]?.value ?? 0;

it('answers 422 to five wrong guesses in 15 minutes, from two agents on two instances, then 429 (P12)', async () => {
  const start = now;
  for (const [i, guess] of ['0000', '0001', '0002', '0003', '0004'].entries()) {
    now = new Date(start.getTime() + i * 3 * 60_000); // minutes 0, 3, 6, 9, 12
    const api = i % 2 ? apiB : apiA;
    const res = await attempt(api, i % 2 ? OTHER_AGENT : DEMO_TOKENS.supportAgent, guess);
    expect(res.status).toBe(422);
    expect(res.body.error).toEqual({
      type: 'cancellation_refused',
      code: 'verification_failed',
      message: VERIFICATION_FAILED_MESSAGE,
    });
  }
  expect(await tdb.db.verificationFailure.count({ where: { accountId: 'acc_acme' } })).toBe(5);

  now = minutes(1); // 13 minutes in: locked until 15 minutes after the last failure (minute 27)
  const locked = await attempt(apiA, OTHER_AGENT, '0005');
  expect(locked.status).toBe(429);
  expect(locked.headers['retry-after']).toBe(String(14 * 60));
  expect(locked.body.error).toMatchObject({ type: 'rate_limit_error', code: 'verification_locked' });
});

it('does not check the right answer while locked, nor count the attempts made then', async () => {
  now = minutes(5);
  const right = await attempt(apiB, DEMO_TOKENS.supportAgent, RIGHT);
  expect(right.status).toBe(429);
  expect(Number(right.headers['retry-after'])).toBe(9 * 60);
  for (let i = 0; i < 3; i++) expect((await attempt(apiA, OTHER_AGENT, '1111')).status).toBe(429);
  expect(await tdb.db.verificationFailure.count({ where: { accountId: 'acc_acme' } })).toBe(5);
  expect(gateway.touched).toEqual([]);
});

it('unlocks 15 minutes after the last failure, and counts again from there', async () => {
  const lastFailure = await tdb.db.verificationFailure.findFirstOrThrow({ orderBy: { failedAt: 'desc' } });
  now = new Date(lastFailure.failedAt.getTime() + 15 * 60_000);
  const res = await attempt(apiA, DEMO_TOKENS.supportAgent, '2222');
  // Checked again: a wrong answer is a 422 once more, and a sixth failure recorded.
  expect(res.status).toBe(422);
  expect(await tdb.db.verificationFailure.count({ where: { accountId: 'acc_acme' } })).toBe(6);
});

it('locks one account only: another account is checked as usual', async () => {
  const other = { ...body('0000'), accountId: 'acc_voxa' };
  const res = await request(apiA.url).post('/v1/support/cancellations').set(bearer(OTHER_AGENT)).send(other);
  expect(res.status).toBe(422);
});

it('logs each failure as a warning naming the agent and the account, and counts it in /metrics', async () => {
  const warnings = logs.filter((l) => l.msg === 'support verification failed');
  expect(warnings.length).toBeGreaterThanOrEqual(3); // the instance with this logger saw minutes 0, 6, 12 and after
  for (const w of warnings) {
    expect(w.level).toBe(40);
    expect(w.accountId).toEqual(expect.any(String));
    expect(['agt_sam', 'agt_two']).toContain(w.supportAgentId);
  }
  expect(await failuresCounted()).toBe(warnings.length);
  const text = await metrics.registry.metrics();
  expect(text).toMatch(/^support_verification_failures_total \d+$/m);
});

it('neither stores nor replays a 429 for an Idempotency-Key: the retry after the lockout is checked', async () => {
  now = minutes(60);
  for (let i = 0; i < 5; i++) await attempt(apiA, DEMO_TOKENS.supportAgent, `300${i}`);
  const key = { ...bearer(DEMO_TOKENS.supportAgent), 'Idempotency-Key': 'lockout-retry-1' };
  const first = await request(apiA.url).post('/v1/support/cancellations').set(key).send(body('3999'));
  expect(first.status).toBe(429);
  now = minutes(16);
  const retry = await request(apiA.url).post('/v1/support/cancellations').set(key).send(body('3999'));
  expect(retry.status).toBe(422);
  expect(retry.headers['idempotent-replayed']).toBeUndefined();
});
