/**
 * The HTTP API without Temporal: everything that is decided by the API and the database alone
 * (conventions, auth, validation, errors, idempotency, reads, previews, support verification).
 * The gateway's client throws if touched, so these tests also prove those paths start no workflow.
 * Workflow-backed endpoints are in workflows.test.ts.
 */
import { spawn } from 'node:child_process';
import { Agent } from 'node:http';
import path from 'node:path';
import { createInterface } from 'node:readline';
import { ServiceError } from '@temporalio/client';
import request from 'supertest';
import { requestHash } from '../../api/idempotency';
import { VERIFICATION_FAILED_MESSAGE } from '../../api/services/support';
import type { WorkflowGateway } from '../../api/workflow-client';
import type { FixtureInput } from '../../db/fixtures';
import { hashToken } from '../../db/tokens';
import { computeCharges } from '../../domain/charges';
import { addMonthsUtc } from '../../domain/dates';
import { buildDemoFixture, DEMO_TOKENS } from '../../scripts/demo-fixture';
import type { TestDatabase } from '../helpers/db';
import {
  acmeSupportBody,
  apiWithoutTemporal,
  bearer,
  expectError as expectErrorShape,
  listen,
  memoryLogger,
  noTemporalGateway,
  withKey,
  type ApiWithoutTemporal,
  type LogLine,
  type RunningApi,
} from './harness';

const T = {
  ...DEMO_TOKENS,
  multiProductAdmin: 'test-multi-product-admin',
  productsAdmin: 'test-products-billing-admin',
  acmeSuperAdmin: 'test-acme-second-super-admin',
};
const DAY = 86_400_000;
const NOW = new Date();

/** Beside the demo data: an account where every refusal applies at once, and one for P3's product lists. */
function extraAccounts(now: Date): NonNullable<FixtureInput['accounts']> {
  const start = new Date(now.getTime() - 10 * DAY);
  const monthly = {
    billing: 'monthly' as const,
    currentPeriodStart: start.toISOString(),
    currentPeriodEnd: addMonthsUtc(start, 1).toISOString(),
    contractStart: null,
    contractEnd: null,
    monthlyPriceCents: 1000,
    currency: 'EUR',
    purchaseChannel: 'online' as const,
  };
  const product = (code: string, family = code) => ({ code, name: `GoTo ${code}`, family });
  return [
    {
      id: 'acc_multi',
      name: 'Multi (every refusal)',
      paymentMethod: {
        last4: '1234',
        billingAddress: { line1: '2 Avenue Foch', city: 'Paris', postalCode: '75116', country: 'FR' },
      },
      invoices: [
        { id: 'inv_multi_1', amountDueCents: 700, status: 'open' },
        { id: 'inv_multi_2', amountDueCents: 500, status: 'open' },
        { id: 'inv_multi_3', amountDueCents: 9900, status: 'paid' },
      ],
      users: [
        { id: 'usr_mo', email: 'mo@multi.test', roles: ['product_admin'], token: T.multiProductAdmin },
        { id: 'usr_mia', email: 'mia@multi.test', roles: ['billing_admin'] },
      ],
      subscriptions: [
        { id: 'sub_multi_all', product: product('webinar'), ...monthly, onlineCancellable: false, status: 'cancelled' },
      ],
    },
    {
      id: 'acc_products',
      name: 'Products (P3)',
      paymentMethod: {
        last4: '0001',
        billingAddress: { line1: '3 quai Voltaire', city: 'Paris', postalCode: '75007', country: 'FR' },
      },
      users: [{ id: 'usr_pete', email: 'pete@products.test', roles: ['billing_admin'], token: T.productsAdmin }],
      subscriptions: [
        { id: 'sub_p_active', product: product('webinar'), ...monthly, onlineCancellable: true },
        {
          id: 'sub_p_scheduled',
          product: product('meeting'),
          ...monthly,
          onlineCancellable: true,
          status: 'cancellation_scheduled',
          autoRenew: false,
        },
        // Cancelled, but webinar is still held by sub_p_active: not in discover.
        {
          id: 'sub_p_old_webinar',
          product: product('webinar'),
          ...monthly,
          onlineCancellable: true,
          status: 'cancelled',
        },
        // Two cancelled Connect subscriptions: one discover entry, the latest cancellation.
        {
          id: 'sub_p_connect_1',
          product: product('connect'),
          ...monthly,
          onlineCancellable: true,
          status: 'cancelled',
        },
        {
          id: 'sub_p_connect_2',
          product: product('connect'),
          ...monthly,
          onlineCancellable: true,
          status: 'cancelled',
        },
        { id: 'sub_p_resolve', product: product('resolve'), ...monthly, onlineCancellable: true, status: 'cancelled' },
      ],
    },
  ];
}

let app: ApiWithoutTemporal;
let tdb: TestDatabase;
let api: RunningApi;
let gateway: ReturnType<typeof noTemporalGateway>;
let logs: LogLine[];

beforeAll(async () => {
  const demo = buildDemoFixture(NOW);
  demo.accounts = [...(demo.accounts ?? []), ...extraAccounts(NOW)];
  demo.accounts
    .find((a) => a.id === 'acc_acme')
    ?.users.push({ id: 'usr_sue', email: 'sue@acme.test', roles: ['super_admin'], token: T.acmeSuperAdmin });
  app = await apiWithoutTemporal('api_http', demo);
  ({ tdb, api, gateway, logs } = app);
  const cancelledAt = (days: number) => new Date(NOW.getTime() - days * DAY);
  await tdb.db.subscription.update({ where: { id: 'sub_p_connect_1' }, data: { cancelledAt: cancelledAt(30) } });
  await tdb.db.subscription.update({ where: { id: 'sub_p_connect_2' }, data: { cancelledAt: cancelledAt(5) } });
  await tdb.db.subscription.update({ where: { id: 'sub_p_resolve' }, data: { cancelledAt: cancelledAt(2) } });
  await tdb.db.subscription.update({ where: { id: 'sub_p_old_webinar' }, data: { cancelledAt: cancelledAt(1) } });
});

afterAll(() => app?.stop());

