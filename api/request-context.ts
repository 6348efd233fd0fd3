import { randomUUID } from 'node:crypto';
import type { RequestHandler } from 'express';
import type { Logger } from '../config/logger';
import type { PrincipalRecord } from '../db/principals';

declare module 'express-serve-static-core' {
  interface Request {
    /** X-Request-Id: the caller's when it sent a sane one, otherwise generated; echoed back. */
    id: string;
    /** The request's child logger: every line carries the request id. */
    log: Logger;
    /** Set by authenticate() on routes that need a token. */
    principal?: PrincipalRecord;
  }
}

/**
 * A portal sign-in link holds its secret in the path (portal/routes.ts): the log keeps the path without it. Express
 * matches paths whatever their case, so `/PORTAL/LOGIN/<token>` opens the link too and is redacted alike.
 */
const loggedUrl = (url: string): string => url.replace(/^(\/portal\/login\/)[^/?#]+/i, '$1[redacted]');

// A caller-chosen id ends up in our logs: keep it short and free of anything that could forge a log line.
const SAFE_REQUEST_ID = /^[A-Za-z0-9._:-]{1,128}$/;

/**
 * pino-http style: one child logger per request and one line when the response is finished (method,
 * path, status, duration). Headers are never logged, so neither is the bearer token.
 */
export function requestContext(logger: Logger): RequestHandler {
  return (req, res, next) => {
    const incoming = req.get('x-request-id');
    req.id = incoming && SAFE_REQUEST_ID.test(incoming) ? incoming : randomUUID();
    req.log = logger.child({ reqId: req.id });
    res.setHeader('X-Request-Id', req.id);
    // Answers are per caller and change as workflows move on: no shared or browser cache keeps them.
    res.setHeader('Cache-Control', 'no-store');
    const started = process.hrtime.bigint();
    req.log.debug({ req: { method: req.method, url: loggedUrl(req.originalUrl) } }, 'request received');
    res.on('finish', () => {
      const responseTimeMs = Number(process.hrtime.bigint() - started) / 1e6;
      const line = {
        req: { method: req.method, url: loggedUrl(req.originalUrl) },
        res: { statusCode: res.statusCode },
        responseTimeMs,
      };
      if (res.statusCode >= 500) req.log.warn(line, 'request completed with a server error');
      else req.log.info(line, 'request completed');
    });
    next();
  };
}
