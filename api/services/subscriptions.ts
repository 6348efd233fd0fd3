import { randomUUID } from 'node:crypto';
import type { z } from 'zod';
import { assessEligibility, computeCharges, effectiveDate, ErrorCode } from '../../domain';
import type { Billing, PurchaseChannel, SubscriptionStatus, SubscriptionTerms } from '../../domain/types';
import { accountBalanceCents } from '../../db/accounts';
import { findOpenCancellation } from '../../db/cancellation-reads';
import { unassignAllLicensesOnce, type SubscriptionRecord } from '../../db/subscriptions';
import { principalRef, type Principal } from '../auth';
import type { CancellationPreview, Subscription } from '../schemas';
import { recountLicenses } from '../workflow-client';
import { assertMayFollowUp, subscriptionFor } from './access';
import { updateIdFor } from './request-ids';
import type { Services } from './context';

/** The Subscription object of API.md. */
export function subscriptionView(sub: SubscriptionRecord): z.output<typeof Subscription> {
  return {
    id: sub.id,
    accountId: sub.accountId,
    product: { code: sub.productCode, name: sub.productName, family: sub.productFamily },
    purchaseChannel: sub.purchaseChannel as PurchaseChannel,
    billing: sub.billing as Billing,
    currentPeriodStart: sub.currentPeriodStart.toISOString(),
    currentPeriodEnd: sub.currentPeriodEnd.toISOString(),
    contractEnd: sub.contractEnd?.toISOString() ?? null,
    monthlyPriceCents: sub.monthlyPriceCents,
    currency: sub.currency,
    autoRenew: sub.autoRenew,
    onlineCancellable: sub.onlineCancellable,
    status: sub.status as SubscriptionStatus,
    licenses: sub.licenseCounts,
  };
}

/** The policy's view of a subscription (domain/ knows nothing of rows). */
export function termsOf(sub: SubscriptionRecord): SubscriptionTerms {
  return {
    productFamily: sub.productFamily,
    purchaseChannel: sub.purchaseChannel as PurchaseChannel,
    billing: sub.billing as Billing,
    currentPeriodStart: sub.currentPeriodStart,
    currentPeriodEnd: sub.currentPeriodEnd,
    contractEnd: sub.contractEnd,
    monthlyPriceCents: sub.monthlyPriceCents,
    currency: sub.currency,
    onlineCancellable: sub.onlineCancellable,
    status: sub.status as SubscriptionStatus,
  };
}

export async function getSubscription(services: Services, principal: Principal, id: string) {
  return subscriptionView(await subscriptionFor(services, principal, id));
}

/**
 * A dry run of POST /v1/cancellations with the same domain functions the workflow uses, from
 * database reads only: nothing is written and no workflow starts.
 *
 * A support agent previews the support channel (P12), where `not_cancellable_online` does not
 * apply. The customer who will ask is only named when support submits, so the role rules (P8–P10)
 * are left to that request rather than guessed here.
 */
export async function previewCancellation(
  services: Services,
  principal: Principal,
  id: string,
): Promise<z.output<typeof CancellationPreview>> {
  const sub = await subscriptionFor(services, principal, id);
  const terms = termsOf(sub);
  const channel = principal.kind === 'user' ? 'online' : 'support';
  const { refusals } = assessEligibility({
    subscription: terms,
    requesterRoles: principal.kind === 'user' ? principal.roles : [],
    balanceCents: await accountBalanceCents(services.db, sub.accountId),
    channel,
  });
  const applicable = channel === 'online' ? refusals : refusals.filter((r) => r.code !== ErrorCode.roleNotPermitted);
  return {
    eligible: applicable.length === 0,
    channel,
    refusals: applicable,
    effectiveAt: effectiveDate(terms).toISOString(), // P2
    charges: computeCharges(terms, services.clock()), // P13–P15, as if accepted now
  };
}

/**
 * P6: unassigns every licence of the subscription in one write, recorded under the request's id so that
 * a retry answers the same count, then has the subscription's running cancellation, if any, re-count
 * them, and answers once it has (API.md): a read right after shows `licensesUnassigned`.
 */
export async function unassignAll(services: Services, principal: Principal, id: string) {
  const sub = await subscriptionFor(services, principal, id);
  assertMayFollowUp(principal, 'unassign_all', sub);
  const open = await findOpenCancellation(services.db, sub.id);
  const unassigned = await unassignAllLicensesOnce(services.db, {
    subscriptionId: sub.id,
    accountId: sub.accountId,
    cancellationId: open?.id ?? null,
    actor: principalRef(principal),
    requestId: updateIdFor(services.requestKey, 'unassign-all') ?? randomUUID(),
  });
  if (open && open.stage !== 'deactivating') {
    services.logger.info({ workflowId: open.workflowId, cancellationId: open.id }, 'sending recountLicenses');
    await recountLicenses(services.workflows, open.workflowId, updateIdFor(services.requestKey, 'recount-licenses'));
  }
  return { unassigned };
}
