/**
 * GET /openapi.json is generated from the zod schemas the routes validate with, and GET /docs renders
 * it from local assets. No database rows and no Temporal are needed here.
 */
import request from 'supertest';
import type { Express } from 'express';
import { createApp } from '../../api/app';
import type { Services } from '../../api/services/context';
import { portalRouter } from '../../portal/routes';
import { createApiMetrics } from '../../api/metrics';
import { ErrorTypes } from '../../api/errors';
import { ReasonCodes } from '../../domain/types';
import { createTestDatabase, type TestDatabase } from '../helpers/db';
import { memoryLogger, noTemporalGateway } from './harness';

type Doc = {
  openapi: string;
  paths: Record<string, Record<string, Operation>>;
  components: { schemas: Record<string, Schema> };
};
type Schema = Record<string, unknown> & { properties?: Record<string, Schema>; required?: string[] };
type Operation = {
  parameters?: { name: string; in: string; required: boolean; schema: Schema }[];
  requestBody?: { required: boolean; content: Record<string, { schema: { $ref: string } }> };
  responses: Record<string, { content?: Record<string, { schema: Schema }> }>;
  security: unknown[];
};

interface Layer {
  route?: { path: string; methods: Record<string, boolean> };
  handle?: { stack?: Layer[] };
}

/** Every route registered on the app, walking the Express router stack (mounted routers included). */
function registeredRoutes(app: Express): string[] {
  return routesOf((app as unknown as { router: { stack: Layer[] } }).router.stack);
}

function routesOf(routerStack: Layer[]): string[] {
  const found: string[] = [];
  const walk = (stack: Layer[]) => {
    for (const layer of stack) {
      if (layer.route) {
        // `_all`: the 405 answer for the methods a path does not support (api/routing.ts).
        for (const [method, on] of Object.entries(layer.route.methods))
          if (on && method !== '_all') found.push(`${method.toUpperCase()} ${layer.route.path}`);
      } else if (layer.handle?.stack) walk(layer.handle.stack);
    }
  };
  walk(routerStack);
  return found.sort();
}

let tdb: TestDatabase;
let app: Express;
let doc: Doc;

beforeAll(async () => {
  tdb = await createTestDatabase('api_openapi');
  const { logger } = memoryLogger();
  app = createApp({
    db: tdb.db,
    workflows: noTemporalGateway(),
    logger,
    validateResponses: true,
    // As api/main.ts wires it: GET /metrics is on the app, but not in the document.
    instrumentation: createApiMetrics({ db: tdb.db, logger }).instrumentation,
  });
  const res = await request(app).get('/openapi.json');
  expect(res.status).toBe(200);
  doc = res.body as Doc;
});

afterAll(async () => {
  await tdb?.drop();
});

const resolve = (ref: string): Schema => {
  const id = ref.replace('#/components/schemas/', '');
  const schema = doc.components.schemas[id];
  if (!schema) throw new Error(`${ref} does not resolve`);
  return schema;
};

