import { addMonthsUtc } from '../domain/dates';
import type { FixtureInput } from '../db/fixtures';

/**
 * The demo data `npm start` loads into an empty database: one account per policy branch. Dates are
 * relative to `now` so the demo never goes stale. The README lists these tokens.
 */
export const DEMO_TOKENS = {
  acmeBillingAdmin: 'demo-acme-billing-admin',
  acmeProductAdmin: 'demo-acme-product-admin',
  connectSuperAdmin: 'demo-voxa-super-admin',
  connectBillingAdmin: 'demo-voxa-billing-admin',
  salesRepProductAdmin: 'demo-globex-product-admin',
  contractBillingAdmin: 'demo-initech-billing-admin',
  owingBillingAdmin: 'demo-umbrella-billing-admin',
  supportAgent: 'demo-support-agent-sam',
  /** A service token (API.md v1.2): the demo admin console, which mints portal links. */
  adminConsole: 'demo-console-service',
} as const;

const address = (city: string, postalCode: string) => ({ line1: '1 rue de la Paix', city, postalCode, country: 'FR' });

function startOfUtcDay(date: Date): Date {
  return new Date(Date.UTC(date.getUTCFullYear(), date.getUTCMonth(), date.getUTCDate()));
}

export function buildDemoFixture(now: Date = new Date()): FixtureInput {
  const today = startOfUtcDay(now);
  // A monthly period that started 10 days ago; a contract that started 6 months ago for 12 months (P2's example).
  const periodStart = new Date(today.getTime() - 10 * 86_400_000);
  const monthly = (start: Date) => ({
    billing: 'monthly' as const,
    currentPeriodStart: start.toISOString(),
    currentPeriodEnd: addMonthsUtc(start, 1).toISOString(),
    contractStart: null,
    contractEnd: null,
  });
  const contractStart = addMonthsUtc(periodStart, -6);
  const iso = (d: Date) => d.toISOString();

  return {
    accounts: [
      {
        id: 'acc_acme',
        name: 'Acme (online monthly plans, P10)',
        paymentMethod: { last4: '4242', billingAddress: address('Paris', '75002') },
        invoices: [{ id: 'inv_acme_1', amountDueCents: 4900, status: 'paid' }],
        users: [
          { id: 'usr_ada', email: 'ada@acme.test', roles: ['billing_admin'], token: DEMO_TOKENS.acmeBillingAdmin },
          { id: 'usr_pat', email: 'pat@acme.test', roles: ['product_admin'], token: DEMO_TOKENS.acmeProductAdmin },
        ],
        subscriptions: [
          {
            id: 'sub_acme_webinar',
            product: { code: 'webinar', name: 'GoTo Webinar', family: 'webinar' },
            purchaseChannel: 'online',
            ...monthly(periodStart),
            monthlyPriceCents: 4900,
            currency: 'EUR',
            onlineCancellable: true,
            licenses: [
              { id: 'lic_acme_1', assignedTo: 'usr_ada' },
              { id: 'lic_acme_2', assignedTo: 'usr_pat' },
              { id: 'lic_acme_3', assignedTo: null },
            ],
          },
          {
            id: 'sub_acme_meeting',
            product: { code: 'meeting', name: 'GoTo Meeting', family: 'meeting' },
            purchaseChannel: 'online',
            ...monthly(periodStart),
            monthlyPriceCents: 1900,
            currency: 'EUR',
            onlineCancellable: true,
            licenses: [{ id: 'lic_acme_4', assignedTo: null }],
          },
        ],
      },
      {
        id: 'acc_voxa',
        name: 'Voxa (Connect plan, P8)',
        paymentMethod: { last4: '1111', billingAddress: address('Lyon', '69001') },
        users: [
          {
            id: 'usr_vera',
            email: 'vera@voxa.test',
            roles: ['super_admin'],
            token: DEMO_TOKENS.connectSuperAdmin,
            locale: 'fr',
          },
          {
            id: 'usr_bill',
            email: 'bill@voxa.test',
            roles: ['billing_admin'],
            token: DEMO_TOKENS.connectBillingAdmin,
          },
        ],
        subscriptions: [
          {
            id: 'sub_voxa_connect',
            product: { code: 'connect', name: 'GoTo Connect', family: 'connect' },
            purchaseChannel: 'online',
            ...monthly(periodStart),
            monthlyPriceCents: 2700,
            currency: 'EUR',
            onlineCancellable: true,
            licenses: [{ id: 'lic_voxa_1', assignedTo: 'usr_vera' }],
          },
        ],
      },
      {
        id: 'acc_globex',
        name: 'Globex (bought through a sales representative, P9, support only)',
        paymentMethod: { last4: '5555', billingAddress: address('Nantes', '44000') },
        users: [
          {
            id: 'usr_gil',
            email: 'gil@globex.test',
            roles: ['product_admin'],
            token: DEMO_TOKENS.salesRepProductAdmin,
          },
          { id: 'usr_gaby', email: 'gaby@globex.test', roles: ['billing_admin'] },
        ],
        subscriptions: [
          {
            id: 'sub_globex_rescue',
            product: { code: 'rescue', name: 'GoTo Resolve', family: 'resolve' },
            purchaseChannel: 'sales_rep',
            ...monthly(periodStart),
            monthlyPriceCents: 9900,
            currency: 'EUR',
            onlineCancellable: false,
            licenses: [{ id: 'lic_globex_1', assignedTo: null }],
          },
        ],
      },
      {
        id: 'acc_initech',
        name: 'Initech (12-month fixed-term contract, P2/P14)',
        paymentMethod: { last4: '0005', billingAddress: address('Lille', '59000') },
        users: [
          {
            id: 'usr_ian',
            email: 'ian@initech.test',
            roles: ['billing_admin', 'super_admin'],
            token: DEMO_TOKENS.contractBillingAdmin,
          },
        ],
        subscriptions: [
          {
            id: 'sub_initech_meeting',
            product: { code: 'meeting', name: 'GoTo Meeting Business', family: 'meeting' },
            purchaseChannel: 'online',
            billing: 'fixed_term',
            currentPeriodStart: iso(periodStart),
            currentPeriodEnd: iso(addMonthsUtc(periodStart, 1)),
            contractStart: iso(contractStart),
            contractEnd: iso(addMonthsUtc(contractStart, 12)),
            monthlyPriceCents: 1200,
            currency: 'EUR',
            onlineCancellable: true,
            licenses: [{ id: 'lic_initech_1', assignedTo: 'usr_ian' }],
          },
        ],
      },
      {
        id: 'acc_umbrella',
        name: 'Umbrella (open invoice, P4)',
        paymentMethod: { last4: '9999', billingAddress: address('Marseille', '13001') },
        invoices: [{ id: 'inv_umbrella_1', amountDueCents: 1200, status: 'open' }],
        users: [
          {
            id: 'usr_uma',
            email: 'uma@umbrella.test',
            roles: ['billing_admin'],
            token: DEMO_TOKENS.owingBillingAdmin,
          },
        ],
        subscriptions: [
          {
            id: 'sub_umbrella_webinar',
            product: { code: 'webinar', name: 'GoTo Webinar', family: 'webinar' },
            purchaseChannel: 'online',
            ...monthly(periodStart),
            monthlyPriceCents: 4900,
            currency: 'EUR',
            onlineCancellable: true,
          },
        ],
      },
    ],
    supportAgents: [{ id: 'agt_sam', email: 'sam@support.test', token: DEMO_TOKENS.supportAgent }],
    serviceTokens: [{ id: 'svc_console', name: 'Demo admin console', token: DEMO_TOKENS.adminConsole }],
  };
}
