/**
 * API.md: a retry after a 5xx or a dropped connection converges on what actually happened, and reads come
 * from the database. A first attempt that went through but whose answer was lost leaves what a 5xx leaves:
 * its Idempotency-Key freed, nothing stored. Each test makes that happen (the first answer, then the key
 * freed as api/idempotency.ts frees it after a 5xx), retries with the same key, and expects the first
 * attempt's outcome, never a conflict with itself. Real dev server, worker and database.
 */
import request from 'supertest';
import { cancellationViewFromRow } from '../../db/cancellations';
import type { FixtureInput } from '../../db/fixtures';
import { cancellationQuery } from '../../workflows/messages';
import { bearer, listen, memoryLogger, noTemporalGateway, withKey } from './harness';
import { createDb } from '../../db/client';
import { monthlySubscription } from '../helpers/fixtures';
import { getAs, startLiveStack, type LiveStack } from './live-stack';

const DAY = 86_400_000;
const ADMIN = 'test-convergence-billing-admin';
const AGENT = 'test-convergence-support-agent';
const now = new Date();
const start = new Date(now.getTime() - 5 * DAY);
const subs = ['create', 'batch_a', 'batch_b', 'unassign', 'withdraw', 'stages', 'ended'] as const;

function fixture(): FixtureInput {
  return {
    accounts: [
      {
        id: 'acc_conv',
        name: 'Convergence',
        paymentMethod: {
          last4: '4321',
          billingAddress: { line1: '3 rue Retry', city: 'Lyon', postalCode: '69001', country: 'FR' },
        },
        users: [{ id: 'usr_conv', email: 'cora@conv.test', roles: ['billing_admin'], token: ADMIN }],
        subscriptions: subs.map((name) =>
          monthlySubscription(
            `sub_conv_${name}`,
            name,
            { start, end: new Date(name === 'ended' ? now.getTime() + 2_000 : start.getTime() + 30 * DAY) },
            ['usr_conv', 'usr_conv'],
          ),
        ),
      },
    ],
    supportAgents: [{ id: 'agt_conv', email: 'agent@conv.test', token: AGENT }],
  };
}

let stack: LiveStack;
beforeAll(async () => {
  stack = await startLiveStack('convergence', fixture());
}, 180_000);
afterAll(() => stack?.close(), 60_000);

/** What a 5xx (or a process that died before answering) leaves behind: the key free, nothing stored. */
const loseTheAnswer = (key: string) => stack.tdb.db.idempotencyRecord.deleteMany({ where: { key } });
const postWithKey = (token: string, key: string, path: string, body?: object) => {
  const req = request(stack.api.url).post(path).set(withKey(token, key));
  return body ? req.send(body) : req;
};

describe('a retry whose first attempt went through', () => {
  it('POST /v1/cancellations: 201 with the same cancellation, not 409 naming it', async () => {
    const body = { subscriptionId: 'sub_conv_create' };
    const first = await postWithKey(ADMIN, 'conv-create', '/v1/cancellations', body);
    expect(first.status).toBe(201);
    await loseTheAnswer('conv-create');
    const retry = await postWithKey(ADMIN, 'conv-create', '/v1/cancellations', body);
    expect(retry.status).toBe(201);
    expect(retry.body.id).toBe(first.body.id);
    // Another request (another key) for the same subscription is a conflict, naming it.
    const other = await postWithKey(ADMIN, 'conv-create-2', '/v1/cancellations', body);
    expect(other.status).toBe(409);
    expect(other.body.error.details).toEqual({ cancellationId: first.body.id });
    expect(await stack.tdb.db.cancellation.count({ where: { subscriptionId: 'sub_conv_create' } })).toBe(1);
  });

  it('POST /v1/support/cancellations: lists its own accepted items as accepted, not refused', async () => {
    const body = {
      accountId: 'acc_conv',
      requesterEmail: 'cora@conv.test',
      verification: {
        billingAdminEmail: 'cora@conv.test',
        paymentMethodLast4: '4321',
        billingAddress: { line1: '3 rue Retry', city: 'Lyon', postalCode: '69001', country: 'FR' },
      },
      subscriptionIds: ['sub_conv_batch_a', 'sub_conv_batch_b'],
    };
    const first = await postWithKey(AGENT, 'conv-batch', '/v1/support/cancellations', body);
    expect(first.status).toBe(201);
    expect(first.body.cancellations).toHaveLength(2);
    await loseTheAnswer('conv-batch');
    const retry = await postWithKey(AGENT, 'conv-batch', '/v1/support/cancellations', body);
    expect(retry.status).toBe(201);
    expect(retry.body.refused).toEqual([]);
    expect(retry.body.cancellations.map((c: { id: string }) => c.id)).toEqual(
      first.body.cancellations.map((c: { id: string }) => c.id),
    );
  });

  it('POST …/licenses/unassign-all: the same count, not 0, and the checklist shows it at once', async () => {
    const created = await postWithKey(ADMIN, 'conv-unassign-create', '/v1/cancellations', {
      subscriptionId: 'sub_conv_unassign',
    });
    const path = '/v1/subscriptions/sub_conv_unassign/licenses/unassign-all';
    const first = await postWithKey(ADMIN, 'conv-unassign', path);
    expect(first.body).toEqual({ unassigned: 2 });
    // API.md: answered once the running cancellation took it into account.
    const read = await getAs(stack.api, ADMIN, `/v1/cancellations/${created.body.id as string}`);
    expect(read.body.checklist.licensesUnassigned).toBe(true);
    await loseTheAnswer('conv-unassign');
    expect((await postWithKey(ADMIN, 'conv-unassign', path)).body).toEqual({ unassigned: 2 });
    expect((await postWithKey(ADMIN, 'conv-unassign-2', path)).body).toEqual({ unassigned: 0 });
  });

  it('POST …/withdraw: 200 withdrawn, not 409; another request is the 409', async () => {
    const created = await postWithKey(ADMIN, 'conv-withdraw-create', '/v1/cancellations', {
      subscriptionId: 'sub_conv_withdraw',
    });
    const path = `/v1/cancellations/${created.body.id as string}/withdraw`;
    const first = await postWithKey(ADMIN, 'conv-withdraw', path);
    expect(first.body.stage).toBe('withdrawn');
    await loseTheAnswer('conv-withdraw');
    const retry = await postWithKey(ADMIN, 'conv-withdraw', path);
    expect(retry.status).toBe(200);
    expect(retry.body).toEqual(first.body);
    const other = await postWithKey(ADMIN, 'conv-withdraw-2', path);
    expect(other.status).toBe(409);
    expect(
      await stack.tdb.db.cancellationEvent.count({
        where: { cancellationId: created.body.id as string, type: 'cancellation_withdrawn' },
      }),
    ).toBe(1);
  });
});