afterEach(() => {
  // Nothing in this file may reach for a workflow (the variants with their own gateway excepted).
  expect(gateway.touched.filter((p) => p !== 'connection')).toEqual([]);
});

const http = () => request(api.url);

/** The error shape, and no stack trace anywhere in the body. */
function expectError(res: request.Response, status: number, type: string, code?: string) {
  const error = expectErrorShape(res, status, type, code);
  expect(JSON.stringify(res.body)).not.toMatch(/\n\s+at |stack/);
  return error;
}

async function seedCancellationRow(
  id: string,
  data: { accountId: string; subscriptionId: string; stage: string; createdAt: Date },
) {
  await tdb.db.cancellation.create({
    data: {
      id,
      workflowId: `wf-${id}`,
      subscriptionId: data.subscriptionId,
      accountId: data.accountId,
      stage: data.stage,
      channel: 'online',
      requestedByUserId: 'usr_ada',
      requestedByEmail: 'ada@acme.test',
      requestedAt: data.createdAt,
      effectiveAt: new Date(data.createdAt.getTime() + 20 * DAY),
      completedAt: data.stage === 'completed' ? new Date(data.createdAt.getTime() + 20 * DAY) : null,
      withdrawnAt: data.stage === 'withdrawn' ? new Date(data.createdAt.getTime() + DAY) : null,
      balanceClear: true,
      licensesUnassigned: data.stage === 'completed',
      dataBackedUp: false,
      currency: 'EUR',
      remainingCents: 4900,
      chargeLines: JSON.stringify([]),
      createdAt: data.createdAt,
    },
  });
}

describe('conventions (API.md "Conventions") and security', () => {
  it('sends helmet security headers and no X-Powered-By (issue 5: security headers)', async () => {
    const res = await http().get('/healthz');
    expect(res.status).toBe(200);
    expect(res.body).toEqual({ status: 'ok' });
    expect(res.headers['x-powered-by']).toBeUndefined();
    expect(res.headers['x-content-type-options']).toBe('nosniff');
    expect(res.headers['content-security-policy']).toContain("default-src 'self'");
    expect(res.headers['strict-transport-security']).toBeDefined();
    expect(res.headers['cache-control']).toBe('no-store');
  });

  it('echoes a sane X-Request-Id and generates one otherwise', async () => {
    const given = await http().get('/healthz').set('X-Request-Id', 'req-abc.123');
    expect(given.headers['x-request-id']).toBe('req-abc.123');
    const generated = await http().get('/healthz').set('X-Request-Id', 'not a {sane} id');
    expect(generated.headers['x-request-id']).toMatch(/^[0-9a-f-]{36}$/);
  });

  it('answers malformed JSON with 400 invalid_request_error in the error shape', async () => {
    const res = await http()
      .post('/v1/cancellations')
      .set(bearer(T.acmeBillingAdmin))
      .set('Content-Type', 'application/json')
      .send('{"subscriptionId": ');
    expect(expectError(res, 400, 'invalid_request_error', 'invalid_json').message).toBe(
      'The request body is not valid JSON.',
    );
  });

  it('answers a body over 100 kB with 413 in the error shape (issue 5: JSON body size limit)', async () => {
    const res = await http()
      .post('/v1/cancellations')
      .set(bearer(T.acmeBillingAdmin))
      .send({ subscriptionId: 'sub_acme_webinar', reason: { code: 'other', comment: 'x'.repeat(120_000) } });
    expectError(res, 413, 'invalid_request_error', 'body_too_large');
  });

  it('answers an unknown route with 404 not_found in the error shape', async () => {
    const res = await http().get('/v1/nothing-here').set(bearer(T.acmeBillingAdmin));
    expectError(res, 404, 'not_found', 'unknown_route');
  });

  it('keeps CORS off unless origins are configured, then allows only those (issue 5: CORS)', async () => {
    const off = await http()
      .options('/v1/cancellations')
      .set('Origin', 'https://app.example')
      .set('Access-Control-Request-Method', 'POST');
    expect(off.headers['access-control-allow-origin']).toBeUndefined();

    const withCors = await listen({
      db: tdb.db,
      workflows: gateway,
      logger: memoryLogger().logger,
      corsOrigins: ['https://app.example'],
    });
    try {
      const preflight = await request(withCors.url)
        .options('/v1/cancellations')
        .set('Origin', 'https://app.example')
        .set('Access-Control-Request-Method', 'POST');
      expect(preflight.status).toBe(204);
      expect(preflight.headers['access-control-allow-origin']).toBe('https://app.example');
      expect(preflight.headers['access-control-allow-headers']).toContain('Idempotency-Key');
      const other = await request(withCors.url).get('/healthz').set('Origin', 'https://evil.example');
      expect(other.headers['access-control-allow-origin']).toBeUndefined();
    } finally {
      await withCors.close();
    }
  });
});

