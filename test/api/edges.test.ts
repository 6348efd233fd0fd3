/**
 * API.md "Conventions" at the edges, without Temporal: bad input of any kind is a 400 in the error
 * shape (never a 5xx), ids match `^[A-Za-z0-9_-]{1,100}$` (malformed: 400; well-formed but unknown:
 * 404), checks run in the order 401, 400, 404, 403, and a method a path does not support is 405
 * with `Allow`. Each case here failed before the conformance fixes (the fuzz pass, `npm run
 * test:fuzz`, found some of them).
 */
import request from 'supertest';
import { parseFixture } from '../../db/fixtures';
import { buildDemoFixture, DEMO_TOKENS as T } from '../../scripts/demo-fixture';
import { acmeSupportBody, apiWithoutTemporal, bearer, expectError, type ApiWithoutTemporal } from './harness';

let app: ApiWithoutTemporal;

beforeAll(async () => {
  app = await apiWithoutTemporal('api_edges', buildDemoFixture());
});

afterAll(() => app?.stop());

afterEach(() => {
  // Nothing here reaches a workflow, and nothing is answered with a 5xx (each one is logged as an error).
  const touched = app.gateway.touched.filter((p) => p !== 'connection');
  const errors = app.logs.filter((line) => line.level >= 50);
  app.gateway.touched.length = 0;
  app.logs.length = 0;
  expect(touched).toEqual([]);
  expect(errors).toEqual([]);
});

const http = () => request(app.api.url);
const asAda = () => bearer(T.acmeBillingAdmin);
const asSam = () => bearer(T.supportAgent);

describe('malformed percent-encoding is a 400, never a 500', () => {
  it.each(['/v1/subscriptions/%E0%A4%A', '/v1/cancellations/%ZZ', '/v1/cancellations/%C0%80/withdraw'])(
    'GET or POST %s: 400 invalid_path',
    async (path) => {
      const res = path.endsWith('withdraw')
        ? await http().post(path).set(asAda())
        : await http().get(path).set(asAda());
      expectError(res, 400, 'invalid_request_error', 'invalid_path');
    },
  );

  it('checks the token first (401), as for every other 400', async () => {
    expectError(await http().get('/v1/subscriptions/%E0%A4%A'), 401, 'authentication_error', 'missing_token');
  });

  it('answers 400 outside /v1 too (the docs assets, an unknown path)', async () => {
    expectError(await http().get('/docs/assets/%E0%A4%A'), 400, 'invalid_request_error', 'invalid_path');
    expectError(await http().get('/nothing/%FF'), 400, 'invalid_request_error', 'invalid_path');
  });

  it('refuses a malformed query value as a bad parameter', async () => {
    const res = await http().get('/v1/cancellations?startingAfter=%E0%A4%A').set(asAda());
    expect(expectError(res, 400, 'invalid_request_error', 'invalid_query').param).toBe('startingAfter');
  });
});

