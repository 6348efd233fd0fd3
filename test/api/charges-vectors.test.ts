/**
 * API.md's charges rule (P2, P13–P15) end to end: the shared worked cases through the preview, the accepted
 * cancellation and its read, on a real Temporal dev server, worker and database. The vectors are dated 2030 on
 * purpose: the rule depends on the moment of acceptance only through its order against the period ends, so a
 * case accepted today gives the vector's answer whenever that order is the vector's too.
 */
import type { FixtureInput } from '../../db/fixtures';
import { loadChargesVectors, type ChargesVector } from '../helpers/charges-vectors';
import { eventually, getAs, postAs, startLiveStack, type LiveStack } from './live-stack';

const DAY = 86_400_000;
const TOKEN = 'test-vectors-billing-admin';
const now = new Date();
const vectors = loadChargesVectors();

/** Every period end on the same side of today as of the vector's own moment of acceptance. */
function sameOrderToday(v: ChargesVector): boolean {
  const ends = [v.expected.effectiveAt, ...v.expected.charges.lines.map((l) => l.periodEnd)];
  const accepted = new Date(v.acceptedAt).getTime();
  return ends.every((end) => new Date(end).getTime() > accepted === new Date(end).getTime() > now.getTime());
}
const runnable = vectors.map((v, i) => ({ v, id: `sub_vector_${i}` })).filter(({ v }) => sameOrderToday(v));

const subscription = (id: string, terms: ChargesVector['subscription'], extra: object = {}) => ({
  id,
  product: { code: 'webinar', name: 'GoTo Webinar', family: 'webinar' },
  purchaseChannel: 'online' as const,
  onlineCancellable: true,
  ...terms,
  ...extra,
});

const iso = (ms: number) => new Date(ms).toISOString();
function fixture(): FixtureInput {
  return {
    accounts: [
      {
        id: 'acc_vectors',
        name: 'Vectors',
        paymentMethod: {
          last4: '1234',
          billingAddress: { line1: '1 rue Vecteur', city: 'Paris', postalCode: '75001', country: 'FR' },
        },
        // A credit note and a paid invoice: the balance is -500, so the account owes nothing (P4).
        invoices: [
          { id: 'inv_vectors_credit', amountDueCents: -500, status: 'open' },
          { id: 'inv_vectors_paid', amountDueCents: 900, status: 'paid' },
        ],
        users: [{ id: 'usr_vectors', email: 'vic@vectors.test', roles: ['billing_admin'], token: TOKEN }],
        subscriptions: [
          ...runnable.map(({ v, id }) => subscription(id, v.subscription)),
          // The ended-period case built relative to now: the period ended an hour ago, renewal not recorded.
          subscription('sub_ended_period', {
            monthlyPriceCents: 4900,
            currency: 'EUR',
            billing: 'monthly',
            contractStart: null,
            contractEnd: null,
            currentPeriodStart: iso(now.getTime() - 31 * DAY),
            currentPeriodEnd: iso(now.getTime() - 3_600_000),
          }),
          // A contract that ended 10 days ago and renews month to month (P2): effective at its period end.
          subscription('sub_past_contract', {
            monthlyPriceCents: 3000,
            currency: 'EUR',
            billing: 'fixed_term',
            contractStart: iso(now.getTime() - 375 * DAY),
            contractEnd: iso(now.getTime() - 10 * DAY),
            currentPeriodStart: iso(now.getTime() - 5 * DAY),
            currentPeriodEnd: iso(now.getTime() + 25 * DAY),
          }),
        ],
      },
    ],
  };
}

let stack: LiveStack;
beforeAll(async () => {
  stack = await startLiveStack('charges_vectors', fixture());
}, 180_000);
afterAll(() => stack?.close(), 60_000);

// eslint-disable-next-line @typescript-eslint/no-explicit-any -- response bodies, compared field by field
const withoutDescriptions = (charges: any) => ({
  ...charges,
  lines: charges.lines.map(({ description: _d, ...line }: { description: string }) => line),
});