describe('auth (API.md: Bearer tokens; ids cannot be probed)', () => {
  it('answers 401 authentication_error without a token', async () => {
    const res = await http().get('/v1/subscriptions/sub_acme_webinar');
    expectError(res, 401, 'authentication_error', 'missing_token');
    expect(res.headers['www-authenticate']).toBe('Bearer');
  });

  it('answers 401 for a token that matches no one, and for a malformed header', async () => {
    expectError(
      await http().get('/v1/subscriptions/sub_acme_webinar').set(bearer('not-a-real-token-at-all')),
      401,
      'authentication_error',
      'invalid_token',
    );
    expectError(
      await http().get('/v1/subscriptions/sub_acme_webinar').set('Authorization', `Basic ${T.acmeBillingAdmin}`),
      401,
      'authentication_error',
      'invalid_token',
    );
  });

  it('keeps only a digest of each token in the database (API.md: tokens are stored hashed)', async () => {
    const row = await tdb.db.apiToken.findFirstOrThrow({ where: { userId: 'usr_ada' } });
    expect(row.tokenHash).toBe(hashToken(T.acmeBillingAdmin));
    expect(JSON.stringify(row)).not.toContain(T.acmeBillingAdmin);
  });

  it("answers 404, not 403, for another account's resources (API.md: ids can't be probed)", async () => {
    await seedCancellationRow('can_voxa_hidden', {
      accountId: 'acc_voxa',
      subscriptionId: 'sub_voxa_connect',
      stage: 'completed',
      createdAt: new Date(NOW.getTime() - 40 * DAY),
    });
    const asAda = bearer(T.acmeBillingAdmin);
    const probes = [
      http().get('/v1/subscriptions/sub_voxa_connect').set(asAda),
      http().get('/v1/subscriptions/sub_voxa_connect/cancellation-preview').set(asAda),
      http().get('/v1/accounts/acc_voxa/products').set(asAda),
      http().get('/v1/accounts/acc_voxa/notifications').set(asAda),
      http().get('/v1/cancellations/can_voxa_hidden').set(asAda),
      http().get('/v1/cancellations?accountId=acc_voxa').set(asAda),
      http().post('/v1/cancellations/can_voxa_hidden/withdraw').set(asAda),
      http().post('/v1/cancellations/can_voxa_hidden/data-backup').set(asAda).send({ location: 's3://x' }),
      http().post('/v1/subscriptions/sub_voxa_connect/licenses/unassign-all').set(asAda),
      http().post('/v1/cancellations').set(asAda).send({ subscriptionId: 'sub_voxa_connect' }),
    ];
    const missing = await http().get('/v1/subscriptions/sub_does_not_exist').set(asAda);
    for (const res of await Promise.all(probes)) {
      const error = expectError(res, 404, 'not_found');
      expect(error.code).toBe('resource_missing');
    }
    // Exactly the answer for an id that does not exist.
    expect(expectError(missing, 404, 'not_found').message).toBe("No such subscription: 'sub_does_not_exist'");
    const foreign = await http().get('/v1/subscriptions/sub_voxa_connect').set(asAda);
    expect(foreign.body.error.message).toBe("No such subscription: 'sub_voxa_connect'");
    const created = await http().post('/v1/cancellations').set(asAda).send({ subscriptionId: 'sub_voxa_connect' });
    expect(created.body.error.param).toBe('subscriptionId');
    // Nothing was unassigned on the other account.
    expect(
      await tdb.db.license.count({ where: { subscriptionId: 'sub_voxa_connect', assignedToUserId: { not: null } } }),
    ).toBe(1);
  });

  it('answers 403 permission_error to a customer on the support route (a well-formed body: 400 comes first)', async () => {
    const res = await http().post('/v1/support/cancellations').set(bearer(T.acmeBillingAdmin)).send(acmeSupportBody());
    expectError(res, 403, 'permission_error', 'permission_denied');
  });

  it('answers 403 permission_error to a support agent on customer-only routes (API.md "who")', async () => {
    const asSam = bearer(T.supportAgent);
    const responses = await Promise.all([
      http().post('/v1/cancellations').set(asSam).send({ subscriptionId: 'sub_acme_webinar' }),
      http().post('/v1/subscriptions/sub_acme_webinar/licenses/unassign-all').set(asSam),
    ]);
    for (const res of responses) expectError(res, 403, 'permission_error', 'permission_denied');
    // Checks run 404 before 403: an unknown cancellation is a 404 to support too.
    const unknown = await http().post('/v1/cancellations/can_x/data-backup').set(asSam).send({ location: 'x' });
    expectError(unknown, 404, 'not_found');
  });

  it('answers 400 naming accountId when support lists cancellations without it', async () => {
    const res = await http().get('/v1/cancellations').set(bearer(T.supportAgent));
    expect(expectError(res, 400, 'invalid_request_error').param).toBe('accountId');
  });

  it('answers 404 when support lists the cancellations of an unknown account', async () => {
    const res = await http().get('/v1/cancellations?accountId=acc_nope').set(bearer(T.supportAgent));
    expectError(res, 404, 'not_found');
  });

  it('never writes a bearer token to the log (issue 5: tokens never logged)', async () => {
    await http().get('/v1/subscriptions/sub_acme_webinar').set(bearer(T.acmeBillingAdmin));
    await http().get('/v1/subscriptions/sub_acme_webinar').set(bearer('wrong-token-that-must-not-be-logged'));
    const text = JSON.stringify(logs);
    expect(text).toContain('/v1/subscriptions/sub_acme_webinar');
    expect(text).not.toContain(T.acmeBillingAdmin);
    expect(text).not.toContain('wrong-token-that-must-not-be-logged');
  });
});

describe('request validation (unknown fields refused, each bad field named in param)', () => {
  const asAda = () => bearer(T.acmeBillingAdmin);

  it('names a missing field: "subscriptionId is required"', async () => {
    const error = expectError(
      await http().post('/v1/cancellations').set(asAda()).send({}),
      400,
      'invalid_request_error',
      'invalid_body',
    );
    expect(error).toMatchObject({ param: 'subscriptionId', message: 'subscriptionId is required' });
  });

  it('refuses an unknown field and names it', async () => {
    const res = await http()
      .post('/v1/cancellations')
      .set(asAda())
      .send({ subscriptionId: 'sub_acme_webinar', force: true });
    expect(expectError(res, 400, 'invalid_request_error', 'invalid_body').param).toBe('force');
  });

  it('names nested fields with a dotted path and lists every bad field in details.errors', async () => {
    const res = await http()
      .post('/v1/cancellations')
      .set(asAda())
      .send({ subscriptionId: 7, reason: { code: 'bored', comment: 'x'.repeat(1001), mood: 'sad' } });
    const error = expectError(res, 400, 'invalid_request_error', 'invalid_body');
    expect(error.param).toBe('subscriptionId');
    const params = (error.details?.errors as { param: string }[]).map((e) => e.param).sort();
    expect(params).toEqual(['reason.code', 'reason.comment', 'reason.mood', 'subscriptionId']);
  });

  it('names the bad element of an array: subscriptionIds.1 (support body)', async () => {
    const res = await http()
      .post('/v1/support/cancellations')
      .set(bearer(T.supportAgent))
      .send(acmeSupportBody({ subscriptionIds: ['sub_acme_webinar', 'sub_acme_webinar'] }));
    expect(expectError(res, 400, 'invalid_request_error', 'invalid_body').param).toBe('subscriptionIds.1');
  });

  it('refuses unknown query parameters and bad values, naming them', async () => {
    const unknown = await http().get('/v1/cancellations?sort=asc').set(asAda());
    expect(expectError(unknown, 400, 'invalid_request_error', 'invalid_query').param).toBe('sort');
    const stage = await http().get('/v1/cancellations?stage=paused').set(asAda());
    expect(expectError(stage, 400, 'invalid_request_error', 'invalid_query').param).toBe('stage');
  });

  it('refuses a body on a POST that takes none', async () => {
    const res = await http()
      .post('/v1/subscriptions/sub_acme_meeting/licenses/unassign-all')
      .set(asAda())
      .send({ all: true });
    expect(expectError(res, 400, 'invalid_request_error', 'invalid_body').param).toBe('all');
  });
});

