/**
 * GET /openapi.json is generated from the zod schemas the routes validate with, and GET /docs renders
 * it from local assets. No database rows and no Temporal are needed here.
 */
import request from 'supertest';
import type { Express } from 'express';
import { createApp } from '../../api/app';
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
  const found: string[] = [];
  const walk = (stack: Layer[]) => {
    for (const layer of stack) {
      if (layer.route) {
        for (const [method, on] of Object.entries(layer.route.methods))
          if (on) found.push(`${method.toUpperCase()} ${layer.route.path}`);
      } else if (layer.handle?.stack) walk(layer.handle.stack);
    }
  };
  walk((app as unknown as { router: { stack: Layer[] } }).router.stack);
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
    const onApp = registered.filter((r) => r !== 'GET /metrics');
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
      ].sort(),
    );
  });

  it('is an OpenAPI 3.1 document whose every $ref resolves', () => {
    expect(doc.openapi).toBe('3.1.0');
    const refs = [...JSON.stringify(doc).matchAll(/"\$ref":"([^"]+)"/g)].map((m) => m[1]);
    expect(refs.length).toBeGreaterThan(20);
    for (const ref of refs) expect(() => resolve(ref)).not.toThrow();
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
    expect(Object.keys(create).sort()).toEqual(['201', '400', '401', '403', '404', '409', '413', '422', '500', '503']);
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
