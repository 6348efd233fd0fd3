/** The portal's error pages: what went wrong in the reader's language, the API's status and code kept. */
import type { NextFunction, Request, Response } from 'express';
import { ApiError, toApiError } from '../api/errors';
import type { Refusal } from '../domain/errors';
import { errorOutcome, type ErrorOutcome } from './actions';
import type { Portal } from './context';
import { html, page } from './html';
import { refusalList } from './views/common';
import { errorBody, errorText, sendError } from './views/errors';

/** The product and currency a refusal's advice names (P4's amount, P11's "cannot be cancelled online"). */
export interface RefusalContext {
  product: string;
  currency: string;
}

export function renderOutcomeError(res: Response, p: Portal, outcome: ErrorOutcome, about?: RefusalContext): void {
  const m = p.s.m;
  const refusals = Array.isArray(outcome.details?.refusals) ? (outcome.details.refusals as Refusal[]) : null;
  const text = refusals ? m.errors.refused : errorText(m, outcome.code, outcome.message);
  const items = !refusals
    ? undefined
    : about
      ? refusalList(refusals, p.s, about.product, about.currency)
      : html`<ul class="refusals">
          ${refusals.map((r) => html`<li data-refusal="${r.code}">${errorText(m, r.code, r.message)}</li>`)}
        </ul>`;
  res
    .status(outcome.status)
    .type('html')
    .send(
      page(p.chrome, {
        title: m.errors.title,
        body: errorBody(
          { status: outcome.status, code: outcome.code, title: m.errors.title, text, items, signedIn: true },
          m,
        ),
      }),
    );
}

/** Errors in the reader's language, with the API's status and code (data-code) kept. */
export function portalErrors(err: unknown, req: Request, res: Response, next: NextFunction): void {
  if (res.headersSent || res.locals.deadlineExceeded) return next(err);
  const apiError = toApiError(err) ?? new ApiError('api_error', 'internal_error', 'Internal error.');
  if (apiError.status >= 500) req.log.error({ err }, 'portal request failed');
  if (apiError.retryAfterSeconds !== undefined) res.setHeader('Retry-After', String(apiError.retryAfterSeconds));
  const portal = res.locals.portal;
  if (portal) return renderOutcomeError(res, portal, errorOutcome(apiError));
  sendError(req, res, apiError.status, apiError.code, (m) => [
    m.errors.title,
    errorText(m, apiError.code, apiError.message),
  ]);
}