describe('GET /v1/subscriptions/{id}', () => {
  it('answers the Subscription object of API.md', async () => {
    const res = await http().get('/v1/subscriptions/sub_acme_webinar').set(bearer(T.acmeBillingAdmin));
    expect(res.status).toBe(200);
    const start = new Date(Date.UTC(NOW.getUTCFullYear(), NOW.getUTCMonth(), NOW.getUTCDate()) - 10 * DAY);
    expect(res.body).toEqual({
      id: 'sub_acme_webinar',
      accountId: 'acc_acme',
      product: { code: 'webinar', name: 'GoTo Webinar', family: 'webinar' },
      purchaseChannel: 'online',
      billing: 'monthly',
      currentPeriodStart: start.toISOString(),
      currentPeriodEnd: addMonthsUtc(start, 1).toISOString(),
      contractEnd: null,
      monthlyPriceCents: 4900,
      currency: 'EUR',
      autoRenew: true,
      onlineCancellable: true,
      status: 'active',
      licenses: { total: 3, assigned: 2 },
    });
  });

  it('shows what the customer must know before cancelling a contract: its kind, end date and licence assignments (P5)', async () => {
    const res = await http().get('/v1/subscriptions/sub_initech_meeting').set(bearer(T.contractBillingAdmin));
    const sub = await tdb.db.subscription.findUniqueOrThrow({ where: { id: 'sub_initech_meeting' } });
    expect(res.status).toBe(200);
    expect(res.body).toMatchObject({
      billing: 'fixed_term',
      contractEnd: sub.contractEnd?.toISOString(),
      onlineCancellable: true,
      licenses: { total: 1, assigned: 1 },
    });
  });

  it("lets a support agent read any account's subscription", async () => {
    const res = await http().get('/v1/subscriptions/sub_globex_rescue').set(bearer(T.supportAgent));
    expect(res.status).toBe(200);
    expect(res.body).toMatchObject({ id: 'sub_globex_rescue', purchaseChannel: 'sales_rep', onlineCancellable: false });
  });
});

describe('GET /v1/subscriptions/{id}/cancellation-preview (a dry run, nothing changes)', () => {
  it('previews an eligible monthly plan: effective at the period end, the whole month billed (P2, P13, P15)', async () => {
    const res = await http()
      .get('/v1/subscriptions/sub_acme_webinar/cancellation-preview')
      .set(bearer(T.acmeBillingAdmin));
    expect(res.status).toBe(200);
    const sub = await tdb.db.subscription.findUniqueOrThrow({ where: { id: 'sub_acme_webinar' } });
    expect(res.body).toEqual({
      eligible: true,
      channel: 'online',
      refusals: [],
      effectiveAt: sub.currentPeriodEnd.toISOString(),
      charges: {
        currency: 'EUR',
        remainingCents: 4900,
        refundCents: 0,
        lines: [
          expect.objectContaining({
            periodStart: sub.currentPeriodStart.toISOString(),
            periodEnd: sub.currentPeriodEnd.toISOString(),
            amountCents: 4900,
          }),
        ],
      },
    });
  });

  it('previews a fixed-term contract to its original end, billing each remaining month (P2, P14)', async () => {
    const res = await http()
      .get('/v1/subscriptions/sub_initech_meeting/cancellation-preview')
      .set(bearer(T.contractBillingAdmin));
    const sub = await tdb.db.subscription.findUniqueOrThrow({ where: { id: 'sub_initech_meeting' } });
    expect(res.status).toBe(200);
    expect(res.body.effectiveAt).toBe(sub.contractEnd?.toISOString());
    const expected = computeCharges({ ...sub, billing: 'fixed_term' as const }, new Date());
    expect(res.body.charges).toEqual(expected);
    expect(res.body.charges.lines).toHaveLength(6);
    expect(res.body.charges.remainingCents).toBe(6 * 1200);
  });

  it('lists every refusal, in the order of API.md, with balanceCents (P11, P4, P10)', async () => {
    const res = await http()
      .get('/v1/subscriptions/sub_multi_all/cancellation-preview')
      .set(bearer(T.multiProductAdmin));
    expect(res.status).toBe(200);
    expect(res.body.eligible).toBe(false);
    expect(res.body.refusals.map((r: { code: string }) => r.code)).toEqual([
      'role_not_permitted',
      'outstanding_balance',
      'not_cancellable_online',
      'already_cancelled',
    ]);
    expect(res.body.refusals[1].details).toEqual({ balanceCents: 1200 });
    for (const refusal of res.body.refusals) expect(refusal.message).toEqual(expect.any(String));
  });

  it('refuses a Connect plan to a billing admin (P8)', async () => {
    const res = await http()
      .get('/v1/subscriptions/sub_voxa_connect/cancellation-preview')
      .set(bearer(T.connectBillingAdmin));
    expect(res.body).toMatchObject({
      eligible: false,
      refusals: [{ code: 'role_not_permitted', details: { rule: 'P8' } }],
    });
  });

  it('previews the support channel for an agent: not_cancellable_online does not apply (P12)', async () => {
    const res = await http()
      .get('/v1/subscriptions/sub_globex_rescue/cancellation-preview')
      .set(bearer(T.supportAgent));
    expect(res.body).toMatchObject({ eligible: true, channel: 'support', refusals: [] });
    const owing = await http()
      .get('/v1/subscriptions/sub_umbrella_webinar/cancellation-preview')
      .set(bearer(T.supportAgent));
    expect(owing.body.refusals.map((r: { code: string }) => r.code)).toEqual(['outstanding_balance']);
  });

  it('changes nothing: no row, no subscription change, no notification, no workflow', async () => {
    const before = await Promise.all([
      tdb.db.cancellation.count(),
      tdb.db.notification.count(),
      tdb.db.cancellationEvent.count(),
      tdb.db.subscription.findUniqueOrThrow({ where: { id: 'sub_acme_meeting' } }),
    ]);
    const res = await http()
      .get('/v1/subscriptions/sub_acme_meeting/cancellation-preview')
      .set(bearer(T.acmeBillingAdmin));
    expect(res.status).toBe(200);
    const after = await Promise.all([
      tdb.db.cancellation.count(),
      tdb.db.notification.count(),
      tdb.db.cancellationEvent.count(),
      tdb.db.subscription.findUniqueOrThrow({ where: { id: 'sub_acme_meeting' } }),
    ]);
    expect(after).toEqual(before);
    // afterEach checks the Temporal client was never touched.
  });
});

