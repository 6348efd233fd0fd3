/**
 * The self-service portal (issue 15): server-rendered pages at /portal for a customer user signed in by a portal
 * link (API.md v1.2, portal sessions). Every read and change goes through the API's own services, with the same
 * rules, checks and errors (api/services/), so there is no second implementation of the policy; reads come from the
 * database (a page costs no Temporal action). Forms post with a CSRF token and an Idempotency-Key.
 */
import type { z } from 'zod';
import express, { type NextFunction, type Request, type Response, type Router } from 'express';
import { ApiError, refusedError } from '../api/errors';
import { DataBackupBody, Reason } from '../api/schemas';
import { accountProducts } from '../api/services/accounts';
import { inProgressError } from '../api/services/cancellations';
import type { Services } from '../api/services/context';
import { getSubscription } from '../api/services/subscriptions';
import { ID_PATTERN } from '../db/ids';
import { errorOutcome, runChange, type Outcome } from './actions';
import { portalCss, portalJs } from './assets';
import { authenticate } from './authenticate';
import type { Portal } from './context';
import { portalErrors, renderOutcomeError, type RefusalContext } from './error-pages';
import { page, type Content } from './html';
import { loadCancellationPage, loadOpenCancellations, loadSubscriptionPage, makeChange } from './pages';
import { signIn, signOut, switchLanguage } from './sign-in';
import { sendError } from './views/errors';
import { cancellationBody } from './views/cancellation';
import type { Say } from './views/common';
import { productsBody } from './views/products';
import { confirmBody, subscriptionBody } from './views/subscription';

type Handler = (req: Request, res: Response, portal: Portal) => Promise<void>;

export function portalRouter(base: Services): Router {
  const router = express.Router();
  // Forms post to this origin with an Origin header the CSRF check can read (no-referrer would send `null`);
  // no other site ever sees a portal address.
  router.use((_req, res, next) => {
    res.setHeader('Referrer-Policy', 'same-origin');
    next();
  });
  const forms = express.urlencoded({ extended: false, limit: '20kb', parameterLimit: 20 });
  const services = (req: Request, res: Response): Services => ({
    ...base,
    logger: req.log,
    workflows: { ...base.workflows, deadline: res.locals.temporalDeadline },
  });

  router.get('/assets/portal.css', (_req, res) => asset(res, 'text/css', portalCss));
  router.get('/assets/portal.js', (_req, res) => asset(res, 'text/javascript', portalJs));
  router.get(
    '/login/:token',
    wrap(async (req, res) => signIn(req, res, services(req, res))),
  );
  router.get('/signed-out', (req, res) =>
    sendError(req, res, 200, 'signed_out', (m) => [m.errors.signedOut, m.errors.sessionExpiredHelp]),
  );

  // Everything else needs a session; a POST also needs the session's CSRF token.
  router.use(forms);
  router.use(wrap(async (req, res, next) => authenticate(req, res, next, services(req, res))));

  const get = (path: string, handler: Handler) => router.get(path, wrap(withPortal(handler)));
  const post = (path: string, handler: Handler) => router.post(path, wrap(withPortal(handler)));

  get('/', async (_req, res, p) => {
    const products = await accountProducts(p.services, p.principal, p.principal.accountId);
    const openCancellations = await loadOpenCancellations(p.services, products.cancellationScheduled);
    send(res, p, { title: p.s.m.products.title, body: productsBody({ products, openCancellations }, p.s) });
  });

  get('/subscriptions/:id', async (req, res, p) => {
    const view = await loadSubscriptionPage(p, idParam(req));
    send(res, p, { title: view.subscription.product.name, body: subscriptionBody(view, p.s, p.secrets) });
  });

  // The review step changes nothing: it restates the date and the charges, and carries the reason on.
  post('/subscriptions/:id/cancel', async (req, res, p) => {
    const reason = reasonOf(req.body);
    const view = await loadSubscriptionPage(p, idParam(req));
    if (view.openCancellationId) throw inProgressError(view.openCancellationId);
    // The same answer the confirmation would get (P11), before the customer fills anything else in.
    if (!view.preview.eligible) {
      const { product, currency } = view.subscription;
      renderOutcomeError(res, p, errorOutcome(refusedError(view.preview.refusals)), {
        product: product.name,
        currency,
      });
      return;
    }
    send(res, p, {
      title: p.s.m.confirm.title(view.subscription.product.name),
      body: confirmBody({ ...view, reason }, p.s, p.secrets),
    });
  });

  post('/subscriptions/:id/cancel/confirm', async (req, res, p) => {
    const id = idParam(req);
    const reason = reasonOf(req.body);
    const fields = { subscriptionId: id, reasonCode: reason?.code ?? '', comment: reason?.comment ?? '' };
    // A refusal (the balance or the roles changed since the preview) is said with the preview's advice.
    const about = async () => {
      const { product, currency } = await getSubscription(p.services, p.principal, id);
      return { product: product.name, currency };
    };
    await respond(req, res, p, fields, (s) => makeChange.cancel(s, p.principal, id, reason), about);
  });

  get('/cancellations/:id', async (req, res, p) => {
    const view = await loadCancellationPage(p, idParam(req));
    const done = typeof req.query.done === 'string' ? req.query.done : '';
    send(res, p, {
      title: p.s.m.cancellation.title(view.productName),
      notice: doneNotice(p.s, done, req.query.n),
      live: ['completed', 'withdrawn', 'failed'].includes(view.cancellation.stage) ? undefined : '10000',
      body: cancellationBody(view, p.s, p.secrets),
    });
  });

  post('/cancellations/:id/unassign-all', async (req, res, p) => {
    const id = idParam(req);
    await respond(req, res, p, { cancellationId: id }, (s) => makeChange.unassignAll(s, p.principal, id));
  });

  post('/cancellations/:id/data-backup', async (req, res, p) => {
    const id = idParam(req);
    const body = DataBackupBody.safeParse({ location: req.body?.location ?? '' });
    if (!body.success) throw invalidField('location');
    const location = body.data.location;
    await respond(req, res, p, { cancellationId: id, location }, (s) =>
      makeChange.backup(s, p.principal, id, location),
    );
  });

  post('/cancellations/:id/withdraw', async (req, res, p) => {
    const id = idParam(req);
    await respond(req, res, p, { cancellationId: id }, (s) => makeChange.withdraw(s, p.principal, id));
  });

  post('/language', async (req, res, p) => switchLanguage(req, res, p));
  post('/sign-out', async (req, res, p) => signOut(req, res, p));

  router.use((req, _res, next) => next(new ApiError('not_found', 'unknown_route', `No page at ${req.path}.`)));
  router.use(portalErrors);
  return router;
}

