/**
 * The benchmark's accounts: `accounts` accounts, each with one billing admin (with an API token) and its
 * share of `subscriptions` monthly subscriptions whose current period ends at `periodEnd` (the effective
 * date of their cancellation, P2). No licences, no balance: every request is accepted.
 */
import type { Db } from '../../db/client';
import { loadFixture, parseFixture } from '../../db/fixtures';

export interface BenchAccount {
  accountId: string;
  userId: string;
  email: string;
  token: string;
}

export interface BenchSubscription {
  id: string;
  account: BenchAccount;
}

export async function seedBench(
  db: Db,
  prefix: string,
  { accounts, subscriptions, periodEnd }: { accounts: number; subscriptions: number; periodEnd: Date },
): Promise<BenchSubscription[]> {
  const owners: BenchAccount[] = Array.from({ length: accounts }, (_, a) => ({
    accountId: `acc_${prefix}_${a}`,
    userId: `usr_${prefix}_${a}`,
    email: `admin-${a}@${prefix}.bench.test`,
    token: `bench-${prefix}-${a}-token-0123456789`,
  }));
  const subs: BenchSubscription[] = Array.from({ length: subscriptions }, (_, i) => ({
    id: `sub_${prefix}_${i}`,
    account: owners[i % accounts],
  }));
  const periodStart = new Date(periodEnd.getTime() - 30 * 86_400_000);
  await loadFixture(
    db,
    parseFixture({
      accounts: owners.map((o) => ({
        id: o.accountId,
        name: `Bench ${o.accountId}`,
        paymentMethod: {
          last4: '4242',
          billingAddress: { line1: '1 rue', city: 'Paris', postalCode: '75001', country: 'FR' },
        },
        users: [{ id: o.userId, email: o.email, roles: ['billing_admin'], token: o.token }],
        subscriptions: subs
          .filter((s) => s.account === o)
          .map((s) => ({
            id: s.id,
            product: { code: 'webinar', name: 'GoTo Webinar', family: 'webinar' },
            purchaseChannel: 'online',
            billing: 'monthly',
            currentPeriodStart: periodStart.toISOString(),
            currentPeriodEnd: periodEnd.toISOString(),
            contractStart: null,
            contractEnd: null,
            monthlyPriceCents: 4900,
            currency: 'EUR',
            onlineCancellable: true,
            licenses: [],
          })),
      })),
    }),
  );
  return subs;
}