describe('GET /v1/accounts/{id}/products (P3)', () => {
  it('lists active, cancellationScheduled and the discover list of products to buy again', async () => {
    const res = await http().get('/v1/accounts/acc_products/products').set(bearer(T.productsAdmin));
    expect(res.status).toBe(200);
    expect(res.body.active.map((s: { id: string }) => s.id)).toEqual(['sub_p_active']);
    expect(res.body.cancellationScheduled.map((s: { id: string }) => s.id)).toEqual(['sub_p_scheduled']);
    expect(res.body.cancellationScheduled[0]).toMatchObject({ status: 'cancellation_scheduled', autoRenew: false });
    expect(res.body.discover).toEqual([
      {
        product: { code: 'resolve', name: 'GoTo resolve', family: 'resolve' },
        cancelledAt: new Date(NOW.getTime() - 2 * DAY).toISOString(),
      },
      {
        product: { code: 'connect', name: 'GoTo connect', family: 'connect' },
        cancelledAt: new Date(NOW.getTime() - 5 * DAY).toISOString(),
      },
    ]);
  });

  it('answers support for any existing account and 404 for a missing one', async () => {
    expect((await http().get('/v1/accounts/acc_products/products').set(bearer(T.supportAgent))).status).toBe(200);
    expectError(await http().get('/v1/accounts/acc_nope/products').set(bearer(T.supportAgent)), 404, 'not_found');
  });
});

describe('lists: ?limit (1–100, default 20), ?startingAfter, { data, hasMore }, newest first', () => {
  const ids = ['can_list_a', 'can_list_b', 'can_list_c', 'can_list_d', 'can_list_e'];
  beforeAll(async () => {
    const base = NOW.getTime() - 30 * DAY;
    // c and d share a timestamp: the id breaks the tie, so the order stays stable.
    const times = [0, 1, 2, 2, 3].map((d) => new Date(base + d * DAY));
    for (const [i, id] of ids.entries()) {
      await seedCancellationRow(id, {
        accountId: 'acc_acme',
        subscriptionId: i % 2 === 0 ? 'sub_acme_webinar' : 'sub_acme_meeting',
        stage: i === 4 ? 'withdrawn' : 'completed',
        createdAt: times[i],
      });
    }
  });
  const newestFirst = ['can_list_e', 'can_list_d', 'can_list_c', 'can_list_b', 'can_list_a'];
  const list = (query: string, token: string = T.acmeBillingAdmin) =>
    http().get(`/v1/cancellations${query}`).set(bearer(token));
  const idsOf = (res: request.Response) => res.body.data.map((c: { id: string }) => c.id);

  it('answers the whole list with hasMore false under the default limit', async () => {
    const res = await list('');
    expect(res.status).toBe(200);
    expect(idsOf(res)).toEqual(newestFirst);
    expect(res.body.hasMore).toBe(false);
    expect(res.body.data[0]).toMatchObject({ stage: 'withdrawn', accountId: 'acc_acme', workflowId: 'wf-can_list_e' });
  });

  it('walks the pages with startingAfter, a tie on createdAt included, to a last page with hasMore false', async () => {
    const seen: string[] = [];
    let cursor: string | undefined;
    for (let page = 0; page < 10; page++) {
      const res = await list(`?limit=2${cursor ? `&startingAfter=${cursor}` : ''}`);
      expect(res.status).toBe(200);
      seen.push(...idsOf(res));
      if (!res.body.hasMore) break;
      cursor = seen[seen.length - 1];
    }
    expect(seen).toEqual(newestFirst);
  });

  it('answers an empty page after the last item, and limit=1 / limit=100 at the edges', async () => {
    expect((await list('?startingAfter=can_list_a')).body).toEqual({ data: [], hasMore: false });
    const one = await list('?limit=1');
    expect({ ids: idsOf(one), hasMore: one.body.hasMore }).toEqual({ ids: ['can_list_e'], hasMore: true });
    const exact = await list('?limit=5');
    expect(exact.body.hasMore).toBe(false);
    expect((await list('?limit=100')).status).toBe(200);
  });

  it.each(['0', '101', '2.5', 'ten', ''])('refuses limit=%p with 400 naming limit', async (limit) => {
    expect(expectError(await list(`?limit=${limit}`), 400, 'invalid_request_error', 'invalid_query').param).toBe(
      'limit',
    );
  });

  it("refuses a startingAfter that is unknown or another account's, alike (400 naming startingAfter)", async () => {
    const unknown = expectError(await list('?startingAfter=can_nope'), 400, 'invalid_request_error', 'invalid_cursor');
    const foreign = expectError(
      await list('?startingAfter=can_voxa_hidden'),
      400,
      'invalid_request_error',
      'invalid_cursor',
    );
    expect(unknown.param).toBe('startingAfter');
    expect(foreign.param).toBe('startingAfter');
  });

  it('filters by subscriptionId and stage', async () => {
    expect(idsOf(await list('?subscriptionId=sub_acme_meeting'))).toEqual(['can_list_d', 'can_list_b']);
    expect(idsOf(await list('?stage=withdrawn'))).toEqual(['can_list_e']);
    expect(idsOf(await list('?subscriptionId=sub_acme_webinar&stage=completed'))).toEqual(['can_list_c', 'can_list_a']);
  });

  it("lists an account's cancellations for support with accountId=", async () => {
    const res = await list('?accountId=acc_acme&limit=3', T.supportAgent);
    expect(idsOf(res)).toEqual(newestFirst.slice(0, 3));
    expect(res.body.hasMore).toBe(true);
  });

  it('lets a user name their own account, and answers another account as missing', async () => {
    expect(idsOf(await list('?accountId=acc_acme'))).toEqual(newestFirst);
    expectError(await list('?accountId=acc_voxa'), 404, 'not_found');
  });

  it('reads a closed cancellation from the database, without asking Temporal (P16)', async () => {
    const res = await http().get('/v1/cancellations/can_list_a').set(bearer(T.acmeBillingAdmin));
    expect(res.status).toBe(200);
    expect(res.body).toMatchObject({ id: 'can_list_a', stage: 'completed', completedAt: expect.any(String) });
  });
});