it('runs every worked case whose order against today is its own (all but the ended period)', () => {
  expect(runnable.length).toBe(vectors.filter((v) => !v.expected.takesEffectAtOnce).length);
  expect(runnable.length).toBeGreaterThanOrEqual(9);
});

describe.each(runnable.map(({ v, id }) => [v.name, v, id] as const))('%s (P2, P13–P15)', (_name, v, id) => {
  it('previews, accepts and reads back the expected effective date and charges', async () => {
    const preview = await getAs(stack.api, TOKEN, `/v1/subscriptions/${id}/cancellation-preview`);
    expect(preview.status).toBe(200);
    expect(preview.body.eligible).toBe(true);
    expect(preview.body.effectiveAt).toBe(v.expected.effectiveAt);
    expect(withoutDescriptions(preview.body.charges)).toEqual(v.expected.charges);

    const created = await postAs(stack.api, TOKEN, '/v1/cancellations', { subscriptionId: id });
    expect(created.status).toBe(201);
    expect(created.body.effectiveAt).toBe(v.expected.effectiveAt);
    expect(withoutDescriptions(created.body.charges)).toEqual(v.expected.charges);
    // P4: the account is in credit, which is a clear balance.
    expect(created.body.checklist.balanceClear).toBe(true);

    const read = await getAs(stack.api, TOKEN, `/v1/cancellations/${created.body.id as string}`);
    expect(read.body.effectiveAt).toBe(v.expected.effectiveAt);
    expect(read.body.charges).toEqual(created.body.charges);
    const row = await stack.tdb.db.cancellation.findUniqueOrThrow({ where: { id: created.body.id as string } });
    expect(row.effectiveAt.toISOString()).toBe(v.expected.effectiveAt);
  });
});

describe('a monthly period already over when the cancellation is accepted (API.md: takes effect at once)', () => {
  it('bills nothing, answers 201 accepted, and deactivates within seconds (P2, P3, P15)', async () => {
    const sub = await stack.tdb.db.subscription.findUniqueOrThrow({ where: { id: 'sub_ended_period' } });
    const preview = await getAs(stack.api, TOKEN, '/v1/subscriptions/sub_ended_period/cancellation-preview');
    expect(preview.body.charges).toEqual({ currency: 'EUR', remainingCents: 0, refundCents: 0, lines: [] });

    const created = await postAs(stack.api, TOKEN, '/v1/cancellations', { subscriptionId: 'sub_ended_period' });
    expect(created.status).toBe(201);
    expect(['awaiting_prerequisites', 'scheduled']).toContain(created.body.stage);
    expect(created.body.effectiveAt).toBe(sub.currentPeriodEnd.toISOString());
    expect(created.body.charges).toEqual({ currency: 'EUR', remainingCents: 0, refundCents: 0, lines: [] });

    const done = await eventually(
      () => getAs(stack.api, TOKEN, `/v1/cancellations/${created.body.id as string}`),
      (res) => res.body.stage === 'completed',
    );
    expect(done.body.stage).toBe('completed');
    expect(done.body.warnings).toEqual(['data_backup_unconfirmed']);
  }, 30_000);
});

describe('a fixed-term contract past its end, renewing month to month', () => {
  it('takes effect at its current period end, not at the old contract end, and bills that period once (P2, P14)', async () => {
    const sub = await stack.tdb.db.subscription.findUniqueOrThrow({ where: { id: 'sub_past_contract' } });
    const created = await postAs(stack.api, TOKEN, '/v1/cancellations', { subscriptionId: 'sub_past_contract' });
    expect(created.status).toBe(201);
    expect(created.body.effectiveAt).toBe(sub.currentPeriodEnd.toISOString());
    expect(created.body.charges.remainingCents).toBe(3000);
    expect(created.body.charges.lines).toHaveLength(1);
    // The workflow waits for that date: it is still running, its stage unchanged.
    const description = await stack.env.client.workflow.getHandle(created.body.workflowId as string).describe();
    expect(description.status.name).toBe('RUNNING');
    const read = await getAs(stack.api, TOKEN, `/v1/cancellations/${created.body.id as string}`);
    expect(read.body.stage).toBe('awaiting_prerequisites');
  });
});
