import type { z } from 'zod';
import { ErrorCode } from '../../domain/errors';
import { findAccountVerificationData, type AccountVerificationData } from '../../db/accounts';
import { findSubscription } from '../../db/subscriptions';
import { recentVerificationFailures, recordVerificationFailure } from '../../db/verification-failures';
import { verificationLock } from '../../domain/verification';
import type { SupportPrincipal } from '../auth';
import { ApiError } from '../errors';
import type { SupportCancellationBody, SupportCancellationResult, SupportRefusedSubscription } from '../schemas';
import type { Services } from './context';
import { submitFor } from './cancellations';

type Body = z.output<typeof SupportCancellationBody>;
type RefusedEntry = z.output<typeof SupportRefusedSubscription>;

/** P12: one message whatever was wrong, and no `param`, so the answer never tells which field failed. */
export const VERIFICATION_FAILED_MESSAGE =
  'The account could not be verified. Check the details with the customer and try again.';

const verificationFailed = (): ApiError =>
  new ApiError('cancellation_refused', ErrorCode.verificationFailed, VERIFICATION_FAILED_MESSAGE);

/** Case- and whitespace-insensitive, so `75 002` matches `75002` and `Rue` matches `rue`. */
const loose = (value: string): string => value.normalize('NFKC').toLowerCase().replace(/\s+/g, '');
const sameEmail = (a: string, b: string): boolean => a.trim().toLowerCase() === b.trim().toLowerCase();

/**
 * P12's checks: the billing admin's e-mail (a user of the account holding billing_admin; a
 * super_admin is accepted too, as the role above it), the last four digits and the billing address
 * of the payment method on file. Every check runs, whatever the first one found.
 */
function verified(account: AccountVerificationData, v: Body['verification']): boolean {
  const adminOk = account.users.some(
    (u) => sameEmail(u.email, v.billingAdminEmail) && u.roles.some((r) => r === 'billing_admin' || r === 'super_admin'),
  );
  const pm = account.paymentMethod;
  const a = v.billingAddress;
  const cardOk = pm !== null && pm.last4 === v.paymentMethodLast4;
  const addressOk =
    pm !== null &&
    loose(pm.line1) === loose(a.line1) &&
    loose(pm.city) === loose(a.city) &&
    loose(pm.postalCode) === loose(a.postalCode) &&
    loose(pm.country) === loose(a.country);
  return adminOk && cardOk && addressOk;
}

export type SupportOutcome = z.output<typeof SupportCancellationResult>;

/**
 * P12: support cancels several subscriptions of one account on the customer's behalf. The account,
 * the requester, the payment details and the products are verified first; anything that does not
 * match is one `verification_failed`, recorded for the lockout (5 within 15 minutes lock the account's
 * support cancellations for 15 minutes: 429 `verification_locked`). Then one workflow per subscription, each deciding for itself
 * (the requester's roles still decide, P8–P10; `not_cancellable_online` does not apply).
 */
export async function supportCancel(services: Services, agent: SupportPrincipal, body: Body): Promise<SupportOutcome> {
  const now = services.clock();
  // P12: locked accounts are neither checked nor counted, whichever agent asks.
  const lock = verificationLock(await recentVerificationFailures(services.db, body.accountId), now);
  if (lock) {
    throw new ApiError(
      'rate_limit_error',
      'verification_locked',
      `Too many failed verifications for this account. Try again after ${lock.until.toISOString()}.`,
      { retryAfterSeconds: lock.retryAfterSeconds },
    );
  }
  const account = await findAccountVerificationData(services.db, body.accountId);
  const requester = account?.users.find((u) => sameEmail(u.email, body.requesterEmail));
  const subs = await Promise.all(body.subscriptionIds.map((id) => findSubscription(services.db, id)));
  const productsOk = subs.every((s) => s !== null && s.accountId === body.accountId);
  if (!account || !verified(account, body.verification) || !requester || !productsOk) {
    await recordVerificationFailure(services.db, {
      accountId: body.accountId,
      supportAgentId: agent.supportAgentId,
      failedAt: now,
    });
    services.events.verificationFailed();
    services.logger.warn(
      { accountId: body.accountId, supportAgentId: agent.supportAgentId },
      'support verification failed',
    );
    throw verificationFailed();
  }

  const cancellations: SupportOutcome['cancellations'] = [];
  const refused: RefusedEntry[] = [];
  // One after the other: the answer lists the subscriptions in the order they were asked for.
  for (const sub of subs) {
    if (!sub) continue;
    const decision = await submitFor(services, sub, {
      channel: 'support',
      requester: { userId: requester.id, email: requester.email, locale: requester.locale },
      supportAgentId: agent.supportAgentId,
      reason: body.reason ?? null,
    });
    if (decision.kind === 'accepted') cancellations.push(decision.cancellation);
    else if (decision.kind === 'refused') refused.push({ subscriptionId: sub.id, refusals: decision.refusals });
    else
      refused.push({
        subscriptionId: sub.id,
        refusals: [
          {
            code: ErrorCode.cancellationInProgress,
            message: 'This subscription already has a cancellation in progress.',
            details: { cancellationId: decision.cancellationId },
          },
        ],
      });
  }
  if (cancellations.length === 0) {
    const first = refused[0].refusals[0];
    throw new ApiError(
      'cancellation_refused',
      first.code,
      refused.length === 1
        ? `The subscription cannot be cancelled: ${first.message}`
        : `None of the ${refused.length} subscriptions can be cancelled; see details.results.`,
      { details: { results: refused } },
    );
  }
  return { cancellations, refused };
}
