/**
 * The workflow-backed endpoints against a real Temporal dev server (the Temporal CLI), a real worker
 * running the real workflow and activities, and a real SQLite file (PostgreSQL in CI's second pass).
 * One server, one bundle, one worker for the whole file.
 */
import { randomUUID } from 'node:crypto';
import type { TestWorkflowEnvironment } from '@temporalio/testing';
import { Worker } from '@temporalio/worker';
import request from 'supertest';
import { createActivities } from '../../activities';
import { VERIFICATION_FAILED_MESSAGE } from '../../api/services/support';
import type { FixtureInput } from '../../db/fixtures';
import { addMonthsUtc } from '../../domain/dates';
import { buildDemoFixture, DEMO_TOKENS } from '../../scripts/demo-fixture';
import type { TestDatabase } from '../helpers/db';
import { bundleWorkflows, createDevServerEnv } from '../helpers/temporal';
import { bearer, databaseWith, listen, memoryLogger, withKey, type RunningApi } from './harness';

const T = {
  ...DEMO_TOKENS,
  mixedBillingAdmin: 'test-mixed-billing-admin',
  refusedProductAdmin: 'test-refused-product-admin',
  soonBillingAdmin: 'test-soon-billing-admin',
};
const DAY = 86_400_000;
/** How far ahead the `acc_soon` plan ends: long enough to request it, short enough to watch it complete. */
const SOON_MS = 6_000;

function extraAccounts(now: Date): NonNullable<FixtureInput['accounts']> {
  const start = new Date(now.getTime() - 10 * DAY);
  const monthly = {
    purchaseChannel: 'online' as const,
    billing: 'monthly' as const,
    currentPeriodStart: start.toISOString(),
    currentPeriodEnd: addMonthsUtc(start, 1).toISOString(),
    contractStart: null,
    contractEnd: null,
    monthlyPriceCents: 2500,
    currency: 'EUR',
    onlineCancellable: true,
  };
  const product = (code: string, family = code) => ({ code, name: `GoTo ${code}`, family });
  return [
    {
      id: 'acc_mixed',
      name: 'Mixed (support, several subscriptions)',
      paymentMethod: {
        last4: '7777',
        billingAddress: { line1: '5 Place Bellecour', city: 'Lyon', postalCode: '69002', country: 'FR' },
      },
      users: [
        { id: 'usr_bea', email: 'bea@mixed.test', roles: ['billing_admin'], token: T.mixedBillingAdmin },
        { id: 'usr_sol', email: 'sol@mixed.test', roles: ['super_admin'] },
      ],
      subscriptions: [
        { id: 'sub_mixed_connect', product: product('connect'), ...monthly },
        { id: 'sub_mixed_webinar', product: product('webinar'), ...monthly },
        { id: 'sub_mixed_meeting', product: product('meeting'), ...monthly },
        { id: 'sub_mixed_resolve', product: product('resolve'), ...monthly, onlineCancellable: false },
      ],
    },
    {
      id: 'acc_refused',
      name: 'Refused (several reasons at once)',
      paymentMethod: {
        last4: '3333',
        billingAddress: { line1: '9 rue Sainte', city: 'Marseille', postalCode: '13001', country: 'FR' },
      },
      invoices: [{ id: 'inv_refused_1', amountDueCents: 1500, status: 'open' }],
      users: [{ id: 'usr_rex', email: 'rex@refused.test', roles: ['product_admin'], token: T.refusedProductAdmin }],
      subscriptions: [{ id: 'sub_refused_webinar', product: product('webinar'), ...monthly, onlineCancellable: false }],
    },
    {
      id: 'acc_soon',
      name: 'Soon (a period that ends in seconds)',
      paymentMethod: {
        last4: '5151',
        billingAddress: { line1: '1 quai du Port', city: 'Nice', postalCode: '06300', country: 'FR' },
      },
      users: [{ id: 'usr_sky', email: 'sky@soon.test', roles: ['billing_admin'], token: T.soonBillingAdmin }],
      subscriptions: [
        {
          id: 'sub_soon_webinar',
          product: product('webinar'),
          ...monthly,
          currentPeriodEnd: new Date(now.getTime() + SOON_MS).toISOString(),
          licenses: [{ id: 'lic_soon_1', assignedTo: 'usr_sky' }],
        },
      ],
    },
  ];
}

let env: TestWorkflowEnvironment;
let tdb: TestDatabase;
let worker: Worker;
let running: Promise<void>;
let api: RunningApi;
const taskQueue = `api-${randomUUID().slice(0, 8)}`;

