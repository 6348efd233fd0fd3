import { accountExists } from '../../db/accounts';
import { findCancellation } from '../../db/cancellation-reads';
import type { Cancellation } from '../../db/generated/sqlite/client';
import { findSubscription, type SubscriptionRecord } from '../../db/subscriptions';
import type { Principal } from '../auth';
import { ApiError, notFound } from '../errors';
import { ErrorCode } from '../../domain/errors';
import { followUpRefusalMessage, mayFollowUp, type FollowUp, type FollowUpActor } from '../../domain/roles';
import type { PurchaseChannel } from '../../domain/types';
import type { Services } from './context';

/**
 * Who sees what: a customer user sees their own account only, a support agent any account. A
 * resource outside the caller's reach answers exactly like a missing one (API.md: ids can't be probed).
 */
const mayRead = (principal: Principal, accountId: string): boolean =>
  principal.kind === 'support' || principal.accountId === accountId;

export async function subscriptionFor(
  services: Services,
  principal: Principal,
  id: string,
  param?: string,
): Promise<SubscriptionRecord> {
  const sub = await findSubscription(services.db, id);
  if (!sub || !mayRead(principal, sub.accountId)) throw notFound('subscription', id, param);
  return sub;
}

export async function cancellationFor(services: Services, principal: Principal, id: string): Promise<Cancellation> {
  const row = await findCancellation(services.db, id);
  if (!row || !mayRead(principal, row.accountId)) throw notFound('cancellation', id);
  return row;
}

/** The subscription a cancellation belongs to (for the role rules of its follow-ups). */
export async function subscriptionOf(services: Services, row: Cancellation): Promise<SubscriptionRecord> {
  const sub = await findSubscription(services.db, row.subscriptionId);
  if (!sub) throw notFound('cancellation', row.id);
  return sub;
}

export async function assertAccountAccess(services: Services, principal: Principal, accountId: string): Promise<void> {
  const visible =
    principal.kind === 'user' ? principal.accountId === accountId : await accountExists(services.db, accountId);
  if (!visible) throw notFound('account', accountId);
}

/**
 * API.md "who" for the follow-ups of a cancellation: 403 `role_not_permitted` for a user without the role
 * (P8–P10, or product_admin for unassign-all), 403 `permission_denied` for a support agent where only the
 * customer may act. Called after the resource was found (checks run 404, then 403).
 */
export function assertMayFollowUp(
  principal: Principal,
  action: FollowUp,
  row: Pick<SubscriptionRecord, 'productFamily' | 'purchaseChannel'>,
): void {
  const sub = { productFamily: row.productFamily, purchaseChannel: row.purchaseChannel as PurchaseChannel };
  const actor: FollowUpActor = principal.kind === 'user' ? { kind: 'user', roles: principal.roles } : principal;
  if (mayFollowUp(action, sub, actor)) return;
  if (principal.kind === 'support') {
    throw new ApiError('permission_error', 'permission_denied', 'Only the customer may do this, not support.');
  }
  throw new ApiError('permission_error', ErrorCode.roleNotPermitted, followUpRefusalMessage(action, sub));
}
