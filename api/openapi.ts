import { z } from 'zod';
import type { AnyRoute } from './routing';
import { IdempotencyKeyHeader, IDEMPOTENCY_HEADER } from './idempotency';
import { ErrorResponse, requestSchemas, responseSchemas } from './schemas';

/**
 * The OpenAPI 3.1 document, generated from the route declarations and their zod schemas
 * (zod 4's z.toJSONSchema, whose JSON Schema 2020-12 is OpenAPI 3.1's dialect).
 */
type JsonSchema = Record<string, unknown>;

const COMPONENT = (id: string) => `#/components/schemas/${id}`;

function stripMeta(schema: JsonSchema): JsonSchema {
  const { $schema: _s, $id: _i, ...rest } = schema;
  return rest;
}

function components(): Record<string, JsonSchema> {
  const inputs = z.toJSONSchema(requestSchemas, { uri: COMPONENT, io: 'input', unrepresentable: 'any' }).schemas;
  const outputs = z.toJSONSchema(responseSchemas, { uri: COMPONENT, io: 'output', unrepresentable: 'any' }).schemas;
  const all: Record<string, JsonSchema> = {};
  for (const [id, schema] of [...Object.entries(inputs), ...Object.entries(outputs)]) {
    if (all[id]) throw new Error(`two schemas are registered as ${id}`);
    all[id] = stripMeta(schema as JsonSchema);
  }
  return all;
}

function ref(schema: z.ZodType, registry: typeof requestSchemas): JsonSchema {
  const meta = registry.get(schema);
  if (!meta) throw new Error('a route uses a schema that is not registered in api/schemas.ts');
  return { $ref: COMPONENT(meta.id) };
}

/** `/v1/subscriptions/:id` → `/v1/subscriptions/{id}` */
export const openApiPath = (expressPath: string): string => expressPath.replace(/:([A-Za-z0-9_]+)/g, '{$1}');

function parameters(schema: z.ZodType | undefined, location: 'path' | 'query'): JsonSchema[] {
  if (!schema) return [];
  if (!(schema instanceof z.ZodObject)) throw new Error(`${location} parameters must be a zod object`);
  return Object.entries(schema.shape as Record<string, z.ZodType>).map(([name, field]) => {
    const json = stripMeta(z.toJSONSchema(field, { io: 'input', unrepresentable: 'any' }) as JsonSchema);
    const { description, ...fieldSchema } = json;
    return {
      name,
      in: location,
      required: location === 'path' || !field.safeParse(undefined).success,
      ...(description ? { description } : {}),
      schema: fieldSchema,
    };
  });
}

const errorDescriptions: Record<number, string> = {
  400: 'invalid_request_error: a bad or unknown field, named in `param`.',
  401: 'authentication_error: no token, or not a valid one.',
  403: 'permission_error: the caller may not use this endpoint.',
  404: "not_found: no such resource, or another account's (ids can't be probed).",
  409: 'conflict.',
  413: 'invalid_request_error: the body is larger than 100 kB.',
  422: 'cancellation_refused or idempotency_error.',
  500: 'api_error: nothing internal is revealed.',
  503: 'api_error: a dependency is unavailable.',
};

function errorStatuses(route: AnyRoute): number[] {
  const statuses = new Set<number>(route.errors ?? []);
  if (route.params || route.query || route.body) statuses.add(400);
  if (route.who !== 'anyone') statuses.add(401).add(403);
  if (route.params) statuses.add(404);
  if (route.method === 'post') statuses.add(409).add(422).add(413); // Idempotency-Key, body limit
  statuses.add(500);
  return [...statuses].sort((a, b) => a - b);
}

function operation(route: AnyRoute): JsonSchema {
  const responses: Record<string, JsonSchema> = {};
  for (const [status, spec] of Object.entries(route.responses)) {
    const contentType = spec.contentType ?? 'application/json';
    responses[status] = {
      description: spec.description,
      content: { [contentType]: { schema: spec.schema ? ref(spec.schema, responseSchemas) : { type: 'string' } } },
    };
  }
  for (const status of errorStatuses(route)) {
    responses[String(status)] ??= {
      description: errorDescriptions[status] ?? 'An error.',
      content: { 'application/json': { schema: ref(ErrorResponse, responseSchemas) } },
    };
  }
  const headerParams =
    route.method === 'post'
      ? [
          {
            name: IDEMPOTENCY_HEADER,
            in: 'header',
            required: false,
            description: IdempotencyKeyHeader.description,
            schema: stripMeta(z.toJSONSchema(IdempotencyKeyHeader) as JsonSchema),
          },
        ]
      : [];
  const params = [...parameters(route.params, 'path'), ...parameters(route.query, 'query'), ...headerParams];
  return {
    operationId: route.operationId,
    summary: route.summary,
    ...(route.description ? { description: route.description } : {}),
    tags: [route.tag],
    security: route.who === 'anyone' ? [] : [{ bearerAuth: [] }],
    ...(params.length ? { parameters: params } : {}),
    ...(route.body
      ? {
          requestBody: {
            required: !route.body.safeParse(undefined).success,
            content: { 'application/json': { schema: ref(route.body, requestSchemas) } },
          },
        }
      : {}),
    responses,
  };
}

export function buildOpenApiDocument(routes: readonly AnyRoute[]): JsonSchema {
  const paths: Record<string, Record<string, JsonSchema>> = {};
  for (const route of routes) {
    const path = openApiPath(route.path);
    paths[path] ??= {};
    paths[path][route.method] = operation(route);
  }
  return {
    openapi: '3.1.0',
    info: {
      title: 'Subscription cancellation API',
      version: '1.0.0',
      description:
        'Cancel a subscription durably: one workflow per cancellation. JSON in and out, camelCase fields, ' +
        'ISO 8601 UTC timestamps, money in integer minor units. Every POST takes an `Idempotency-Key`. ' +
        'Policy rule ids (P1–P16) refer to POLICY.md.',
    },
    servers: [{ url: '/' }],
    tags: [
      { name: 'Subscriptions' },
      { name: 'Cancellations' },
      { name: 'Accounts' },
      { name: 'Support' },
      { name: 'Operations' },
    ],
    paths,
    components: {
      schemas: components(),
      securitySchemes: { bearerAuth: { type: 'http', scheme: 'bearer', description: 'An API token.' } },
    },
  };
}