beforeAll(async () => {
  const now = new Date();
  const fixture = buildDemoFixture(now);
  fixture.accounts = [...(fixture.accounts ?? []), ...extraAccounts(now)];
  let bundle;
  [env, bundle, tdb] = await Promise.all([
    createDevServerEnv(),
    bundleWorkflows(),
    databaseWith('api_workflows', fixture),
  ]);
  worker = await Worker.create({
    connection: env.nativeConnection,
    taskQueue,
    workflowBundle: bundle,
    activities: createActivities({ db: tdb.db }),
  });
  running = worker.run();
  api = await listen({ db: tdb.db, workflows: { client: env.client, taskQueue }, logger: memoryLogger().logger });
}, 180_000);

afterAll(async () => {
  await api?.close();
  worker?.shutdown();
  await running;
  await env?.teardown();
  await tdb?.drop();
}, 60_000);

const http = () => request(api.url);
const post = (path: string, token: string, body?: object) => {
  const req = http().post(path).set(withKey(token, randomUUID()));
  return body ? req.send(body) : req;
};
const get = (path: string, token: string) => http().get(path).set(bearer(token));

/** Re-reads until the condition holds (or the time is up), instead of sleeping a fixed time. */
// eslint-disable-next-line @typescript-eslint/no-explicit-any -- a response body, checked field by field
type Body = any;

async function eventually(read: () => Promise<request.Response>, ok: (body: Body) => boolean, ms = 15_000) {
  const until = Date.now() + ms;
  for (;;) {
    const res = await read();
    if (ok(res.body) || Date.now() > until) return res;
    await new Promise((r) => setTimeout(r, 100));
  }
}

