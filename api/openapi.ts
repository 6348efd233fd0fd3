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

/** What each error status means for this route: its `type` and the codes it may carry. */
function errorDescription(route: AnyRoute, status: number): string {
  const post = route.method === 'post';
  switch (status) {
    case 400: {
      const codes = [
        ...(route.params ? ['`invalid_path` (an id must match `^[A-Za-z0-9_-]{1,100}$`)'] : []),
        ...(route.query ? ['`invalid_query`'] : []),
        ...(route.query && 'startingAfter' in (route.query as z.ZodObject).shape
          ? ['`invalid_cursor` (a `startingAfter` that names nothing this caller may list)']
          : []),
        ...(post ? ['`invalid_json`', '`invalid_body`', '`invalid_idempotency_key`'] : []),
      ];
      return (
        `invalid_request_error: ${codes.join(', ')}. The bad field is named in \`param\`. Control characters ` +
        '(C0 except TAB, LF and CR; DEL) are refused in every string.'
      );
    }
    case 401:
      return 'authentication_error: no token (`missing_token`), or not a valid one (`invalid_token`).';
    case 403:
      return 'permission_error: this kind of caller may not use this endpoint (`permission_denied`), or the user lacks the role (`role_not_permitted`).';
    case 404:
      return "not_found (`resource_missing`): no such resource, or another account's (ids can't be probed).";
    case 409:
      return post
        ? 'conflict: `idempotency_key_in_use` (a retry while the first request with the key is being answered; retry later), or the state of the resource forbids it (e.g. `cancellation_in_progress`).'
        : 'conflict.';
    case 413:
      return 'invalid_request_error (`body_too_large`): the body is larger than 100 kB.';
    case 415:
      return 'invalid_request_error (`unsupported_encoding`): send the body as UTF-8 JSON.';
    case 422:
      return route.errors?.includes(422)
        ? 'cancellation_refused (`details.refusals`; e.g. `outstanding_balance`, `verification_failed`), or idempotency_error (`idempotency_key_reused`: the key was used with another request).'
        : 'idempotency_error (`idempotency_key_reused`): the key was used with another request.';
    case 429:
      return 'rate_limit_error: too many attempts (e.g. `verification_locked`); retry after `Retry-After` seconds.';
    case 500:
      return 'api_error (`internal_error`): nothing internal is revealed.';
    case 503:
      return 'api_error (`service_unavailable`): the database or Temporal is down or too slow; retry after `Retry-After` seconds.';
    default:
      return 'An error.';
  }
}

/** Every status the route can answer besides its successes (API.md: the document declares them all). */
export function errorStatuses(route: AnyRoute): number[] {
  const statuses = new Set<number>(route.errors ?? []);
  if (route.params || route.query || route.body) statuses.add(400);
  if (route.who !== 'anyone') statuses.add(401).add(403);
  if (route.params) statuses.add(404);
  // JSON syntax, Idempotency-Key (syntax 400, in use 409, reused 422), body size and encoding.
  if (route.method === 'post') statuses.add(400).add(413).add(415);
  if (route.method === 'post' && route.replay !== false) statuses.add(409).add(422);
  // Every /v1 route reads the database (the token at least) and may find it, or Temporal, unavailable.
  if (route.path.startsWith('/v1/')) statuses.add(503);
  statuses.add(500);
  return [...statuses].sort((a, b) => a - b);
}

const RETRY_AFTER = {
  'Retry-After': {
    description: 'Seconds to wait before retrying.',
    required: true,
    schema: { type: 'integer', minimum: 0 },
  },
};
const responseHeaders: Record<number, JsonSchema> = {
  401: {
    'WWW-Authenticate': { description: '`Bearer`.', required: true, schema: { type: 'string', const: 'Bearer' } },
  },
  429: RETRY_AFTER,
  503: RETRY_AFTER,
};

function operation(route: AnyRoute): JsonSchema {
  const responses: Record<string, JsonSchema> = {};
  for (const [status, spec] of Object.entries(route.responses)) {
    const contentType = spec.contentType ?? 'application/json';
    if (status === '204') {
      responses[status] = { description: spec.description };
      continue;
    }
    responses[status] = {
      description: spec.description,
      content: { [contentType]: { schema: spec.schema ? ref(spec.schema, responseSchemas) : { type: 'string' } } },
    };
  }
  for (const status of errorStatuses(route)) {
    responses[String(status)] ??= {
      description: errorDescription(route, status),
      ...(responseHeaders[status] ? { headers: responseHeaders[status] } : {}),
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
      version: '1.2.0',
      description:
        'Cancel a subscription durably: one workflow per cancellation. JSON in and out, camelCase fields, ' +
        'ISO 8601 UTC timestamps, money in integer minor units. Every POST takes an `Idempotency-Key`. ' +
        'Checks run in this order: 401, 400 (syntax and schema), 404, 403, 409/422. A method a path does not ' +
        'support answers 405 `invalid_request_error` (`method_not_allowed`) with `Allow`; an unknown path 404. ' +
        'Policy rule ids (P1–P16) refer to POLICY.md.',
    },
    servers: [{ url: '/' }],
    tags: [
      { name: 'Subscriptions' },
      { name: 'Cancellations' },
      { name: 'Accounts' },
      { name: 'Support' },
      { name: 'Webhooks' },
      { name: 'Portal' },
      { name: 'Operations' },
    ],
    paths,
    components: {
      schemas: components(),
      securitySchemes: { bearerAuth: { type: 'http', scheme: 'bearer', description: 'An API token.' } },
    },
  };
}
