import { accountExists } from '../../db/accounts';
import { findCancellation } from '../../db/cancellation-reads';
import type { Cancellation } from '../../db/generated/sqlite/client';
import { findSubscription, type SubscriptionRecord } from '../../db/subscriptions';
import type { Principal } from '../auth';
import { notFound } from '../errors';
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

export async function assertAccountAccess(services: Services, principal: Principal, accountId: string): Promise<void> {
  const visible =
    principal.kind === 'user' ? principal.accountId === accountId : await accountExists(services.db, accountId);
  if (!visible) throw notFound('account', accountId);
}
