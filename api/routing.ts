import type { Express, Request, RequestHandler } from 'express';
import type { z } from 'zod';
import type { Db } from '../db/client';
import { allow, authenticate, type Caller, type Principal, type PrincipalKind } from './auth';
import { ApiError } from './errors';
import { IDEMPOTENCY_HEADER, IdempotencyKeyHeader, idempotency } from './idempotency';
import { parseInput } from './validation';
import type { Services } from './services/context';

/**
 * One declaration per endpoint: path, who may call it, the zod schemas of its inputs and answers,
 * and a thin handler. mountRoutes() registers it on Express and api/openapi.ts describes it from
 * the same declaration, so the routes and the document cannot disagree.
 */
export type Who = 'anyone' | readonly PrincipalKind[];

export interface ResponseSpec {
  description: string;
  schema?: z.ZodType;
  /** Defaults to application/json. */
  contentType?: string;
}

export type RouteResult = { status: number; body: unknown } | { status: number; html: string };

export interface HandlerContext<P, Q, B> {
  params: P;
  query: Q;
  body: B;
  /**
   * The customer user or support agent calling; reading it on a route open to anyone, or from a service token,
   * is a programming error (those routes read `caller`).
   */
  readonly principal: Principal;
  /** Whoever the token speaks for, service tokens included. */
  readonly caller: Caller;
  req: Request;
  services: Services;
}

export interface RouteDef<P extends z.ZodType, Q extends z.ZodType, B extends z.ZodType> {
  method: 'get' | 'post' | 'delete';
  /** Express syntax (`/v1/subscriptions/:id`); OpenAPI gets `{id}`. */
  path: string;
  operationId: string;
  summary: string;
  description?: string;
  tag: string;
  who: Who;
  params?: P;
  query?: Q;
  body?: B;
  /**
   * The answer holds a secret (a webhook signing secret): its stored copy for Idempotency-Key replay is sealed
   * like the secrets themselves (WEBHOOK_SECRET_KEY), never kept in clear.
   */
  secretResponse?: boolean;
  /**
   * `false`: the answer is never stored for Idempotency-Key replay (a portal link is single-use: a retry gets a new
   * one). The key's syntax is still checked.
   */
  replay?: false;
  /** Successful answers by status. */
  responses: Record<number, ResponseSpec>;
  /** Error statuses this route can answer besides 401/403/404/500, which are added from `who`. */
  errors?: number[];
  handler(ctx: HandlerContext<z.output<P>, z.output<Q>, z.output<B>>): Promise<RouteResult> | RouteResult;
}

// Stored without its type parameters: the handler is only ever called with what its own schemas parsed.
// eslint-disable-next-line @typescript-eslint/no-explicit-any
export type AnyRoute = RouteDef<any, any, any>;

export function defineRoute<
  P extends z.ZodType = z.ZodUndefined,
  Q extends z.ZodType = z.ZodUndefined,
  B extends z.ZodType = z.ZodUndefined,
>(def: RouteDef<P, Q, B>): AnyRoute {
  return def;
}

export interface MountOptions {
  db: Db;
  clock: () => Date;
  services: Services;
  /** Tests turn this on: every JSON answer is checked against its documented schema. */
  validateResponses: boolean;
  /** Reads a JSON body (express.json); run only on routes that take one, once the caller is known. */
  jsonBody: RequestHandler;
}

interface ParsedInput {
  params: unknown;
  query: unknown;
  body: unknown;
}

/**
 * API.md: checks run in this order: 401, 400 (syntax and schema), 404, 403, 409/422. So a route's
 * chain is: the token (401); the body's JSON, the path, query, body and Idempotency-Key syntax (400);
 * the kind of caller (403; a 404 for a path id is the service's, which also checks roles); then
 * Idempotency-Key replay (409/422) and the handler. A method the path does not support is 405.
 */
