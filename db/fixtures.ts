import { z } from 'zod';
import { Roles } from '../domain/types';
import type { Db } from './client';
import { ID_PATTERN, ID_PATTERN_MESSAGE } from './ids';
import { hashToken } from './tokens';

/**
 * The fixture format of API.md ("Fixtures"). Every error names its path in the file, e.g.
 * `accounts[1].subscriptions[0].billing: expected "monthly" | "fixed_term"`.
 */
const oneOf = <T extends readonly [string, ...string[]]>(values: T) =>
  z.enum(values, { error: () => `expected ${values.map((v) => JSON.stringify(v)).join(' | ')}` });

const isoDate = z.iso.datetime({ offset: true, error: 'expected an ISO 8601 date-time' }).transform((s) => new Date(s));
const id = z.string({ error: 'expected a string id' }).regex(ID_PATTERN, ID_PATTERN_MESSAGE);
const address = z.strictObject({
  line1: z.string().min(1),
  city: z.string().min(1),
  postalCode: z.string().min(1),
  country: z.string().length(2, 'expected an ISO 3166-1 alpha-2 country code'),
});

const subscription = z
  .strictObject({
    id,
    product: z.strictObject({ code: z.string().min(1), name: z.string().min(1), family: z.string().min(1) }),
    purchaseChannel: oneOf(['online', 'sales_rep'] as const),
    billing: oneOf(['monthly', 'fixed_term'] as const),
    currentPeriodStart: isoDate,
    currentPeriodEnd: isoDate,
    contractStart: isoDate.nullable(),
    contractEnd: isoDate.nullable(),
    monthlyPriceCents: z.number().int().nonnegative(),
    currency: z.string().regex(/^[A-Z]{3}$/, 'expected an ISO 4217 currency code'),
    onlineCancellable: z.boolean(),
    autoRenew: z.boolean().optional(),
    status: oneOf(['active', 'cancellation_scheduled', 'cancelled'] as const).optional(),
    licenses: z.array(z.strictObject({ id, assignedTo: id.nullable() })).default([]),
  })
  .superRefine((s, ctx) => {
    if (s.currentPeriodEnd <= s.currentPeriodStart)
      ctx.addIssue({ code: 'custom', path: ['currentPeriodEnd'], message: 'expected a date after currentPeriodStart' });
    if (s.billing === 'fixed_term') {
      for (const key of ['contractStart', 'contractEnd'] as const)
        if (!s[key])
          ctx.addIssue({ code: 'custom', path: [key], message: 'expected a date for a fixed_term contract' });
      if (s.contractStart && s.contractEnd && s.contractEnd <= s.contractStart)
        ctx.addIssue({ code: 'custom', path: ['contractEnd'], message: 'expected a date after contractStart' });
    } else {
      for (const key of ['contractStart', 'contractEnd'] as const)
        if (s[key]) ctx.addIssue({ code: 'custom', path: [key], message: 'expected null for a monthly plan' });
    }
  });

const account = z.strictObject({
  id,
  name: z.string().min(1),
  paymentMethod: z.strictObject({
    last4: z.string().regex(/^\d{4}$/, 'expected four digits'),
    billingAddress: address,
  }),
  invoices: z
    .array(z.strictObject({ id, amountDueCents: z.number().int(), status: oneOf(['open', 'paid'] as const) }))
    .default([]),
  users: z.array(
    z.strictObject({
      id,
      email: z.email(),
      roles: z.array(oneOf(Roles)),
      token: z.string().min(16, 'expected a token of at least 16 characters').optional(),
      /** API.md v1.2: the language of the user's e-mails; without it, English. */
      locale: oneOf(['en', 'fr'] as const).optional(),
    }),
  ),
  subscriptions: z.array(subscription).default([]),
});

export const fixtureSchema = z
  .strictObject({
    accounts: z.array(account).default([]),
    supportAgents: z.array(z.strictObject({ id, email: z.email(), token: z.string().min(16).optional() })).default([]),
    /** API.md v1.2: tokens of trusted backends (the provider's admin console), which may only create portal sessions. */
    serviceTokens: z
      .array(
        z.strictObject({
          id,
          name: z.string().trim().min(1, 'expected a name').max(200),
          token: z.string().min(16, 'expected a token of at least 16 characters'),
        }),
      )
      .default([]),
  })
  .superRefine((f, ctx) => {
    const seen = new Map<string, string>();
    const unique = (kind: string, value: string, path: (string | number)[]) => {
      const key = `${kind}:${value}`;
      if (seen.has(key)) ctx.addIssue({ code: 'custom', path, message: `duplicate ${kind} ${value}` });
      seen.set(key, path.join('.'));
    };
    f.accounts.forEach((a, ai) => {
      unique('account id', a.id, ['accounts', ai, 'id']);
      a.invoices.forEach((inv, i) => unique('invoice id', inv.id, ['accounts', ai, 'invoices', i, 'id']));
      const userIds = new Set(a.users.map((u) => u.id));
      a.users.forEach((u, i) => {
        unique('user id', u.id, ['accounts', ai, 'users', i, 'id']);
        unique('email', u.email.toLowerCase(), ['accounts', ai, 'users', i, 'email']);
        if (u.token) unique('token', u.token, ['accounts', ai, 'users', i, 'token']);
      });
      a.subscriptions.forEach((s, si) => {
        unique('subscription id', s.id, ['accounts', ai, 'subscriptions', si, 'id']);
        s.licenses.forEach((l, li) => {
          const path = ['accounts', ai, 'subscriptions', si, 'licenses', li];
          unique('license id', l.id, [...path, 'id']);
          if (l.assignedTo && !userIds.has(l.assignedTo))
            ctx.addIssue({
              code: 'custom',
              path: [...path, 'assignedTo'],
              message: `expected a user of account ${a.id}`,
            });
        });
      });
    });
    f.supportAgents.forEach((s, i) => {
      unique('support agent id', s.id, ['supportAgents', i, 'id']);
      unique('email', s.email.toLowerCase(), ['supportAgents', i, 'email']);
      if (s.token) unique('token', s.token, ['supportAgents', i, 'token']);
    });
    f.serviceTokens.forEach((s, i) => {
      unique('service token id', s.id, ['serviceTokens', i, 'id']);
      unique('token', s.token, ['serviceTokens', i, 'token']);
    });
  });

