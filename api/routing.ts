import type { Express, Request, RequestHandler } from 'express';
import type { z } from 'zod';
import type { Db } from '../db/client';
import { allow, authenticate, type Principal, type PrincipalKind } from './auth';
import { idempotency } from './idempotency';
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
  /** The caller; reading it on a route open to anyone is a programming error. */
  readonly principal: Principal;
  req: Request;
  services: Services;
}

export interface RouteDef<P extends z.ZodType, Q extends z.ZodType, B extends z.ZodType> {
  method: 'get' | 'post';
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
}

interface ParsedInput {
  params: unknown;
  query: unknown;
  body: unknown;
}

export function mountRoutes(app: Express, routes: readonly AnyRoute[], options: MountOptions): void {
  for (const route of routes) {
    const chain: RequestHandler[] = [];
    if (route.who !== 'anyone') chain.push(authenticate(options.db), allow(route.who));
    chain.push((req, res, next) => {
      const input: ParsedInput = {
        params: route.params ? parseInput(route.params, req.params, 'path') : undefined,
        query: route.query ? parseInput(route.query, req.query, 'query') : undefined,
        body: route.body ? parseInput(route.body, req.body, 'body') : undefined,
      };
      res.locals.input = input;
      next();
    });
    // API.md: Idempotency-Key on every POST.
    if (route.method === 'post') chain.push(idempotency(options.db, options.clock));
    chain.push(async (req, res) => {
      const input = res.locals.input as ParsedInput;
      const result = await route.handler({
        ...input,
        get principal(): Principal {
          if (!req.principal) throw new Error(`${route.operationId} read the principal of an unauthenticated request`);
          return req.principal;
        },
        req,
        // The request's child logger, so a service's log lines carry the request id too.
        services: { ...options.services, logger: req.log },
      });
      if ('html' in result) {
        res.status(result.status).type('html').send(result.html);
        return;
      }
      if (options.validateResponses) checkResponse(route, result.status, result.body);
      res.status(result.status).json(result.body);
    });
    app[route.method](route.path, ...chain);
  }
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