describe('POST /v1/cancellations', () => {
  let cancellationId: string;

  it('answers 201 with the Cancellation, decided before the answer: auto-renew off, effective at the period end (P1, P2, P11)', async () => {
    const res = await post('/v1/cancellations', T.acmeBillingAdmin, {
      subscriptionId: 'sub_acme_webinar',
      reason: { code: 'too_expensive', comment: 'Budget cuts' },
    });
    expect(res.status).toBe(201);
    const sub = await tdb.db.subscription.findUniqueOrThrow({ where: { id: 'sub_acme_webinar' } });
    expect(res.body).toMatchObject({
      id: expect.stringMatching(/^can_[0-9a-f]{24}$/),
      subscriptionId: 'sub_acme_webinar',
      accountId: 'acc_acme',
      stage: 'awaiting_prerequisites',
      channel: 'online',
      requestedBy: { userId: 'usr_ada', email: 'ada@acme.test' },
      submittedBy: { supportAgentId: null },
      reason: { code: 'too_expensive', comment: 'Budget cuts' },
      effectiveAt: sub.currentPeriodEnd.toISOString(),
      completedAt: null,
      withdrawnAt: null,
      checklist: { balanceClear: true, licensesUnassigned: false, dataBackedUp: false, dataBackupLocation: null },
      charges: { currency: 'EUR', remainingCents: 4900, refundCents: 0 },
      warnings: [],
      workflowId: 'cancellation-sub_acme_webinar-1',
    });
    expect(sub).toMatchObject({ autoRenew: false, status: 'cancellation_scheduled' });
    cancellationId = res.body.id;
  });

  it('answers 409 cancellation_in_progress with details.cancellationId while one is running', async () => {
    const res = await post('/v1/cancellations', T.acmeBillingAdmin, { subscriptionId: 'sub_acme_webinar' });
    expect(res.status).toBe(409);
    expect(res.body.error).toMatchObject({
      type: 'conflict',
      code: 'cancellation_in_progress',
      details: { cancellationId },
    });
  });

  it('GET /v1/cancellations/{id} answers the live view while the workflow runs (P16)', async () => {
    const res = await get(`/v1/cancellations/${cancellationId}`, T.acmeBillingAdmin);
    expect(res.status).toBe(200);
    expect(res.body).toMatchObject({ id: cancellationId, stage: 'awaiting_prerequisites' });
    expect((await get(`/v1/cancellations/${cancellationId}`, T.supportAgent)).status).toBe(200);
  });

  it('POST unassign-all answers { unassigned: n } and the running cancellation sees it at once (P6)', async () => {
    const res = await post('/v1/subscriptions/sub_acme_webinar/licenses/unassign-all', T.acmeBillingAdmin);
    expect(res.status).toBe(200);
    expect(res.body).toEqual({ unassigned: 2 });
    const live = await eventually(
      () => get(`/v1/cancellations/${cancellationId}`, T.acmeBillingAdmin),
      (c) => c.checklist?.licensesUnassigned === true,
    );
    expect(live.body.checklist.licensesUnassigned).toBe(true);
    expect((await get('/v1/subscriptions/sub_acme_webinar', T.acmeBillingAdmin)).body.licenses).toEqual({
      total: 3,
      assigned: 0,
    });
  });

  it('POST data-backup answers the Cancellation with dataBackedUp: true, and the checklist done schedules it (P7)', async () => {
    const res = await post(`/v1/cancellations/${cancellationId}/data-backup`, T.acmeBillingAdmin, {
      location: 's3://acme-backups/webinar',
    });
    expect(res.status).toBe(200);
    expect(res.body.checklist).toEqual({
      balanceClear: true,
      licensesUnassigned: true,
      dataBackedUp: true,
      dataBackupLocation: 's3://acme-backups/webinar',
    });
    const scheduled = await eventually(
      () => get(`/v1/cancellations/${cancellationId}`, T.acmeBillingAdmin),
      (c) => c.stage === 'scheduled',
    );
    expect(scheduled.body.stage).toBe('scheduled');
  });

  it('lists it with the filters (GET /v1/cancellations?subscriptionId=&stage=)', async () => {
    const res = await get('/v1/cancellations?subscriptionId=sub_acme_webinar&stage=scheduled', T.acmeBillingAdmin);
    expect(res.status).toBe(200);
    expect(res.body).toEqual({
      data: [expect.objectContaining({ id: cancellationId, stage: 'scheduled' })],
      hasMore: false,
    });
  });

  it('POST withdraw answers the Cancellation withdrawn, with auto-renew back on', async () => {
    const res = await post(`/v1/cancellations/${cancellationId}/withdraw`, T.acmeBillingAdmin);
    expect(res.status).toBe(200);
    expect(res.body).toMatchObject({ id: cancellationId, stage: 'withdrawn', withdrawnAt: expect.any(String) });
    expect(await tdb.db.subscription.findUniqueOrThrow({ where: { id: 'sub_acme_webinar' } })).toMatchObject({
      autoRenew: true,
      status: 'active',
    });
  });

  it('answers 409 conflict to a second withdrawal, and to a backup confirmation once closed', async () => {
    const again = await post(`/v1/cancellations/${cancellationId}/withdraw`, T.acmeBillingAdmin);
    expect(again.status).toBe(409);
    expect(again.body.error).toMatchObject({ type: 'conflict', code: 'withdraw_not_allowed' });
    const backup = await post(`/v1/cancellations/${cancellationId}/data-backup`, T.acmeBillingAdmin, { location: 'x' });
    expect(backup.status).toBe(409);
    expect(backup.body.error).toMatchObject({ type: 'conflict', code: 'cancellation_closed' });
  });

  it('reads a closed cancellation from the database, and accepts a new request after a withdrawal', async () => {
    const res = await eventually(
      () => get(`/v1/cancellations/${cancellationId}`, T.acmeBillingAdmin),
      (c) => c.stage === 'withdrawn',
    );
    expect(res.body).toMatchObject({ stage: 'withdrawn', checklist: { dataBackedUp: true } });
    const next = await post('/v1/cancellations', T.acmeBillingAdmin, { subscriptionId: 'sub_acme_webinar' });
    expect(next.status).toBe(201);
    expect(next.body.workflowId).toBe('cancellation-sub_acme_webinar-2');
    expect(next.body.id).not.toBe(cancellationId);
    // Support may withdraw too (API.md "who": user, support).
    const withdrawn = await post(`/v1/cancellations/${next.body.id}/withdraw`, T.supportAgent);
    expect(withdrawn.status).toBe(200);
    expect(withdrawn.body.stage).toBe('withdrawn');
  });
});

