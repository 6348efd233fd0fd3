import type { Db } from '../../db/client';
import { loadFixture, parseFixture, type FixtureInput } from '../../db/fixtures';
import type { Role } from '../../domain/types';

type AccountInput = NonNullable<FixtureInput['accounts']>[number];
type SubscriptionInput = NonNullable<AccountInput['subscriptions']>[number];

let counter = 0;

export interface AccountSpec {
  roles?: Role[];
  openInvoiceCents?: number;
  subscription?: Partial<SubscriptionInput>;
  /** Licences assigned to the account's user (the rest are unassigned). */
  assignedLicenses?: number;
  token?: string;
  locale?: 'en' | 'fr';
}

/**
 * One account with one user and one subscription, loaded through the real fixture loader. Defaults:
 * a billing admin on an online monthly plan whose period runs from 10 days ago to 20 days ahead.
 */
export async function seedAccount(db: Db, spec: AccountSpec = {}, now = new Date()) {
  const n = ++counter;
  const suffix = `${n}_${Math.random().toString(36).slice(2, 8)}`;
  const accountId = `acc_${suffix}`;
  const userId = `usr_${suffix}`;
  const subscriptionId = `sub_${suffix}`;
  const email = `admin${suffix}@example.test`;
  const day = 86_400_000;
  const assigned = spec.assignedLicenses ?? 0;
  const subscription: SubscriptionInput = {
    id: subscriptionId,
    product: { code: 'webinar', name: 'GoTo Webinar', family: 'webinar' },
    purchaseChannel: 'online',
    billing: 'monthly',
    currentPeriodStart: new Date(now.getTime() - 10 * day).toISOString(),
    currentPeriodEnd: new Date(now.getTime() + 20 * day).toISOString(),
    contractStart: null,
    contractEnd: null,
    monthlyPriceCents: 4900,
    currency: 'EUR',
    onlineCancellable: true,
    licenses: [
      ...Array.from({ length: assigned }, (_, i) => ({ id: `lic_${suffix}_a${i}`, assignedTo: userId })),
      { id: `lic_${suffix}_free`, assignedTo: null },
    ],
    ...spec.subscription,
  };
  const fixture: FixtureInput = {
    accounts: [
      {
        id: accountId,
        name: `Account ${suffix}`,
        paymentMethod: {
          last4: '4242',
          billingAddress: { line1: '1 rue de la Paix', city: 'Paris', postalCode: '75002', country: 'FR' },
        },
        invoices: spec.openInvoiceCents
          ? [{ id: `inv_${suffix}`, amountDueCents: spec.openInvoiceCents, status: 'open' }]
          : [],
        users: [
          {
            id: userId,
            email,
            roles: spec.roles ?? ['billing_admin'],
            ...(spec.token ? { token: spec.token } : {}),
            ...(spec.locale ? { locale: spec.locale } : {}),
          },
        ],
        subscriptions: [subscription],
      },
    ],
  };
  await loadFixture(db, parseFixture(fixture));
  return { accountId, userId, subscriptionId, email };
}

/** A fixture's online monthly subscription of one product, with two licences assigned to `assignedTo`. */
export function monthlySubscription(
  id: string,
  product: string,
  period: { start: Date; end: Date },
  assignedTo: [string, string | null],
): SubscriptionInput {
  return {
    id,
    product: { code: product, name: `GoTo ${product}`, family: product },
    purchaseChannel: 'online',
    billing: 'monthly',
    currentPeriodStart: period.start.toISOString(),
    currentPeriodEnd: period.end.toISOString(),
    contractStart: null,
    contractEnd: null,
    monthlyPriceCents: 1000,
    currency: 'EUR',
    onlineCancellable: true,
    licenses: assignedTo.map((user, i) => ({ id: `${id}_lic_${i + 1}`, assignedTo: user })),
  };
}
