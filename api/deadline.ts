import type { RequestHandler } from 'express';
import { unavailable } from './errors';

/** API.md: one deadline per request, 10 s by default (REQUEST_DEADLINE_MS). */
export const DEFAULT_REQUEST_DEADLINE_MS = 10_000;
/** Temporal calls give up a little before the deadline, so their own 503 (with its cause logged) wins the race. */
const TEMPORAL_MARGIN_MS = 250;

declare module 'express-serve-static-core' {
  interface Locals {
    /** When this request must have answered. */
    deadline?: Date;
    /** When its calls to Temporal must give up. */
    temporalDeadline?: Date;
    /** Set once the deadline answered 503 for a request that was still running. */
    deadlineExceeded?: boolean;
  }
}

/**
 * Bounds every request: whatever it waits for (a locked or unreachable database, Temporal, a workflow with
 * no worker polling), it answers 503 `service_unavailable` with Retry-After by the deadline, never later and
 * never 500. Calls to Temporal carry the deadline themselves (api/workflow-client.ts); this timer is the
 * backstop for the rest. What the request was doing carries on: every write is a transaction and every
 * workflow step is keyed by the request's Idempotency-Key, so nothing is half-written, and the retry
 * converges on the outcome (API.md).
 */
export function requestDeadline(ms: number): RequestHandler {
  return (req, res, next) => {
    const deadline = new Date(Date.now() + ms);
    res.locals.deadline = deadline;
    res.locals.temporalDeadline = new Date(deadline.getTime() - Math.min(TEMPORAL_MARGIN_MS, ms / 4));
    const timer = setTimeout(() => {
      if (res.headersSent) return;
      res.locals.deadlineExceeded = true;
      req.log.warn({ deadlineMs: ms }, 'request deadline reached: answering 503');
      const error = unavailable(
        `The request did not complete within ${ms / 1000} s. Retry with the same Idempotency-Key.`,
      );
      res.setHeader('Retry-After', String(error.retryAfterSeconds));
      res.status(error.status).json(error.toBody());
    }, ms);
    timer.unref();
    res.once('close', () => clearTimeout(timer));
    next();
  };
}