describe('refusals (P11): 422 cancellation_refused, every reason in details.refusals, the first as code', () => {
  it('lists several reasons at once, in order, with details.balanceCents', async () => {
    const res = await post('/v1/cancellations', T.refusedProductAdmin, { subscriptionId: 'sub_refused_webinar' });
    expect(res.status).toBe(422);
    expect(res.body.error).toMatchObject({ type: 'cancellation_refused', code: 'role_not_permitted' });
    expect(res.body.error.details.refusals.map((r: { code: string }) => r.code)).toEqual([
      'role_not_permitted',
      'outstanding_balance',
      'not_cancellable_online',
    ]);
    expect(res.body.error.details.balanceCents).toBe(1500);
    expect(await tdb.db.subscription.findUniqueOrThrow({ where: { id: 'sub_refused_webinar' } })).toMatchObject({
      status: 'active',
      autoRenew: true,
    });
    expect(await tdb.db.cancellation.count({ where: { subscriptionId: 'sub_refused_webinar' } })).toBe(0);
  });

  it('refuses a Connect plan to a billing admin (P8) and an owing account (P4)', async () => {
    const connect = await post('/v1/cancellations', T.connectBillingAdmin, { subscriptionId: 'sub_voxa_connect' });
    expect(connect.body.error).toMatchObject({
      code: 'role_not_permitted',
      details: { refusals: [{ details: { rule: 'P8' } }] },
    });
    const owing = await post('/v1/cancellations', T.owingBillingAdmin, { subscriptionId: 'sub_umbrella_webinar' });
    expect(owing.status).toBe(422);
    expect(owing.body.error).toMatchObject({ code: 'outstanding_balance', details: { balanceCents: 1200 } });
  });
});

describe('Idempotency-Key on a workflow-backed POST', () => {
  it('replays the 201 for a retry and starts one workflow only', async () => {
    const key = randomUUID();
    const body = { subscriptionId: 'sub_initech_meeting' };
    const first = await http().post('/v1/cancellations').set(withKey(T.contractBillingAdmin, key)).send(body);
    const retry = await http().post('/v1/cancellations').set(withKey(T.contractBillingAdmin, key)).send(body);
    expect(first.status).toBe(201);
    expect(retry.status).toBe(201);
    expect(retry.body).toEqual(first.body);
    expect(retry.headers['idempotent-replayed']).toBe('true');
    expect(await tdb.db.cancellation.count({ where: { subscriptionId: 'sub_initech_meeting' } })).toBe(1);
    // P2: a fixed-term contract ends on its original end date.
    const sub = await tdb.db.subscription.findUniqueOrThrow({ where: { id: 'sub_initech_meeting' } });
    expect(first.body.effectiveAt).toBe(sub.contractEnd?.toISOString());
  });

  it('never runs concurrent duplicates twice: one 201, the other 409 or the replay', async () => {
    const key = randomUUID();
    const send = () =>
      http()
        .post('/v1/cancellations')
        .set(withKey(T.acmeBillingAdmin, key))
        .send({ subscriptionId: 'sub_acme_meeting' });
    const [a, b] = await Promise.all([send(), send()]);
    const statuses = [a.status, b.status].sort();
    expect([
      [201, 201],
      [201, 409],
    ]).toContainEqual(statuses);
    expect([a, b].filter((r) => r.status === 201 && !r.headers['idempotent-replayed'])).toHaveLength(1);
    expect(await tdb.db.cancellation.count({ where: { subscriptionId: 'sub_acme_meeting' } })).toBe(1);
  });
});

