/**
 * The accounts the browser suite signs in to, one per branch of the policy a page shows: Acme (online monthly
 * plans, P10) with a billing admin and a product admin, Voxa (a Connect plan, P8), Globex (bought through a sales
 * representative, P9, P11), Umbrella (an open invoice, P4), and a cancelled product for P3's "discover".
 */
import { addMonthsUtc } from '../../domain/dates';
import type { FixtureInput } from '../../db/fixtures';

type Sub = NonNullable<NonNullable<FixtureInput['accounts']>[number]['subscriptions']>[number];

/** A monthly, online-cancellable subscription whose period ends at `end`. */
function monthly(id: string, code: string, name: string, family: string, end: Date, extra: Partial<Sub> = {}): Sub {
  return {
    id,
    product: { code, name, family },
    purchaseChannel: 'online',
    billing: 'monthly',
    currentPeriodStart: addMonthsUtc(end, -1).toISOString(),
    currentPeriodEnd: end.toISOString(),
    contractStart: null,
    contractEnd: null,
    monthlyPriceCents: 4900,
    currency: 'EUR',
    onlineCancellable: true,
    ...extra,
  } as Sub;
}

const address = { line1: '1 rue de la Paix', city: 'Paris', postalCode: '75002', country: 'FR' };

/** `soonEnd`: when the subscription the whole-flow test cancels reaches its effective date. */
export function browserFixture(now: Date, soonEnd: Date): FixtureInput {
  const later = new Date(now.getTime() + 20 * 86_400_000);
  return {
    accounts: [
      {
        id: 'acc_acme',
        name: 'Acme',
        paymentMethod: { last4: '4242', billingAddress: address },
        users: [
          { id: 'usr_ada', email: 'ada@acme.test', roles: ['billing_admin'] },
          { id: 'usr_pat', email: 'pat@acme.test', roles: ['product_admin'] },
        ],
        subscriptions: [
          monthly('sub_acme_webinar', 'webinar', 'GoTo Webinar', 'webinar', soonEnd, {
            licenses: [
              { id: 'lic_acme_1', assignedTo: 'usr_ada' },
              { id: 'lic_acme_2', assignedTo: 'usr_pat' },
              { id: 'lic_acme_3', assignedTo: null },
            ],
          }),
          monthly('sub_acme_meeting', 'meeting', 'GoTo Meeting', 'meeting', later, {
            monthlyPriceCents: 1900,
            licenses: [{ id: 'lic_acme_4', assignedTo: 'usr_ada' }],
          }),
          monthly('sub_acme_training', 'training', 'GoTo Training', 'training', later, {
            monthlyPriceCents: 2900,
          }),
          monthly('sub_acme_chat', 'chat', 'GoTo Chat', 'chat', later, { monthlyPriceCents: 900 }),
          monthly('sub_acme_old', 'rescue', 'GoTo Resolve', 'resolve', new Date(now.getTime() - 40 * 86_400_000), {
            status: 'cancelled',
          }),
        ],
      },
      {
        id: 'acc_voxa',
        name: 'Voxa',
        paymentMethod: { last4: '1111', billingAddress: address },
        users: [
          { id: 'usr_vera', email: 'vera@voxa.test', roles: ['super_admin'], locale: 'fr' },
          { id: 'usr_bill', email: 'bill@voxa.test', roles: ['billing_admin'] },
        ],
        subscriptions: [monthly('sub_voxa_connect', 'connect', 'GoTo Connect', 'connect', later)],
      },
      {
        id: 'acc_globex',
        name: 'Globex',
        paymentMethod: { last4: '5555', billingAddress: address },
        users: [{ id: 'usr_gil', email: 'gil@globex.test', roles: ['product_admin'] }],
        subscriptions: [
          monthly('sub_globex_resolve', 'rescue', 'GoTo Resolve', 'resolve', later, {
            purchaseChannel: 'sales_rep',
            onlineCancellable: false,
          }),
        ],
      },
      {
        id: 'acc_umbrella',
        name: 'Umbrella',
        paymentMethod: { last4: '9999', billingAddress: address },
        invoices: [{ id: 'inv_umbrella_1', amountDueCents: 1200, status: 'open' }],
        users: [{ id: 'usr_uma', email: 'uma@umbrella.test', roles: ['billing_admin'] }],
        subscriptions: [monthly('sub_umbrella_webinar', 'webinar', 'GoTo Webinar', 'webinar', later)],
      },
    ],
    supportAgents: [],
  };
}