describe('GET /v1/accounts/{id}/notifications', () => {
  beforeAll(async () => {
    const at = (d: number) => new Date(NOW.getTime() - d * DAY);
    const rows = [
      { id: 'ntf_1', template: 'cancellation_scheduled', createdAt: at(3) },
      { id: 'ntf_2', template: 'cancellation_reminder', createdAt: at(2) },
      { id: 'ntf_3', template: 'cancellation_completed', createdAt: at(1) },
    ];
    for (const r of rows) {
      await tdb.db.notification.create({
        data: {
          ...r,
          key: `test:${r.id}`,
          accountId: 'acc_acme',
          recipient: 'ada@acme.test',
          payload: JSON.stringify({ subscriptionId: 'sub_acme_webinar' }),
        },
      });
    }
  });

  it("lists the outbox newest first with each e-mail's locale and delivery status (v1.2), paginated", async () => {
    const first = await http().get('/v1/accounts/acc_acme/notifications?limit=2').set(bearer(T.acmeBillingAdmin));
    expect(first.status).toBe(200);
    expect(first.body).toEqual({
      data: [
        {
          id: 'ntf_3',
          template: 'cancellation_completed',
          recipient: 'ada@acme.test',
          payload: { subscriptionId: 'sub_acme_webinar' },
          locale: 'en',
          status: 'pending',
          attempts: 0,
          sentAt: null,
          lastError: null,
          createdAt: new Date(NOW.getTime() - DAY).toISOString(),
        },
        expect.objectContaining({ id: 'ntf_2', template: 'cancellation_reminder' }),
      ],
      hasMore: true,
    });
    const second = await http()
      .get('/v1/accounts/acc_acme/notifications?limit=2&startingAfter=ntf_2')
      .set(bearer(T.supportAgent));
    expect(second.body).toEqual({ data: [expect.objectContaining({ id: 'ntf_1' })], hasMore: false });
  });
});