describe('POST /v1/support/cancellations (P12)', () => {
  const verification = {
    billingAdminEmail: 'BEA@mixed.test',
    paymentMethodLast4: '7777',
    // Case and whitespace do not matter.
    billingAddress: { line1: '5  place bellecour', city: 'LYON', postalCode: '69 002', country: 'fr' },
  };

  it('answers 201 with the accepted cancellations and, per refused subscription, its refusals', async () => {
    const res = await post('/v1/support/cancellations', T.supportAgent, {
      accountId: 'acc_mixed',
      requesterEmail: 'bea@mixed.test',
      verification,
      subscriptionIds: ['sub_mixed_webinar', 'sub_mixed_connect', 'sub_mixed_resolve'],
      reason: { code: 'switched_service' },
    });
    expect(res.status).toBe(201);
    // not_cancellable_online does not apply to support; the requester's roles still do (P8).
    expect(res.body.cancellations.map((c: { subscriptionId: string }) => c.subscriptionId)).toEqual([
      'sub_mixed_webinar',
      'sub_mixed_resolve',
    ]);
    expect(res.body.cancellations[0]).toMatchObject({
      channel: 'support',
      submittedBy: { supportAgentId: 'agt_sam' },
      requestedBy: { userId: 'usr_bea', email: 'bea@mixed.test' },
      reason: { code: 'switched_service' },
    });
    expect(res.body.refused).toEqual([
      { subscriptionId: 'sub_mixed_connect', refusals: [expect.objectContaining({ code: 'role_not_permitted' })] },
    ]);
  });

  it('answers 422 cancellation_refused with details.results when none is accepted', async () => {
    const res = await post('/v1/support/cancellations', T.supportAgent, {
      accountId: 'acc_mixed',
      requesterEmail: 'bea@mixed.test',
      verification,
      subscriptionIds: ['sub_mixed_connect', 'sub_mixed_webinar'],
    });
    expect(res.status).toBe(422);
    expect(res.body.error).toMatchObject({ type: 'cancellation_refused', code: 'role_not_permitted' });
    expect(res.body.error.details.results).toEqual([
      { subscriptionId: 'sub_mixed_connect', refusals: [expect.objectContaining({ code: 'role_not_permitted' })] },
      {
        subscriptionId: 'sub_mixed_webinar',
        refusals: [
          expect.objectContaining({
            code: 'cancellation_in_progress',
            details: { cancellationId: expect.any(String) },
          }),
        ],
      },
    ]);
  });

  it("accepts a super admin's e-mail as the billing admin's, and a super admin requester may cancel Connect (P8)", async () => {
    const res = await post('/v1/support/cancellations', T.supportAgent, {
      accountId: 'acc_mixed',
      requesterEmail: 'sol@mixed.test',
      verification: { ...verification, billingAdminEmail: 'sol@mixed.test' },
      subscriptionIds: ['sub_mixed_connect'],
    });
    expect(res.status).toBe(201);
    expect(res.body).toMatchObject({ cancellations: [{ subscriptionId: 'sub_mixed_connect' }], refused: [] });
  });

  it('still answers verification_failed for a wrong field when everything else is right', async () => {
    const res = await post('/v1/support/cancellations', T.supportAgent, {
      accountId: 'acc_mixed',
      requesterEmail: 'bea@mixed.test',
      verification: { ...verification, paymentMethodLast4: '7778' },
      subscriptionIds: ['sub_mixed_meeting'],
    });
    expect(res.status).toBe(422);
    expect(res.body).toEqual({
      error: { type: 'cancellation_refused', code: 'verification_failed', message: VERIFICATION_FAILED_MESSAGE },
    });
    expect(await tdb.db.cancellation.count({ where: { subscriptionId: 'sub_mixed_meeting' } })).toBe(0);
  });
});

describe('watching a cancellation complete (P2, P3, P16)', () => {
  it('deactivates on the effective date: completed, licences released, the product in discover, notifications queued', async () => {
    // The period ends a few seconds from now (the fixture was loaded before the server started).
    await tdb.db.subscription.update({
      where: { id: 'sub_soon_webinar' },
      data: { currentPeriodEnd: new Date(Date.now() + SOON_MS) },
    });
    const created = await post('/v1/cancellations', T.soonBillingAdmin, { subscriptionId: 'sub_soon_webinar' });
    expect(created.status).toBe(201);
    expect(created.body.stage).toBe('awaiting_prerequisites');
    const done = await eventually(
      () => get(`/v1/cancellations/${created.body.id}`, T.soonBillingAdmin),
      (c) => c.stage === 'completed',
      SOON_MS + 20_000,
    );
    // Deactivated even with the checklist open; the unconfirmed backup is a warning.
    expect(done.body).toMatchObject({
      stage: 'completed',
      completedAt: expect.any(String),
      warnings: ['data_backup_unconfirmed'],
      checklist: { licensesUnassigned: true },
    });
    const products = await get('/v1/accounts/acc_soon/products', T.soonBillingAdmin);
    expect(products.body).toMatchObject({
      active: [],
      cancellationScheduled: [],
      discover: [
        { product: { code: 'webinar', name: 'GoTo webinar', family: 'webinar' }, cancelledAt: expect.any(String) },
      ],
    });
    const notifications = await get('/v1/accounts/acc_soon/notifications', T.soonBillingAdmin);
    expect(notifications.body.data.map((n: { template: string }) => n.template)).toEqual([
      'cancellation_completed',
      'cancellation_scheduled',
    ]);
  }, 60_000);
});

describe('GET /readyz', () => {
  it('answers 200 when the database and Temporal are reachable', async () => {
    const res = await http().get('/readyz');
    expect(res.status).toBe(200);
    expect(res.body).toEqual({ status: 'ready', checks: { database: 'ok', temporal: 'ok' } });
  });
});