describe('control characters (C0 except TAB, LF and CR; DEL) are refused in every string', () => {
  it.each([
    ['NUL', '\u0000'],
    ['ESC', '\u001b'],
    ['vertical tab', '\u000b'],
    ['DEL', '\u007f'],
  ])('refuses a %s in reason.comment with 400 naming the field', async (_name, char) => {
    const res = await http()
      .post('/v1/cancellations')
      .set(asAda())
      .send({ subscriptionId: 'sub_acme_meeting', reason: { code: 'other', comment: `before${char}after` } });
    const error = expectError(res, 400, 'invalid_request_error', 'invalid_body');
    expect(error.param).toBe('reason.comment');
    expect(error.message).toContain('control characters');
  });

  it('accepts TAB, LF and CR (the request then goes on: an unknown subscription is a 404)', async () => {
    const res = await http()
      .post('/v1/cancellations')
      .set(asAda())
      .send({ subscriptionId: 'sub_unknown', reason: { code: 'other', comment: 'line 1\r\nline\t2\n' } });
    expectError(res, 404, 'not_found', 'resource_missing');
  });

  it('counts lengths in characters, as the document does: 1000 emoji pass, 1001 do not', async () => {
    const send = (comment: string) =>
      http()
        .post('/v1/cancellations')
        .set(asAda())
        .send({ subscriptionId: 'sub_unknown', reason: { code: 'other', comment } });
    expectError(await send('😀'.repeat(1000)), 404, 'not_found');
    expect(expectError(await send('😀'.repeat(1001)), 400, 'invalid_request_error').param).toBe('reason.comment');
  });

  it('refuses them in nested support fields and in e-mails', async () => {
    const address = { line1: '1 rue de la Paix', city: 'Par\u0000is', postalCode: '75002', country: 'FR' };
    const city = await http()
      .post('/v1/support/cancellations')
      .set(asSam())
      .send(acmeSupportBody({ verification: { ...acmeSupportBody().verification, billingAddress: address } }));
    expect(expectError(city, 400, 'invalid_request_error', 'invalid_body').param).toBe(
      'verification.billingAddress.city',
    );
    const email = await http()
      .post('/v1/support/cancellations')
      .set(asSam())
      .send(acmeSupportBody({ requesterEmail: 'ada\u0007@acme.test' }));
    expect(expectError(email, 400, 'invalid_request_error', 'invalid_body').param).toBe('requesterEmail');
  });

  it('refuses a location of spaces (any Unicode space) or with a control character, before any lookup', async () => {
    for (const location of ['   ', '\u3000\t\u00a0', 's3://bucket\u0000/x']) {
      const res = await http().post('/v1/cancellations/can_unknown/data-backup').set(asAda()).send({ location });
      expect(expectError(res, 400, 'invalid_request_error', 'invalid_body').param).toBe('location');
    }
    const fine = await http()
      .post('/v1/cancellations/can_unknown/data-backup')
      .set(asAda())
      .send({ location: '  s3://bucket/x  ' });
    expectError(fine, 404, 'not_found');
  });

  it('refuses them in query values', async () => {
    const res = await http().get('/v1/cancellations?subscriptionId=sub%00x').set(asAda());
    expect(expectError(res, 400, 'invalid_request_error', 'invalid_query').param).toBe('subscriptionId');
  });
});

describe('ids: ^[A-Za-z0-9_-]{1,100}$ (malformed 400, well-formed but unknown 404)', () => {
  it.each(['sub.acme', 'sub%20acme', 'sub~x', 'é', 'a'.repeat(101)])('GET /v1/subscriptions/%s: 400', async (id) => {
    const res = await http().get(`/v1/subscriptions/${id}`).set(asAda());
    expect(expectError(res, 400, 'invalid_request_error', 'invalid_path').param).toBe('id');
  });

  it.each(['sub_unknown', 'A-b_9', 'a'.repeat(100)])('GET /v1/subscriptions/%s: 404', async (id) => {
    expectError(await http().get(`/v1/subscriptions/${id}`).set(asAda()), 404, 'not_found', 'resource_missing');
  });

  it('applies to body ids, arrays of ids and query ids alike', async () => {
    const body = await http().post('/v1/cancellations').set(asAda()).send({ subscriptionId: 'sub acme' });
    expect(expectError(body, 400, 'invalid_request_error', 'invalid_body').param).toBe('subscriptionId');
    expectError(
      await http().post('/v1/cancellations').set(asAda()).send({ subscriptionId: 'sub_unknown' }),
      404,
      'not_found',
    );

    const ids = await http()
      .post('/v1/support/cancellations')
      .set(asSam())
      .send(acmeSupportBody({ subscriptionIds: ['sub_acme_webinar', 'sub/meeting'] }));
    expect(expectError(ids, 400, 'invalid_request_error', 'invalid_body').param).toBe('subscriptionIds.1');
    const account = await http()
      .post('/v1/support/cancellations')
      .set(asSam())
      .send(acmeSupportBody({ accountId: 'acc:acme' }));
    expect(expectError(account, 400, 'invalid_request_error', 'invalid_body').param).toBe('accountId');

    const query = await http().get('/v1/cancellations?accountId=acc!acme').set(asSam());
    expect(expectError(query, 400, 'invalid_request_error', 'invalid_query').param).toBe('accountId');
  });

  it('tells a malformed startingAfter (invalid_query) from a well-formed unknown one (invalid_cursor)', async () => {
    const malformed = await http().get('/v1/cancellations?startingAfter=can%20x').set(asAda());
    expect(expectError(malformed, 400, 'invalid_request_error', 'invalid_query').param).toBe('startingAfter');
    const unknown = await http().get('/v1/cancellations?startingAfter=can_unknown').set(asAda());
    expect(expectError(unknown, 400, 'invalid_request_error', 'invalid_cursor').param).toBe('startingAfter');
  });

  it('is enforced by the fixture loader too, naming the path', () => {
    const fixture = buildDemoFixture();
    fixture.accounts![1].subscriptions![0].id = 'sub voxa';
    expect(() => parseFixture(fixture)).toThrow(/accounts\[1\]\.subscriptions\[0\]\.id: expected an id of 1 to 100/);
    const again = buildDemoFixture();
    again.supportAgents![0].id = 'a'.repeat(101);
    expect(() => parseFixture(again)).toThrow(/supportAgents\[0\]\.id: expected an id/);
  });
});