describe('GET /openapi.json', () => {
  it('lists every route of the app, and every route it lists exists (issue 5: spec and routes agree)', () => {
    const inSpec = Object.entries(doc.paths)
      .flatMap(([path, ops]) => Object.keys(ops).map((m) => `${m.toUpperCase()} ${path.replace(/\{(\w+)\}/g, ':$1')}`))
      .sort();
    // API.md: /metrics is for operators and not part of the spec.
    const registered = registeredRoutes(app);
    expect(registered).toContain('GET /metrics');
    // The portal's HTML pages (a router mounted at /portal, issue 15) are not API operations.
    expect(registered).toContain('GET /login/:token');
    const portalPages = routesOf(portalRouter({} as Services).stack as unknown as Layer[]);
    const onApp = registered.filter((r) => r !== 'GET /metrics' && !portalPages.includes(r));
    expect(onApp.length).toBeGreaterThan(0);
    expect(inSpec).toEqual(onApp);
  });

  it('describes exactly the endpoints of API.md', () => {
    const endpoints = Object.entries(doc.paths).flatMap(([path, ops]) =>
      Object.keys(ops).map((m) => `${m.toUpperCase()} ${path}`),
    );
    expect(endpoints.sort()).toEqual(
      [
        'GET /v1/subscriptions/{id}',
        'GET /v1/subscriptions/{id}/cancellation-preview',
        'POST /v1/cancellations',
        'GET /v1/cancellations/{id}',
        'GET /v1/cancellations',
        'POST /v1/cancellations/{id}/data-backup',
        'POST /v1/subscriptions/{id}/licenses/unassign-all',
        'POST /v1/cancellations/{id}/withdraw',
        'GET /v1/accounts/{id}/products',
        'GET /v1/accounts/{id}/notifications',
        'POST /v1/support/cancellations',
        'GET /healthz',
        'GET /readyz',
        'GET /openapi.json',
        'GET /docs',
        // v1.2: webhook endpoints and deliveries
        'POST /v1/webhook-endpoints',
        'GET /v1/webhook-endpoints',
        'DELETE /v1/webhook-endpoints/{id}',
        'POST /v1/webhook-endpoints/{id}/rotate-secret',
        'GET /v1/webhook-endpoints/{id}/deliveries',
        'POST /v1/webhook-deliveries/{id}/retry',
        // v1.2: portal sessions
        'POST /v1/portal-sessions',
      ].sort(),
    );
  });

  it('is an OpenAPI 3.1 document whose every $ref resolves', () => {
    expect(doc.openapi).toBe('3.1.0');
    const refs = [...JSON.stringify(doc).matchAll(/"\$ref":"([^"]+)"/g)].map((m) => m[1]);
    expect(refs.length).toBeGreaterThan(20);
    for (const ref of refs) expect(() => resolve(ref)).not.toThrow();
  });

  it('describes a webhook endpoint as strictly as it is validated: a URI, each event type once (v1.2)', () => {
    const op = doc.paths['/v1/webhook-endpoints'].post;
    const body = resolve(op.requestBody!.content['application/json'].schema.$ref);
    expect(body).toMatchObject({ required: ['url', 'events'], additionalProperties: false });
    expect(body.properties!.url).toMatchObject({ type: 'string', format: 'uri', maxLength: 2048 });
    expect(body.properties!.events).toMatchObject({ type: 'array', minItems: 1, maxItems: 7, uniqueItems: true });
    expect(doc.paths['/v1/webhook-endpoints/{id}'].delete.responses['204']).toBeDefined();
  });

  it('describes request bodies from the zod schemas the routes validate with (unknown fields refused)', () => {
    const op = doc.paths['/v1/cancellations'].post;
    const body = resolve(op.requestBody!.content['application/json'].schema.$ref);
    expect(op.requestBody!.required).toBe(true);
    expect(body).toMatchObject({ type: 'object', required: ['subscriptionId'], additionalProperties: false });
    const reason = resolve((body.properties!.reason as { $ref: string }).$ref);
    expect(reason.properties!.code).toMatchObject({ enum: [...ReasonCodes] });
    expect(reason.properties!.comment).toMatchObject({ maxLength: 1000 });
    expect(doc.paths['/v1/cancellations/{id}/withdraw'].post.requestBody!.required).toBe(false);
  });

  it('documents the one error shape with the error types of API.md on every operation', () => {
    const error = resolve('#/components/schemas/Error');
    const inner = error.properties!.error;
    expect(inner.required).toEqual(['type', 'code', 'message']);
    expect(inner.properties!.type).toMatchObject({ enum: Object.keys(ErrorTypes) });
    for (const ops of Object.values(doc.paths)) {
      for (const op of Object.values(ops)) {
        expect(op.responses['500'].content!['application/json'].schema).toEqual({ $ref: '#/components/schemas/Error' });
      }
    }
    const create = doc.paths['/v1/cancellations'].post.responses;
    expect(Object.keys(create).sort()).toEqual([
      '201',
      '400',
      '401',
      '403',
      '404',
      '409',
      '413',
      '415',
      '422',
      '500',
      '503',
    ]);
  });

  it('declares every status each operation can answer (API.md: 400, 401, 404, 409, 422, 429, 503 included)', () => {
    const statuses = (path: string, method: string) => Object.keys(doc.paths[path][method].responses).sort();
    for (const [path, ops] of Object.entries(doc.paths)) {
      for (const [method, op] of Object.entries(ops)) {
        const declared = Object.keys(op.responses);
        // Every /v1 route reads the database and may find it (or Temporal) unavailable; so does /readyz.
        if (path.startsWith('/v1/') || path === '/readyz') expect(declared).toContain('503');
        if (op.security.length) expect(declared).toEqual(expect.arrayContaining(['401', '403']));
        if (op.parameters?.some((p) => p.in === 'path'))
          expect(declared).toEqual(expect.arrayContaining(['400', '404']));
        if (op.parameters?.some((p) => p.in === 'query')) expect(declared).toContain('400');
        // JSON syntax, the body's schema, Idempotency-Key (400, 409 in use, 422 reused), body size and encoding.
        // POST /v1/portal-sessions is never replayed (its answer holds a secret): no 409 or 422 of a key.
        const keyed = path !== '/v1/portal-sessions' ? ['409', '422'] : [];
        if (method === 'post') expect(declared).toEqual(expect.arrayContaining(['400', '413', '415', ...keyed]));
      }
    }
    expect(statuses('/v1/support/cancellations', 'post')).toContain('429');
    expect(statuses('/v1/cancellations', 'get')).toEqual(['200', '400', '401', '403', '404', '500', '503']);
    expect(statuses('/healthz', 'get')).toEqual(['200', '500']);
  });

  it('names the codes behind the statuses: invalid_cursor, idempotency_key_reused, cancellation_refused, Retry-After', () => {
    type Response = { description: string; headers?: Record<string, { required: boolean; schema: Schema }> };
    const response = (path: string, method: string, status: string) =>
      doc.paths[path][method].responses[status] as unknown as Response;
    expect(response('/v1/cancellations', 'get', '400').description).toContain('invalid_cursor');
    expect(response('/v1/accounts/{id}/notifications', 'get', '400').description).toContain('invalid_cursor');
    expect(response('/v1/subscriptions/{id}', 'get', '400').description).not.toContain('invalid_cursor');
    expect(response('/v1/cancellations', 'post', '422').description).toMatch(
      /cancellation_refused.*idempotency_key_reused/,
    );
    expect(response('/v1/cancellations/{id}/withdraw', 'post', '422').description).toContain('idempotency_key_reused');
    expect(response('/v1/cancellations/{id}/withdraw', 'post', '409').description).toContain('idempotency_key_in_use');
    for (const [path, method, status] of [
      ['/v1/support/cancellations', 'post', '429'],
      ['/v1/cancellations', 'post', '503'],
      ['/readyz', 'get', '503'],
    ]) {
      expect(response(path, method, status).headers?.['Retry-After']).toMatchObject({
        required: true,
        schema: { type: 'integer' },
      });
    }
    expect(response('/v1/cancellations', 'get', '401').headers?.['WWW-Authenticate']).toMatchObject({ required: true });
  });

  it('has schemas as strict as the validation: id patterns, no control characters, a location of spaces refused', () => {
    const pattern = (schema: Schema) => new RegExp(schema.pattern as string, 'u');
    const ID = '^[A-Za-z0-9_-]{1,100}$';
    for (const ops of Object.values(doc.paths))
      for (const op of Object.values(ops))
        for (const p of op.parameters ?? [])
          if (p.name === 'id' || /Id$|^startingAfter$/.test(p.name)) expect(p.schema.pattern).toBe(ID);
    const create = resolve('#/components/schemas/CreateCancellationRequest');
    expect(create.properties!.subscriptionId.pattern).toBe(ID);
    const support = resolve('#/components/schemas/SupportCancellationRequest');
    expect(support.properties!.accountId.pattern).toBe(ID);
    expect(support.properties!.subscriptionIds).toMatchObject({ items: { pattern: ID }, uniqueItems: true });

    const location = resolve('#/components/schemas/DataBackupRequest').properties!.location;
    expect(location).toMatchObject({ type: 'string', maxLength: 1000 });
    for (const refused of ['', '   ', '\t\u3000\u00a0', 's3://x\u0000', '\u007f'])
      expect(pattern(location).test(refused)).toBe(false);
    for (const accepted of ['s3://acme/backups', ' x ', 'é']) expect(pattern(location).test(accepted)).toBe(true);
    const comment = resolve('#/components/schemas/ReasonInput').properties!.comment;
    expect(pattern(comment).test('line 1\r\nline\t2')).toBe(true);
    for (const refused of ['\u0000', 'a\u001bb', '\u000b', '\u007f'])
      expect(pattern(comment).test(refused)).toBe(false);

    // Every string a request may carry has a pattern, an enum or a format that keeps control characters out.
    const strings: [string, Schema][] = [];
    const walk = (where: string, schema: Schema | undefined) => {
      if (!schema) return;
      if (schema.$ref) return walk(where, resolve(schema.$ref as string));
      if (schema.type === 'string') strings.push([where, schema]);
      for (const [name, property] of Object.entries(schema.properties ?? {})) walk(`${where}.${name}`, property);
      if (schema.items) walk(`${where}[]`, schema.items as Schema);
      for (const option of (schema.anyOf as Schema[] | undefined) ?? []) walk(where, option);
    };
    for (const [path, ops] of Object.entries(doc.paths))
      for (const [method, op] of Object.entries(ops)) {
        for (const p of op.parameters ?? []) walk(`${method} ${path} ${p.name}`, p.schema);
        walk(`${method} ${path} body`, op.requestBody?.content['application/json'].schema);
      }
    expect(strings.length).toBeGreaterThan(15);
    for (const [where, schema] of strings) {
      expect([where, Boolean(schema.pattern || schema.enum)]).toEqual([where, true]);
      if (schema.pattern) expect([where, pattern(schema).test('a\u0000')]).toEqual([where, false]);
    }
  });

  it('documents the response objects of API.md (Subscription, Cancellation, lists)', () => {
    const sub = resolve('#/components/schemas/Subscription');
    expect(Object.keys(sub.properties!)).toEqual([
      'id',
      'accountId',
      'product',
      'purchaseChannel',
      'billing',
      'currentPeriodStart',
      'currentPeriodEnd',
      'contractEnd',
      'monthlyPriceCents',
      'currency',
      'autoRenew',
      'onlineCancellable',
      'status',
      'licenses',
    ]);
    const cancellation = resolve('#/components/schemas/Cancellation');
    expect(cancellation.properties!.stage).toMatchObject({
      enum: ['awaiting_prerequisites', 'scheduled', 'deactivating', 'completed', 'withdrawn', 'failed'],
    });
    expect(resolve('#/components/schemas/CancellationList').required).toEqual(['data', 'hasMore']);
  });

  it('documents Idempotency-Key (at most 255 characters) on every POST, and bearer auth', () => {
    for (const ops of Object.values(doc.paths)) {
      for (const [method, op] of Object.entries(ops)) {
        const header = op.parameters?.find((p) => p.in === 'header' && p.name === 'Idempotency-Key');
        if (method === 'post') expect(header?.schema).toMatchObject({ type: 'string', maxLength: 255 });
        else expect(header).toBeUndefined();
      }
    }
    expect(doc.paths['/v1/cancellations'].post.security).toEqual([{ bearerAuth: [] }]);
    expect(doc.paths['/healthz'].get.security).toEqual([]);
  });

  it('documents the list parameters: limit 1–100 (default 20), startingAfter, and the filters', () => {
    const params = doc.paths['/v1/cancellations'].get.parameters!;
    const byName = Object.fromEntries(params.map((p) => [p.name, p]));
    expect(Object.keys(byName).sort()).toEqual(['accountId', 'limit', 'stage', 'startingAfter', 'subscriptionId']);
    expect(byName.limit).toMatchObject({
      in: 'query',
      required: false,
      schema: { type: 'integer', minimum: 1, maximum: 100, default: 20 },
    });
    expect(byName.startingAfter.required).toBe(false);
  });
});

describe('GET /docs', () => {
  it('renders Swagger UI for /openapi.json from assets served by the API itself (no CDN)', async () => {
    const page = await request(app).get('/docs');
    expect(page.status).toBe(200);
    expect(page.headers['content-type']).toMatch(/text\/html/);
    const sources = [...page.text.matchAll(/(?:src|href)="([^"]+)"/g)].map((m) => m[1]);
    expect(sources.length).toBeGreaterThanOrEqual(3);
    for (const src of sources) {
      expect(src).toMatch(/^\/docs\/assets\//);
      const asset = await request(app).get(src);
      expect(asset.status).toBe(200);
    }
    const init = await request(app).get('/docs/assets/swagger-initializer.js');
    expect(init.text).toContain("url: '/openapi.json'");
    // The page needs no inline script, so helmet's Content-Security-Policy holds.
    expect(page.text).not.toMatch(/<script>[^<]/);
    expect(page.headers['content-security-policy']).toContain("script-src 'self'");
  });
});