describe('reads come from the database, which the workflow keeps exact', () => {
  async function expectSameViews(cancellationId: string) {
    const row = await stack.tdb.db.cancellation.findUniqueOrThrow({ where: { id: cancellationId } });
    const queried = await stack.env.client.workflow.getHandle(row.workflowId).query(cancellationQuery);
    const read = await getAs(stack.api, ADMIN, `/v1/cancellations/${cancellationId}`);
    expect(read.body).toEqual(queried);
    expect(cancellationViewFromRow(row)).toEqual(queried);
    return read.body;
  }

  it('equals the workflow query at every stage: awaiting, licences, backup, scheduled, withdrawn', async () => {
    const created = await postWithKey(ADMIN, 'conv-stages', '/v1/cancellations', { subscriptionId: 'sub_conv_stages' });
    const id = created.body.id as string;
    expect((await expectSameViews(id)).stage).toBe('awaiting_prerequisites');
    await postWithKey(ADMIN, 'conv-stages-unassign', '/v1/subscriptions/sub_conv_stages/licenses/unassign-all');
    expect((await expectSameViews(id)).checklist.licensesUnassigned).toBe(true);
    const backup = await postWithKey(ADMIN, 'conv-stages-backup', `/v1/cancellations/${id}/data-backup`, {
      location: 's3://conv/stages',
    });
    expect(backup.body.stage).toBe('scheduled');
    expect((await expectSameViews(id)).stage).toBe('scheduled');
    await postWithKey(ADMIN, 'conv-stages-withdraw', `/v1/cancellations/${id}/withdraw`);
    expect((await expectSameViews(id)).stage).toBe('withdrawn');
  });

  it('equals the workflow query once completed (deactivated with the warning)', async () => {
    const created = await postWithKey(ADMIN, 'conv-ended', '/v1/cancellations', { subscriptionId: 'sub_conv_ended' });
    const id = created.body.id as string;
    await stack.env.client.workflow.getHandle(created.body.workflowId as string).result();
    const view = await expectSameViews(id);
    expect(view).toMatchObject({ stage: 'completed', warnings: ['data_backup_unconfirmed'] });
  }, 30_000);
});

describe('a database that cannot be reached', () => {
  it('answers 503 service_unavailable with Retry-After, not 500 (API.md)', async () => {
    const { db } = createDb('postgres://nobody:nothing@127.0.0.1:1/nothing');
    const api = await listen({ db, workflows: noTemporalGateway(), logger: memoryLogger().logger });
    try {
      const res = await request(api.url).get('/v1/subscriptions/sub_conv_create').set(bearer(ADMIN));
      expect(res.status).toBe(503);
      expect(res.body.error).toMatchObject({ type: 'api_error', code: 'service_unavailable' });
      expect(res.headers['retry-after']).toBe('5');
    } finally {
      await api.close();
      await db.$disconnect();
    }
  });
});
