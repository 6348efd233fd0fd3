import { claimIdempotencyKey, completeIdempotencyKey, releaseIdempotencyKey } from '../../db/idempotency';
import { createTestDatabase, type TestDatabase } from '../helpers/db';

/**
 * API.md, Idempotency-Key: the stored answer of a completed request is what a retry gets. Completing is one
 * statement on the record still in flight; a record no longer in flight (released after a 5xx, or already
 * completed) is left as it is, without an error.
 */
let tdb: TestDatabase;
beforeAll(async () => {
  tdb = await createTestDatabase('idempotency');
});
afterAll(() => tdb?.drop());

const claim = (key: string, now = new Date()) =>
  claimIdempotencyKey(tdb.db, {
    principal: 'user:usr_1',
    key,
    requestHash: 'h',
    method: 'POST',
    path: '/v1/cancellations',
    now,
    ttlMs: 86_400_000,
    lockTimeoutMs: 60_000,
  });

it('replays the completed answer, and a second completion does not overwrite it', async () => {
  expect(await claim('k-complete')).toEqual({ kind: 'claimed' });
  await completeIdempotencyKey(tdb.db, {
    principal: 'user:usr_1',
    key: 'k-complete',
    status: 201,
    body: '{"a":1}',
    now: new Date(),
  });
  await completeIdempotencyKey(tdb.db, {
    principal: 'user:usr_1',
    key: 'k-complete',
    status: 500,
    body: '{"b":2}',
    now: new Date(),
  });
  expect(await claim('k-complete')).toEqual({ kind: 'replay', status: 201, body: '{"a":1}' });
});

it('completes nothing, without an error, when the record was released', async () => {
  expect(await claim('k-released')).toEqual({ kind: 'claimed' });
  await releaseIdempotencyKey(tdb.db, { principal: 'user:usr_1', key: 'k-released' });
  await expect(
    completeIdempotencyKey(tdb.db, {
      principal: 'user:usr_1',
      key: 'k-released',
      status: 201,
      body: '{}',
      now: new Date(),
    }),
  ).resolves.toBeUndefined();
  expect(await tdb.db.idempotencyRecord.count({ where: { key: 'k-released' } })).toBe(0);
});