describe('Idempotency-Key (API.md; Stripe semantics)', () => {
  const unassign = (token: string, key: string, app: RunningApi = api) =>
    request(app.url).post('/v1/subscriptions/sub_acme_webinar/licenses/unassign-all').set(withKey(token, key));
  const reassign = () =>
    tdb.db.license.updateMany({
      where: { id: { in: ['lic_acme_1', 'lic_acme_2'] } },
      data: { assignedToUserId: 'usr_ada' },
    });

  beforeEach(reassign);

  it('replays the first response (status and body) for a retry with the same key and body', async () => {
    const first = await unassign(T.acmeBillingAdmin, 'idem-replay');
    expect(first.status).toBe(200);
    expect(first.body).toEqual({ unassigned: 2 });
    expect(first.headers['idempotent-replayed']).toBeUndefined();
    await reassign();
    const retry = await unassign(T.acmeBillingAdmin, 'idem-replay');
    expect(retry.status).toBe(200);
    expect(retry.body).toEqual({ unassigned: 2 });
    expect(retry.headers['idempotent-replayed']).toBe('true');
    // The retry did not run again: the licences reassigned in between are still assigned.
    expect(
      await tdb.db.license.count({ where: { subscriptionId: 'sub_acme_webinar', assignedToUserId: { not: null } } }),
    ).toBe(2);
  });

  it('replays an error response too (a 404 stays a 404 for that key)', async () => {
    const body = { subscriptionId: 'sub_missing' };
    const first = await http().post('/v1/cancellations').set(withKey(T.acmeBillingAdmin, 'idem-404')).send(body);
    const retry = await http().post('/v1/cancellations').set(withKey(T.acmeBillingAdmin, 'idem-404')).send(body);
    expect(first.status).toBe(404);
    expect(retry.status).toBe(404);
    expect(retry.body).toEqual(first.body);
    expect(retry.headers['idempotent-replayed']).toBe('true');
  });

  it('refuses the same key with a different body: 422 idempotency_error', async () => {
    await http()
      .post('/v1/cancellations')
      .set(withKey(T.acmeBillingAdmin, 'idem-mismatch'))
      .send({ subscriptionId: 'sub_missing' });
    const other = await http()
      .post('/v1/cancellations')
      .set(withKey(T.acmeBillingAdmin, 'idem-mismatch'))
      .send({ subscriptionId: 'sub_missing', reason: { code: 'other' } });
    expect(expectError(other, 422, 'idempotency_error', 'idempotency_key_reused').param).toBe('Idempotency-Key');
    const otherPath = await unassign(T.acmeBillingAdmin, 'idem-mismatch');
    expectError(otherPath, 422, 'idempotency_error');
  });

  it('treats the same fields in another order as the same body', async () => {
    const a = { subscriptionId: 'sub_missing', reason: { code: 'other', comment: 'c' } };
    const b = { reason: { comment: 'c', code: 'other' }, subscriptionId: 'sub_missing' };
    await http().post('/v1/cancellations').set(withKey(T.acmeBillingAdmin, 'idem-order')).send(a);
    const retry = await http().post('/v1/cancellations').set(withKey(T.acmeBillingAdmin, 'idem-order')).send(b);
    expect(retry.headers['idempotent-replayed']).toBe('true');
  });

  it('answers 409 conflict while the first request with the key is still in flight (Stripe: concurrent request)', async () => {
    // Another instance has claimed the key and is still executing (its record has no response yet).
    await tdb.db.idempotencyRecord.create({
      data: {
        principal: 'user:usr_ada',
        key: 'idem-inflight',
        requestHash: requestHash('POST', '/v1/subscriptions/sub_acme_webinar/licenses/unassign-all', undefined),
        method: 'POST',
        path: '/v1/subscriptions/sub_acme_webinar/licenses/unassign-all',
        createdAt: new Date(),
      },
    });
    const res = await unassign(T.acmeBillingAdmin, 'idem-inflight');
    expectError(res, 409, 'conflict', 'idempotency_key_in_use');
    expect(
      await tdb.db.license.count({ where: { subscriptionId: 'sub_acme_webinar', assignedToUserId: { not: null } } }),
    ).toBe(2);
  });

  it('executes concurrent duplicates once, even across two API instances sharing the database', async () => {
    const second = await listen({ db: tdb.db, workflows: gateway, logger: memoryLogger().logger });
    try {
      const responses = await Promise.all(
        Array.from({ length: 8 }, (_, i) => unassign(T.acmeBillingAdmin, 'idem-race', i % 2 ? second : api)),
      );
      const executed = responses.filter((r) => r.status === 200 && !r.headers['idempotent-replayed']);
      expect(executed).toHaveLength(1);
      for (const r of responses) {
        if (r === executed[0]) continue;
        if (r.status === 200) expect(r.body).toEqual(executed[0].body);
        else expectError(r, 409, 'conflict', 'idempotency_key_in_use');
      }
      expect(executed[0].body).toEqual({ unassigned: 2 });
    } finally {
      await second.close();
    }
  });

  it('scopes keys to the caller: another user may use the same key', async () => {
    const ada = await unassign(T.acmeBillingAdmin, 'idem-shared');
    await reassign();
    const sue = await unassign(T.acmeSuperAdmin, 'idem-shared');
    expect(ada.body).toEqual({ unassigned: 2 });
    expect(sue.body).toEqual({ unassigned: 2 });
    expect(sue.headers['idempotent-replayed']).toBeUndefined();
  });

  it('keeps a response for 24 hours, then runs the request again', async () => {
    let now = new Date('2030-01-01T00:00:00Z');
    const timed = await listen({ db: tdb.db, workflows: gateway, logger: memoryLogger().logger, clock: () => now });
    try {
      expect((await unassign(T.acmeBillingAdmin, 'idem-ttl', timed)).body).toEqual({ unassigned: 2 });
      await reassign();
      now = new Date('2030-01-01T23:59:00Z');
      const within = await unassign(T.acmeBillingAdmin, 'idem-ttl', timed);
      expect(within.headers['idempotent-replayed']).toBe('true');
      now = new Date('2030-01-02T00:00:01Z');
      const after = await unassign(T.acmeBillingAdmin, 'idem-ttl', timed);
      expect(after.headers['idempotent-replayed']).toBeUndefined();
      expect(after.body).toEqual({ unassigned: 2 });
    } finally {
      await timed.close();
    }
  });

  it('refuses a key longer than 255 characters with 400', async () => {
    const res = await unassign(T.acmeBillingAdmin, 'k'.repeat(256));
    expect(expectError(res, 400, 'invalid_request_error', 'invalid_idempotency_key').param).toBe('Idempotency-Key');
    expect((await unassign(T.acmeBillingAdmin, 'k'.repeat(255))).status).toBe(200);
  });

  it('stores nothing for a request refused by validation: the corrected retry runs', async () => {
    const bad = await http()
      .post('/v1/cancellations')
      .set(withKey(T.acmeBillingAdmin, 'idem-fixed'))
      .send({ subscription: 'x' });
    expect(bad.status).toBe(400);
    const fixed = await http()
      .post('/v1/cancellations')
      .set(withKey(T.acmeBillingAdmin, 'idem-fixed'))
      .send({ subscriptionId: 'sub_missing' });
    expect(fixed.status).toBe(404);
    expect(fixed.headers['idempotent-replayed']).toBeUndefined();
  });
});

describe('errors: one shape, nothing internal in a 5xx', () => {
  function failingGateway(error: Error): WorkflowGateway {
    const fail = async () => {
      throw error;
    };
    const client = {
      workflow: { executeUpdateWithStart: fail, getHandle: () => ({ query: fail, describe: fail }) },
      withDeadline: <T>(_deadline: Date, fn: () => Promise<T>) => fn(),
    };
    return { client: client as unknown as WorkflowGateway['client'], taskQueue: 'failing' };
  }

  it('answers 500 api_error revealing nothing, logs it with the request id, and frees the Idempotency-Key', async () => {
    const memory = memoryLogger();
    const broken = await listen({
      db: tdb.db,
      workflows: failingGateway(new Error('secret internals: connection string postgres://u:p@db')),
      logger: memory.logger,
    });
    try {
      const res = await request(broken.url)
        .post('/v1/cancellations')
        .set(withKey(T.acmeBillingAdmin, 'idem-500'))
        .set('X-Request-Id', 'req-500-test')
        .send({ subscriptionId: 'sub_acme_meeting' });
      const error = expectError(res, 500, 'api_error', 'internal_error');
      expect(JSON.stringify(res.body)).not.toMatch(/secret|postgres|Error:/);
      expect(error.details).toBeUndefined();
      const logged = memory.lines.find((l) => l.level === 50);
      expect(logged).toMatchObject({
        reqId: 'req-500-test',
        err: { message: expect.stringContaining('secret internals') },
      });
      // A 5xx is not stored: the retry runs again instead of replaying the failure.
      expect(await tdb.db.idempotencyRecord.count({ where: { key: 'idem-500' } })).toBe(0);
    } finally {
      await broken.close();
    }
  });

  it('answers 503 api_error when Temporal is unreachable', async () => {
    const broken = await listen({
      db: tdb.db,
      workflows: failingGateway(new ServiceError('14 UNAVAILABLE: connect ECONNREFUSED 10.0.0.1:7233')),
      logger: memoryLogger().logger,
    });
    try {
      const res = await request(broken.url)
        .post('/v1/cancellations')
        .set(bearer(T.acmeBillingAdmin))
        .send({ subscriptionId: 'sub_acme_meeting' });
      expectError(res, 503, 'api_error', 'service_unavailable');
      expect(JSON.stringify(res.body)).not.toContain('ECONNREFUSED');
    } finally {
      await broken.close();
    }
  });
});

