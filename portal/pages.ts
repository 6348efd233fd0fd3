/**
 * What the portal's pages read and change, through the API's services (api/services/): the same access checks
 * (404 for another account's ids), the same role rules (P6–P10) and the same errors as the HTTP API.
 */
import type { UserPrincipal } from '../api/auth';
import { cancellationFor, subscriptionOf } from '../api/services/access';
import { confirmBackup, createCancellation, getCancellation, withdraw } from '../api/services/cancellations';
import type { Services } from '../api/services/context';
import { getSubscription, previewCancellation, unassignAll } from '../api/services/subscriptions';
import { findOpenCancellation } from '../db/cancellation-reads';
import { listCancellationNotifications } from '../db/notifications';
import { mayFollowUp } from '../domain/roles';
import type { PurchaseChannel, ReasonCode } from '../domain/types';
import type { CancellationPage } from './views/cancellation';
import type { SubscriptionView } from './views/subscription';

interface Reader {
  services: Services;
  principal: UserPrincipal;
}

/** The open cancellation of each scheduled subscription, for the products page's "follow" links. */
export async function loadOpenCancellations(services: Services, subs: { id: string }[]): Promise<Map<string, string>> {
  const open = new Map<string, string>();
  for (const sub of subs) {
    const row = await findOpenCancellation(services.db, sub.id);
    if (row) open.set(sub.id, row.id);
  }
  return open;
}

export async function loadSubscriptionPage({ services, principal }: Reader, id: string): Promise<SubscriptionView> {
  const subscription = await getSubscription(services, principal, id);
  const preview = await previewCancellation(services, principal, id);
  const open = await findOpenCancellation(services.db, id);
  return { subscription, preview, openCancellationId: open?.id ?? null };
}

export async function loadCancellationPage({ services, principal }: Reader, id: string): Promise<CancellationPage> {
  const cancellation = await getCancellation(services, principal, id);
  const row = await cancellationFor(services, principal, id);
  const sub = await subscriptionOf(services, row);
  const terms = { productFamily: sub.productFamily, purchaseChannel: sub.purchaseChannel as PurchaseChannel };
  const actor = { kind: 'user' as const, roles: principal.roles };
  const notifications = await listCancellationNotifications(services.db, id);
  return {
    cancellation,
    productName: sub.productName,
    licencesAssigned: sub.licenseCounts.assigned,
    may: {
      unassign: mayFollowUp('unassign_all', terms, actor),
      backup: mayFollowUp('data_backup', terms, actor),
      withdraw: mayFollowUp('withdraw', terms, actor),
    },
    notifications: notifications.map((n) => ({
      template: n.template,
      status: n.status,
      sentAt: n.sentAt?.toISOString() ?? null,
    })),
    now: services.clock(),
  };
}

const cancellationPage = (id: string, done: string) => `/portal/cancellations/${id}?done=${done}`;

/** The portal's changes: each answers where the browser goes next (Post/Redirect/Get). */
export const makeChange = {
  async cancel(
    services: Services,
    principal: UserPrincipal,
    subscriptionId: string,
    reason: { code: ReasonCode; comment?: string } | null,
  ): Promise<string> {
    const cancellation = await createCancellation(services, principal, {
      subscriptionId,
      ...(reason ? { reason } : {}),
    });
    return cancellationPage(cancellation.id, 'cancelled');
  },
  async unassignAll(services: Services, principal: UserPrincipal, cancellationId: string): Promise<string> {
    const row = await cancellationFor(services, principal, cancellationId);
    const { unassigned } = await unassignAll(services, principal, row.subscriptionId);
    return `${cancellationPage(cancellationId, 'unassigned')}&n=${unassigned}`;
  },
  async backup(
    services: Services,
    principal: UserPrincipal,
    cancellationId: string,
    location: string,
  ): Promise<string> {
    await confirmBackup(services, principal, cancellationId, location);
    return cancellationPage(cancellationId, 'backup');
  },
  async withdraw(services: Services, principal: UserPrincipal, cancellationId: string): Promise<string> {
    await withdraw(services, principal, cancellationId);
    return cancellationPage(cancellationId, 'withdrawn');
  },
};
