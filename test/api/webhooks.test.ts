/**
 * API.md v1.2, webhook endpoints: who may manage them, what URLs are refused at creation, the secret shown
 * once and stored sealed (the endpoint's and the Idempotency-Key's stored answer alike), list, rotate, delete.
 * Real HTTP and database; no Temporal (these endpoints never reach for a workflow).
 */
import request from 'supertest';
import { webhookSecretKey } from '../../config';
import { loadFixture, parseFixture } from '../../db/fixtures';
import { createSecretBox } from '../../outbound/webhooks/secret-box';
import { createTestDatabase, type TestDatabase } from '../helpers/db';
import { listen, memoryLogger, noTemporalGateway, type RunningApi } from './harness';

const T = {
  superAdmin: 'webhooks-test-super-admin',
  billingAdmin: 'webhooks-test-billing-admin',
  productAdmin: 'webhooks-test-product-admin',
  otherAccount: 'webhooks-test-other-account',
  support: 'webhooks-test-support-agent',
};
const address = { line1: '1 rue des Crochets', city: 'Paris', postalCode: '75001', country: 'FR' };
const secretBox = createSecretBox(webhookSecretKey({}));
const log = memoryLogger();
let tdb: TestDatabase;
let strict: RunningApi;
let relaxed: RunningApi;

beforeAll(async () => {
  tdb = await createTestDatabase('webhooks-api');
  await loadFixture(
    tdb.db,
    parseFixture({
      accounts: [
        {
          id: 'acc_hooks',
          name: 'Hooks',
          paymentMethod: { last4: '4242', billingAddress: address },
          users: [
            { id: 'usr_hooks_super', email: 'super@hooks.test', roles: ['super_admin'], token: T.superAdmin },
            { id: 'usr_hooks_billing', email: 'billing@hooks.test', roles: ['billing_admin'], token: T.billingAdmin },
            { id: 'usr_hooks_product', email: 'product@hooks.test', roles: ['product_admin'], token: T.productAdmin },
          ],
        },
        {
          id: 'acc_other',
          name: 'Other',
          paymentMethod: { last4: '1111', billingAddress: address },
          users: [{ id: 'usr_other', email: 'admin@other.test', roles: ['super_admin'], token: T.otherAccount }],
        },
      ],
      supportAgents: [{ id: 'agt_hooks', email: 'agent@support.test', token: T.support }],
    }),
  );
  const deps = { db: tdb.db, workflows: noTemporalGateway(), logger: log.logger };
  strict = await listen({ ...deps, webhooks: { secretBox, allowPrivate: false } });
  relaxed = await listen({ ...deps, webhooks: { secretBox, allowPrivate: true } });
});

afterAll(async () => {
  await strict?.close();
  await relaxed?.close();
  await tdb?.drop();
});

const create = (api: RunningApi, token: string, body: unknown, key?: string) => {
  const req = request(api.url).post('/v1/webhook-endpoints').set('Authorization', `Bearer ${token}`);
  return (key ? req.set('Idempotency-Key', key) : req).send(body as object);
};
const events = ['cancellation.scheduled', 'cancellation.completed'];

