import type { z } from 'zod';
import { listNotifications as listNotificationRows } from '../../db/notifications';
import type { Page, PageRequest } from '../../db/pagination';
import { listAccountSubscriptions } from '../../db/subscriptions';
import type { Principal } from '../auth';
import type { AccountProducts, Notification } from '../schemas';
import { assertAccountAccess } from './access';
import type { Services } from './context';
import { subscriptionView } from './subscriptions';

/**
 * The account's products (P3): what is active, what has a cancellation scheduled, and `discover`,
 * each product of a cancelled subscription that no active or scheduled subscription still holds
 * (one entry per product code, with its latest cancellation; most recent first).
 */
export async function accountProducts(
  services: Services,
  principal: Principal,
  accountId: string,
): Promise<z.output<typeof AccountProducts>> {
  await assertAccountAccess(services, principal, accountId);
  const subs = await listAccountSubscriptions(services.db, accountId);
  const held = new Set(subs.filter((s) => s.status !== 'cancelled').map((s) => s.productCode));
  const discover = new Map<string, { product: { code: string; name: string; family: string }; cancelledAt: Date }>();
  for (const s of subs) {
    if (s.status !== 'cancelled' || held.has(s.productCode)) continue;
    const cancelledAt = s.cancelledAt ?? s.updatedAt;
    const seen = discover.get(s.productCode);
    if (seen && seen.cancelledAt >= cancelledAt) continue;
    discover.set(s.productCode, {
      product: { code: s.productCode, name: s.productName, family: s.productFamily },
      cancelledAt,
    });
  }
  return {
    active: subs.filter((s) => s.status === 'active').map(subscriptionView),
    cancellationScheduled: subs.filter((s) => s.status === 'cancellation_scheduled').map(subscriptionView),
    discover: [...discover.values()]
      .sort((a, b) => b.cancelledAt.getTime() - a.cancelledAt.getTime() || a.product.code.localeCompare(b.product.code))
      .map((d) => ({ product: d.product, cancelledAt: d.cancelledAt.toISOString() })),
  };
}

function parsePayload(text: string): Record<string, unknown> {
  try {
    const value: unknown = JSON.parse(text);
    return value && typeof value === 'object' && !Array.isArray(value) ? (value as Record<string, unknown>) : {};
  } catch {
    return {};
  }
}

/** The account's notifications, from the outbox the workflow's activities write to. */
export async function accountNotifications(
  services: Services,
  principal: Principal,
  accountId: string,
  page: PageRequest,
): Promise<Page<z.output<typeof Notification>>> {
  await assertAccountAccess(services, principal, accountId);
  const rows = await listNotificationRows(services.db, accountId, page);
  return {
    data: rows.data.map((n) => ({
      id: n.id,
      template: n.template as z.output<typeof Notification>['template'],
      recipient: n.recipient,
      payload: parsePayload(n.payload),
      locale: n.locale === 'fr' ? 'fr' : 'en',
      status: n.status as z.output<typeof Notification>['status'],
      attempts: n.attempts,
      sentAt: n.sentAt?.toISOString() ?? null,
      lastError: n.lastError,
      createdAt: n.createdAt.toISOString(),
    })),
    hasMore: rows.hasMore,
  };
}