describe('POST /v1/support/cancellations: verification (P12)', () => {
  const valid = () => acmeSupportBody();
  type Body = ReturnType<typeof valid>;
  const wrong: [string, (b: Body) => void][] = [
    ['the account', (b) => (b.accountId = 'acc_nope')],
    ["the billing admin's e-mail (no such user)", (b) => (b.verification.billingAdminEmail = 'nobody@acme.test')],
    [
      "the billing admin's e-mail (a user who is not a billing admin)",
      (b) => (b.verification.billingAdminEmail = 'pat@acme.test'),
    ],
    [
      "the billing admin's e-mail (another account's billing admin)",
      (b) => (b.verification.billingAdminEmail = 'bill@voxa.test'),
    ],
    ['the last four digits', (b) => (b.verification.paymentMethodLast4 = '4243')],
    ['the address line', (b) => (b.verification.billingAddress.line1 = '2 rue de la Paix')],
    ['the city', (b) => (b.verification.billingAddress.city = 'Lyon')],
    ['the postal code', (b) => (b.verification.billingAddress.postalCode = '75003')],
    ['the country', (b) => (b.verification.billingAddress.country = 'BE')],
    ['the requester (not a user of the account)', (b) => (b.requesterEmail = 'vera@voxa.test')],
    [
      'a product (a subscription of another account)',
      (b) => (b.subscriptionIds = ['sub_acme_webinar', 'sub_voxa_connect']),
    ],
    ['a product (no such subscription)', (b) => (b.subscriptionIds = ['sub_nope'])],
  ];

  // Each case starts with no failures recorded: eleven in a row would lock the account (P12, tested on its own
  // in verification-lockout.test.ts).
  beforeEach(() => tdb.db.verificationFailure.deleteMany());

  it.each(wrong)(
    'answers 422 verification_failed with the same message and no param when %s is wrong',
    async (_field, spoil) => {
      const body = valid();
      spoil(body);
      const res = await http().post('/v1/support/cancellations').set(bearer(T.supportAgent)).send(body);
      const error = expectError(res, 422, 'cancellation_refused', 'verification_failed');
      expect(error).toEqual({
        type: 'cancellation_refused',
        code: 'verification_failed',
        message: VERIFICATION_FAILED_MESSAGE,
      });
      expect(
        await tdb.db.cancellation.count({ where: { accountId: 'acc_acme', stage: 'awaiting_prerequisites' } }),
      ).toBe(0);
    },
  );
});

describe('health', () => {
  it('GET /healthz answers while the process is up', async () => {
    expect((await http().get('/healthz')).body).toEqual({ status: 'ok' });
  });

  it('GET /readyz answers 503 naming the unreachable dependency, and nothing more', async () => {
    const res = await http().get('/readyz');
    const error = expectError(res, 503, 'api_error', 'not_ready');
    expect(error.details).toEqual({ checks: { database: 'ok', temporal: 'unavailable' } });
    expect(res.headers['retry-after']).toBe('5');
  });
});

describe('api/main.ts, the process', () => {
  it('serves, and on SIGTERM finishes the request in flight, closes its keep-alive connections and exits 0', async () => {
    const root = path.resolve(__dirname, '..', '..');
    // One node process with tsx's loader: SIGTERM reaches the API itself, not the tsx CLI's relay.
    const child = spawn(process.execPath, ['--import', 'tsx', 'api/main.ts'], {
      cwd: root,
      env: {
        ...process.env,
        DATABASE_URL: tdb.url,
        PORT: '0',
        // Nothing listens there: /readyz stays in flight until its Temporal check gives up.
        TEMPORAL_ADDRESS: '127.0.0.1:1',
        LOG_LEVEL: 'debug',
      },
      stdio: ['ignore', 'pipe', 'inherit'],
    });
    const exited = new Promise<number | null>((resolve) => child.on('exit', (code) => resolve(code)));
    const waiters: { test: (l: LogLine) => boolean; resolve: (l: LogLine) => void }[] = [];
    createInterface({ input: child.stdout }).on('line', (text) => {
      const line = JSON.parse(text) as LogLine;
      for (const w of waiters.filter((w) => w.test(line))) w.resolve(line);
    });
    const logged = (test: (l: LogLine) => boolean) =>
      new Promise<LogLine>((resolve) => waiters.push({ test, resolve }));
    // A client that keeps connections open (65 s on the server's side) must not hold up the exit.
    const keepAlive = new Agent({ keepAlive: true });
    try {
      const listening = await logged((l) => l.msg === 'api listening');
      const url = `http://127.0.0.1:${listening.port as number}`;
      const warm = await Promise.all([1, 2].map(() => request(url).get('/healthz').agent(keepAlive)));
      expect(warm.map((r) => r.status)).toEqual([200, 200]);
      expect(Object.values(keepAlive.freeSockets).flat()).toHaveLength(2);

      const received = logged((l) => l.msg === 'request received' && (l.req as { url: string }).url === '/readyz');
      const inFlight = request(url).get('/readyz').agent(keepAlive);
      const answered = inFlight.then((res) => res);
      await received;
      child.kill('SIGTERM');
      const res = await answered;
      expect(expectError(res, 503, 'api_error', 'not_ready').details).toEqual({
        checks: { database: 'ok', temporal: 'unavailable' },
      });
      expect(res.headers.connection).toBe('close');
      // Exit 0 is the graceful path; the forced exit after the grace period would be 1.
      expect(await exited).toBe(0);
    } finally {
      keepAlive.destroy();
      if (child.exitCode === null) child.kill('SIGKILL');
    }
  }, 30_000);
});