/** Post/Redirect/Get: a change answers 303 to the page that shows its result, or the error page. */
async function respond(
  req: Request,
  res: Response,
  p: Portal,
  fields: Record<string, string>,
  change: (services: Services) => Promise<string>,
  about?: () => Promise<RefusalContext>,
): Promise<void> {
  const outcome: Outcome = await runChange(p.services, p.principal, req, fields, change);
  if (outcome.kind === 'redirect') {
    res.redirect(303, outcome.location);
    return;
  }
  const refused = about && Array.isArray(outcome.details?.refusals);
  renderOutcomeError(res, p, outcome, refused ? await about() : undefined);
}

function withPortal(handler: Handler) {
  return async (req: Request, res: Response) => {
    const portal = res.locals.portal;
    if (!portal) throw new Error('portal route without a session');
    await handler(req, res, portal);
  };
}

function wrap(fn: (req: Request, res: Response, next: NextFunction) => Promise<void> | void) {
  return (req: Request, res: Response, next: NextFunction) => {
    Promise.resolve(fn(req, res, next)).catch(next);
  };
}

function send(
  res: Response,
  p: Portal,
  spec: { title: string; body: Content; notice?: string | null; live?: string },
): void {
  res.status(200).type('html').send(page(p.chrome, spec));
}

function asset(res: Response, type: string, body: string): void {
  res.setHeader('Cache-Control', 'public, max-age=300');
  res.type(type).send(body);
}

function idParam(req: Request): string {
  const id = req.params.id;
  if (typeof id !== 'string' || !ID_PATTERN.test(id))
    throw new ApiError('not_found', 'resource_missing', 'No such page.');
  return id;
}

const invalidField = (param: string) =>
  new ApiError('invalid_request_error', 'invalid_body', `${param} is not valid.`, { param });

function reasonOf(body: Record<string, unknown> | undefined): z.output<typeof Reason> | null {
  const code = typeof body?.reasonCode === 'string' ? body.reasonCode : '';
  const comment = typeof body?.comment === 'string' ? body.comment.trim() : '';
  if (code === '' && comment === '') return null;
  const parsed = Reason.safeParse({ code: code || 'other', ...(comment ? { comment } : {}) });
  if (!parsed.success)
    throw invalidField(code && !parsed.error.issues.some((i) => i.path[0] === 'comment') ? 'reasonCode' : 'comment');
  return parsed.data;
}

function doneNotice(s: Say, done: string, n: unknown): string | null {
  switch (done) {
    case 'cancelled':
      return s.m.done.cancelled;
    case 'unassigned':
      return s.m.done.unassigned(Number(n) || 0);
    case 'backup':
      return s.m.done.backedUp;
    case 'withdrawn':
      return s.m.done.withdrawn;
    default:
      return null;
  }
}