export function mountRoutes(app: Express, routes: readonly AnyRoute[], options: MountOptions): void {
  app.use(rejectMalformedPath(options.db));
  const methodsByPath = new Map<string, string[]>();
  for (const route of routes) {
    const chain: RequestHandler[] = [];
    if (route.who !== 'anyone') chain.push(authenticate(options.db));
    if (route.method === 'post' || route.body) chain.push(options.jsonBody);
    chain.push((req, res, next) => {
      const input: ParsedInput = {
        params: route.params ? parseInput(route.params, req.params, 'path') : undefined,
        query: route.query ? parseInput(route.query, req.query, 'query') : undefined,
        body: route.body ? parseInput(route.body, req.body, 'body') : undefined,
      };
      if (route.method === 'post') checkIdempotencyKey(req);
      res.locals.input = input;
      next();
    });
    if (route.who !== 'anyone') chain.push(allow(route.who));
    // API.md: Idempotency-Key on every POST.
    if (route.method === 'post' && route.replay !== false)
      chain.push(
        idempotency(options.db, options.clock, route.secretResponse ? options.services.webhooks.secretBox : undefined),
      );
    chain.push(async (req, res) => {
      const input = res.locals.input as ParsedInput;
      const result = await route.handler({
        ...input,
        get principal(): Principal {
          const caller = req.principal;
          if (!caller || caller.kind === 'service')
            throw new Error(`${route.operationId} read a customer or support principal it does not have`);
          return caller;
        },
        get caller(): Caller {
          if (!req.principal) throw new Error(`${route.operationId} read the caller of an unauthenticated request`);
          return req.principal;
        },
        req,
        services: {
          ...options.services,
          // The request's child logger, so a service's log lines carry the request id too.
          logger: req.log,
          // Temporal calls give up by the request's deadline (api/deadline.ts).
          workflows: { ...options.services.workflows, deadline: res.locals.temporalDeadline },
          // What the ids of what it creates derive from, so that its retry converges (api/idempotency.ts).
          requestKey: res.locals.requestKey,
        },
      });
      // The deadline answered 503 already: the outcome is not sent; the retry converges on it.
      if (res.headersSent) {
        await res.locals.releaseIdempotencyKey?.();
        return;
      }
      if ('html' in result) {
        res.status(result.status).type('html').send(result.html);
        return;
      }
      if (options.validateResponses) checkResponse(route, result.status, result.body);
      if (result.status === 204) {
        res.status(204).end();
        return;
      }
      res.status(result.status).json(result.body);
    });
    app[route.method](route.path, ...chain);
    methodsByPath.set(route.path, [...(methodsByPath.get(route.path) ?? []), route.method.toUpperCase()]);
  }
  for (const [path, methods] of methodsByPath) app.route(path).all(methodNotAllowed(methods));
}

/** The header's syntax is part of the 400 checks, before the caller's kind (403) is. */
function checkIdempotencyKey(req: Request): void {
  const raw = req.get(IDEMPOTENCY_HEADER);
  if (raw === undefined || IdempotencyKeyHeader.safeParse(raw).success) return;
  throw new ApiError(
    'invalid_request_error',
    'invalid_idempotency_key',
    'The Idempotency-Key header must be 1 to 255 printable ASCII characters.',
    { param: IDEMPOTENCY_HEADER },
  );
}

/**
 * API.md: a method the path does not support is 405 invalid_request_error, code method_not_allowed,
 * with `Allow` (HEAD comes with GET). OPTIONS answers 204 with the same `Allow`.
 */
function methodNotAllowed(methods: readonly string[]): RequestHandler {
  const allowed = [...methods, ...(methods.includes('GET') ? ['HEAD'] : [])].sort().join(', ');
  return (req, res) => {
    res.setHeader('Allow', allowed);
    if (req.method === 'OPTIONS') {
      res.status(204).end();
      return;
    }
    throw new ApiError(
      'invalid_request_error',
      'method_not_allowed',
      `${req.method} is not supported here (${req.path}); this path supports ${allowed}.`,
      { status: 405 },
    );
  };
}

/** Percent-encoding that does not decode to UTF-8 (`%E0%A4%A`). */
function malformedPath(path: string): boolean {
  if (!path.includes('%')) return false;
  try {
    decodeURIComponent(path);
    return false;
  } catch {
    return true;
  }
}

/**
 * API.md: a malformed path is a 400, not the router's 500. The API's own paths (`/v1/…`) check the
 * token first, as every other 400 does.
 */
function rejectMalformedPath(db: Db): RequestHandler {
  const auth = authenticate(db);
  const checkToken = (req: Request, res: Parameters<RequestHandler>[1]) =>
    new Promise<void>((resolve, reject) => {
      Promise.resolve(auth(req, res, (err?: unknown) => (err ? reject(err) : resolve()))).catch(reject);
    });
  return async (req, res, next) => {
    if (!malformedPath(req.path)) return next();
    if (req.path.startsWith('/v1/')) await checkToken(req, res);
    throw new ApiError('invalid_request_error', 'invalid_path', 'The request path is not valid percent-encoded UTF-8.');
  };
}

function checkResponse(route: AnyRoute, status: number, body: unknown): void {
  const spec = route.responses[status];
  if (!spec) throw new Error(`${route.operationId} answered ${status}, which its declaration does not list`);
  if (!spec.schema) return;
  const result = spec.schema.safeParse(body);
  if (!result.success) {
    throw new Error(`${route.operationId} answered a ${status} body that breaks its schema: ${result.error.message}`);
  }
}