describe('405 for a method the path does not support, with Allow', () => {
  it.each([
    ['delete', '/v1/cancellations', 'GET, HEAD, POST'],
    ['put', '/v1/subscriptions/sub_acme_webinar', 'GET, HEAD'],
    ['get', '/v1/cancellations/can_x/withdraw', 'POST'],
    ['patch', '/v1/support/cancellations', 'POST'],
    ['post', '/healthz', 'GET, HEAD'],
  ] as const)('%s %s: 405 method_not_allowed, Allow: %s', async (method, path, allow) => {
    const res = await http()[method](path).set(asAda());
    expectError(res, 405, 'invalid_request_error', 'method_not_allowed');
    expect(res.headers.allow).toBe(allow);
  });

  it('answers 405 before asking for a token, and OPTIONS with 204 and the same Allow', async () => {
    const res = await http().delete('/v1/cancellations/can_x');
    expectError(res, 405, 'invalid_request_error', 'method_not_allowed');
    expect(res.headers.allow).toBe('GET, HEAD');
    const options = await http().options('/v1/cancellations');
    expect(options.status).toBe(204);
    expect(options.headers.allow).toBe('GET, HEAD, POST');
  });

  it('keeps 404 unknown_route for an unknown path, whatever the method', async () => {
    expectError(await http().delete('/v1/nothing-here').set(asAda()), 404, 'not_found', 'unknown_route');
    expectError(await http().get('/v1/cancellations/can_x/nothing').set(asAda()), 404, 'not_found', 'unknown_route');
  });
});

describe('check order (API.md): 401, then 400 (syntax and schema), then 404, then 403', () => {
  it('answers 401 before looking at the JSON or the path', async () => {
    const json = await http().post('/v1/cancellations').set('Content-Type', 'application/json').send('{"subscr');
    expectError(json, 401, 'authentication_error', 'missing_token');
    expectError(await http().get('/v1/subscriptions/bad.id'), 401, 'authentication_error');
  });

  it('answers a support agent 400, not 403, for a malformed body on a user-only route', async () => {
    const malformed = await http().post('/v1/cancellations').set(asSam()).send({ subscriptionId: 7 });
    expect(expectError(malformed, 400, 'invalid_request_error', 'invalid_body').param).toBe('subscriptionId');
    const json = await http().post('/v1/cancellations').set(asSam()).set('Content-Type', 'application/json').send('{');
    expectError(json, 400, 'invalid_request_error', 'invalid_json');
    const wellFormed = await http().post('/v1/cancellations').set(asSam()).send({ subscriptionId: 'sub_acme_meeting' });
    expectError(wellFormed, 403, 'permission_error', 'permission_denied');
  });

  it('answers a customer 400 for a malformed body on the support route, 403 for a well-formed one', async () => {
    const malformed = await http().post('/v1/support/cancellations').set(asAda()).send({});
    expectError(malformed, 400, 'invalid_request_error', 'invalid_body');
    expectError(
      await http().post('/v1/support/cancellations').set(asAda()).send(acmeSupportBody()),
      403,
      'permission_error',
      'permission_denied',
    );
  });

  it('checks the Idempotency-Key syntax (400) before the kind of caller (403)', async () => {
    const res = await http()
      .post('/v1/cancellations')
      .set({ ...asSam(), 'Idempotency-Key': 'k'.repeat(256) })
      .send({ subscriptionId: 'sub_acme_meeting' });
    expect(expectError(res, 400, 'invalid_request_error', 'invalid_idempotency_key').param).toBe('Idempotency-Key');
  });
});