export type Fixture = z.infer<typeof fixtureSchema>;
export type FixtureInput = z.input<typeof fixtureSchema>;

export class FixtureError extends Error {
  override name = 'FixtureError';
  constructor(readonly problems: string[]) {
    super(problems.join('\n'));
  }
}

/** `['accounts', 1, 'subscriptions', 0, 'billing']` → `accounts[1].subscriptions[0].billing` */
export function formatPath(path: readonly PropertyKey[]): string {
  return path.reduce<string>((out, key) => {
    if (typeof key === 'number') return `${out}[${key}]`;
    return out ? `${out}.${String(key)}` : String(key);
  }, '');
}

export function parseFixture(input: unknown): Fixture {
  const result = fixtureSchema.safeParse(input);
  if (result.success) return result.data;
  throw new FixtureError(result.error.issues.map((i) => `${formatPath(i.path) || '(root)'}: ${i.message}`));
}

/**
 * Loads a parsed fixture in one transaction: either every row is written or none is. Ids that
 * already exist in the database are refused (naming the path) rather than overwritten.
 */
export async function loadFixture(db: Db, fixture: Fixture): Promise<{ accounts: number; subscriptions: number }> {
  const accountIds = fixture.accounts.map((a) => a.id);
  const subscriptionIds = fixture.accounts.flatMap((a) => a.subscriptions.map((s) => s.id));
  await db.$transaction(
    async (tx) => {
      const clashes: string[] = [];
      const existingAccounts = new Set(
        (await tx.account.findMany({ where: { id: { in: accountIds } }, select: { id: true } })).map((r) => r.id),
      );
      const existingSubs = new Set(
        (await tx.subscription.findMany({ where: { id: { in: subscriptionIds } }, select: { id: true } })).map(
          (r) => r.id,
        ),
      );
      fixture.accounts.forEach((a, ai) => {
        if (existingAccounts.has(a.id)) clashes.push(`accounts[${ai}].id: account ${a.id} already exists`);
        a.subscriptions.forEach((s, si) => {
          if (existingSubs.has(s.id))
            clashes.push(`accounts[${ai}].subscriptions[${si}].id: subscription ${s.id} already exists`);
        });
      });
      if (clashes.length) throw new FixtureError(clashes);

      for (const a of fixture.accounts) {
        await tx.account.create({ data: { id: a.id, name: a.name } });
        await tx.paymentMethod.create({
          data: { accountId: a.id, last4: a.paymentMethod.last4, ...a.paymentMethod.billingAddress },
        });
        if (a.invoices.length)
          await tx.invoice.createMany({ data: a.invoices.map((inv) => ({ ...inv, accountId: a.id })) });
        for (const u of a.users) {
          await tx.user.create({
            data: { id: u.id, accountId: a.id, email: u.email.toLowerCase(), locale: u.locale ?? null },
          });
          if (u.roles.length)
            await tx.userRole.createMany({ data: [...new Set(u.roles)].map((role) => ({ userId: u.id, role })) });
          if (u.token)
            await tx.apiToken.create({ data: { id: `tok_${u.id}`, tokenHash: hashToken(u.token), userId: u.id } });
        }
        for (const s of a.subscriptions) {
          await tx.subscription.create({
            data: {
              id: s.id,
              accountId: a.id,
              productCode: s.product.code,
              productName: s.product.name,
              productFamily: s.product.family,
              purchaseChannel: s.purchaseChannel,
              billing: s.billing,
              currentPeriodStart: s.currentPeriodStart,
              currentPeriodEnd: s.currentPeriodEnd,
              contractStart: s.contractStart,
              contractEnd: s.contractEnd,
              monthlyPriceCents: s.monthlyPriceCents,
              currency: s.currency,
              onlineCancellable: s.onlineCancellable,
              autoRenew: s.autoRenew ?? true,
              status: s.status ?? 'active',
            },
          });
          if (s.licenses.length)
            await tx.license.createMany({
              data: s.licenses.map((l) => ({ id: l.id, subscriptionId: s.id, assignedToUserId: l.assignedTo })),
            });
        }
      }
      for (const agent of fixture.supportAgents) {
        await tx.supportAgent.create({ data: { id: agent.id, email: agent.email.toLowerCase() } });
        if (agent.token)
          await tx.apiToken.create({
            data: { id: `tok_${agent.id}`, tokenHash: hashToken(agent.token), supportAgentId: agent.id },
          });
      }
      for (const service of fixture.serviceTokens) {
        await tx.serviceClient.create({ data: { id: service.id, name: service.name } });
        await tx.apiToken.create({
          // `:` is in no id: a user or an agent may have this id too (ids are per kind), never this row id.
          data: { id: `tok_svc:${service.id}`, tokenHash: hashToken(service.token), serviceClientId: service.id },
        });
      }
    },
    { timeout: 60_000, maxWait: 30_000 },
  );
  return { accounts: accountIds.length, subscriptions: subscriptionIds.length };
}