describe('POST /v1/webhook-endpoints', () => {
  it.each([
    ['http://93.184.216.34/hook', /https/],
    ['https://127.0.0.1/hook', /private|loopback/],
    ['https://[::1]/hook', /private|loopback/],
    ['https://10.0.0.8/hook', /private|loopback/],
    ['https://169.254.169.254/latest/meta-data', /private|loopback|link-local/],
    ['https://localhost/hook', /private|loopback/],
    ['ftp://93.184.216.34/hook', /https/],
    ['not a url', /url/],
  ])('refuses %s with 400 invalid_url, naming the param', async (url, message) => {
    const res = await create(strict, T.billingAdmin, { url, events });
    expect(res.status).toBe(400);
    expect(res.body.error).toMatchObject({ type: 'invalid_request_error', code: 'invalid_url', param: 'url' });
    expect(res.body.error.message).toMatch(message);
  });

  it('refuses an unknown event type, an empty list and a repeated one with 400', async () => {
    for (const bad of [['cancellation.exploded'], [], ['cancellation.scheduled', 'cancellation.scheduled']]) {
      const res = await create(strict, T.billingAdmin, { url: 'https://93.184.216.34/hook', events: bad });
      expect(res.status).toBe(400);
      expect(res.body.error.param).toMatch(/^events/);
    }
  });

  it('lets a super admin and a billing admin create one; a product admin gets 403 role_not_permitted, support 403', async () => {
    for (const token of [T.superAdmin, T.billingAdmin]) {
      const res = await create(strict, token, { url: 'https://93.184.216.34/hook', events });
      expect(res.status).toBe(201);
      expect(res.body).toMatchObject({
        url: 'https://93.184.216.34/hook',
        events,
        status: 'enabled',
        description: null,
      });
      expect(res.body.secret).toMatch(/^whsec_[A-Za-z0-9+/=]{20,}$/);
    }
    const product = await create(strict, T.productAdmin, { url: 'https://93.184.216.34/hook', events });
    expect(product.status).toBe(403);
    expect(product.body.error).toMatchObject({ type: 'permission_error', code: 'role_not_permitted' });
    const support = await create(strict, T.support, { url: 'https://93.184.216.34/hook', events });
    expect(support.status).toBe(403);
  });

  it('allows http:// and loopback addresses only where WEBHOOK_ALLOW_PRIVATE is set', async () => {
    const res = await create(relaxed, T.billingAdmin, { url: 'http://127.0.0.1:4000/hook', events });
    expect(res.status).toBe(201);
  });

  it('stores the secret sealed, never in clear, nor in the stored answer an Idempotency-Key replays', async () => {
    const body = { url: 'https://93.184.216.34/replayed', events, description: 'CRM' };
    const first = await create(strict, T.billingAdmin, body, 'create-hook-1');
    const replay = await create(strict, T.billingAdmin, body, 'create-hook-1');
    expect(first.status).toBe(201);
    expect(replay.status).toBe(201);
    expect(replay.headers['idempotent-replayed']).toBe('true');
    expect(replay.body).toEqual(first.body);
    const secret = first.body.secret as string;
    const row = await tdb.db.webhookEndpoint.findUniqueOrThrow({ where: { id: first.body.id as string } });
    expect(row.secretSealed).not.toContain(secret.slice(6));
    expect(secretBox.open(row.secretSealed)).toBe(secret);
    const stored = await tdb.db.idempotencyRecord.findMany({ where: { key: 'create-hook-1' } });
    expect(stored).toHaveLength(1);
    expect(stored[0].responseBody).not.toContain(secret.slice(6));
    expect(JSON.stringify(log.lines)).not.toContain(secret.slice(6));
  });
});

describe('list, rotate, delete', () => {
  it("lists the account's endpoints without secrets; another account sees none of them and gets 404 on each", async () => {
    const created = await create(strict, T.superAdmin, { url: 'https://93.184.216.34/listed', events });
    const id = created.body.id as string;
    const list = await request(strict.url).get('/v1/webhook-endpoints').set('Authorization', `Bearer ${T.superAdmin}`);
    expect(list.status).toBe(200);
    expect(list.body.data.map((e: { id: string }) => e.id)).toContain(id);
    expect(JSON.stringify(list.body)).not.toContain('whsec_');
    const other = await request(strict.url)
      .get('/v1/webhook-endpoints')
      .set('Authorization', `Bearer ${T.otherAccount}`);
    expect(other.body.data).toEqual([]);
    for (const req of [
      request(strict.url).delete(`/v1/webhook-endpoints/${id}`),
      request(strict.url).post(`/v1/webhook-endpoints/${id}/rotate-secret`),
      request(strict.url).get(`/v1/webhook-endpoints/${id}/deliveries`),
    ]) {
      const res = await req.set('Authorization', `Bearer ${T.otherAccount}`);
      expect(res.status).toBe(404);
    }
  });

  it('rotates: a new secret shown once, the old one kept sealed for 24 hours', async () => {
    const created = await create(strict, T.billingAdmin, { url: 'https://93.184.216.34/rotated', events });
    const id = created.body.id as string;
    const before = Date.now();
    const rotated = await request(strict.url)
      .post(`/v1/webhook-endpoints/${id}/rotate-secret`)
      .set('Authorization', `Bearer ${T.billingAdmin}`);
    expect(rotated.status).toBe(200);
    expect(rotated.body.secret).not.toBe(created.body.secret);
    const row = await tdb.db.webhookEndpoint.findUniqueOrThrow({ where: { id } });
    expect(secretBox.open(row.secretSealed)).toBe(rotated.body.secret);
    expect(secretBox.open(row.previousSecretSealed!)).toBe(created.body.secret);
    const overlap = row.previousSecretExpiresAt!.getTime() - before;
    expect(overlap).toBeGreaterThan(24 * 3_600_000 - 60_000);
    expect(overlap).toBeLessThanOrEqual(24 * 3_600_000 + 60_000);
  });

  it('deletes with 204, then answers 404; DELETE is listed in Allow', async () => {
    const created = await create(strict, T.billingAdmin, { url: 'https://93.184.216.34/deleted', events });
    const id = created.body.id as string;
    const del = () =>
      request(strict.url).delete(`/v1/webhook-endpoints/${id}`).set('Authorization', `Bearer ${T.billingAdmin}`);
    const first = await del();
    expect(first.status).toBe(204);
    expect(first.text).toBe('');
    expect((await del()).status).toBe(404);
    const put = await request(strict.url)
      .put(`/v1/webhook-endpoints/${id}`)
      .set('Authorization', `Bearer ${T.billingAdmin}`);
    expect(put.status).toBe(405);
    expect(put.headers.allow).toBe('DELETE');
  });
});
