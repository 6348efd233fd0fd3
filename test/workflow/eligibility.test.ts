import type { Role } from '../../domain/types';
import { WorkflowHarness } from './harness';

const h = new WorkflowHarness();
beforeAll(() => h.setUp('wf-eligibility'), 120_000);
afterAll(() => h.tearDown());

async function refusalsFor(spec: Parameters<WorkflowHarness['seed']>[0], channel: 'online' | 'support' = 'online') {
  const seed = await h.seed(spec);
  const outcome = await h.submit(h.request(seed, channel === 'support' ? { channel, supportAgentId: 'agt_test' } : {}));
  return {
    seed,
    outcome,
    codes: outcome.accepted ? [] : 'refusals' in outcome ? outcome.refusals.map((r) => r.code) : ['conflict'],
  };
}

describe('who may cancel (P8–P10), decided by the workflow before the answer (P11)', () => {
  const connect = { product: { code: 'connect', name: 'GoTo Connect', family: 'connect' } };
  const salesRep = { purchaseChannel: 'sales_rep' as const };
  const cases: [string, Role[], object, boolean][] = [
    ['accepts a super admin on a Connect plan (P8)', ['super_admin'], connect, true],
    ['refuses a billing admin on a Connect plan (P8)', ['billing_admin'], connect, false],
    [
      'refuses a product admin on a Connect plan bought through a sales rep: P8 takes precedence (P8, P9)',
      ['product_admin'],
      { ...connect, ...salesRep },
      false,
    ],
    ['accepts a product admin on a sales-rep purchase (P9)', ['product_admin'], salesRep, true],
    [
      'accepts an authorised billing contact on a sales-rep purchase (P9)',
      ['authorized_billing_contact'],
      salesRep,
      true,
    ],
    ['refuses a billing admin on a sales-rep purchase (P9)', ['billing_admin'], salesRep, false],
    ['accepts a billing admin on any other plan (P10)', ['billing_admin'], {}, true],
    ['accepts a super admin on any other plan (P10)', ['super_admin'], {}, true],
    ['refuses a product admin on any other plan (P10)', ['product_admin'], {}, false],
  ];
  it.each(cases)('%s', async (_name, roles, subscription, accepted) => {
    const { outcome, codes } = await refusalsFor({ roles, subscription });
    expect(outcome.accepted).toBe(accepted);
    if (!accepted) expect(codes).toEqual(['role_not_permitted']);
    else if ('cancellation' in outcome) expect(outcome.cancellation.stage).toBe('awaiting_prerequisites');
  });
});

describe('refusals (P4, P11, P12)', () => {
  it('refuses while an invoice is open, with the balance (P4)', async () => {
    const { outcome } = await refusalsFor({ openInvoiceCents: 1200 });
    expect(outcome).toEqual({
      accepted: false,
      refusals: [expect.objectContaining({ code: 'outstanding_balance', details: { balanceCents: 1200 } })],
    });
  });

  it('refuses online when the subscription is not cancellable online (P11)', async () => {
    const { codes } = await refusalsFor({ subscription: { onlineCancellable: false } });
    expect(codes).toEqual(['not_cancellable_online']);
  });

  it('lets support cancel what is not cancellable online, but still checks the role (P12)', async () => {
    const ok = await refusalsFor({ subscription: { onlineCancellable: false } }, 'support');
    expect(ok.outcome.accepted).toBe(true);
    if ('cancellation' in ok.outcome) {
      expect(ok.outcome.cancellation.channel).toBe('support');
      expect(ok.outcome.cancellation.submittedBy.supportAgentId).toBe('agt_test');
    }
    const refused = await refusalsFor(
      { roles: ['product_admin'], subscription: { onlineCancellable: false } },
      'support',
    );
    expect(refused.codes).toEqual(['role_not_permitted']);
  });

  it('keeps refusing an outstanding balance through support (P4, P12)', async () => {
    const { codes } = await refusalsFor({ openInvoiceCents: 500 }, 'support');
    expect(codes).toEqual(['outstanding_balance']);
  });

  it('refuses an already cancelled subscription', async () => {
    const { codes } = await refusalsFor({ subscription: { status: 'cancelled' } });
    expect(codes).toEqual(['already_cancelled']);
  });

  it('lists every refusal that applies, in the contract order (P11)', async () => {
    const { codes, seed, outcome } = await refusalsFor({
      roles: ['product_admin'],
      openInvoiceCents: 3000,
      subscription: { onlineCancellable: false, status: 'cancelled' },
    });
    expect(codes).toEqual(['role_not_permitted', 'outstanding_balance', 'not_cancellable_online', 'already_cancelled']);
    for (const r of 'refusals' in outcome ? outcome.refusals : []) expect(r.message.length).toBeGreaterThan(10);

    // A refusal leaves an audit event and a notification, changes nothing, and the workflow ends.
    const events = await h.events(seed.subscriptionId);
    expect(events.map((e) => e.type)).toEqual(['cancellation_refused']);
    const notes = await h.notifications(seed.accountId);
    expect(notes.map((n) => [n.template, n.recipient])).toEqual([['cancellation_refused', seed.email]]);
    expect(await h.db.cancellation.count({ where: { subscriptionId: seed.subscriptionId } })).toBe(0);
    const sub = await h.subscription(seed.subscriptionId);
    expect(sub.autoRenew).toBe(true);
  });

  it('ends the workflow of a refusal', async () => {
    const seed = await h.seed({ roles: ['product_admin'] });
    const request = h.request(seed);
    await h.submit(request);
    const handle = h.env.client.workflow.getHandle(`cancellation-${seed.subscriptionId}-1`);
    await expect(handle.result()).resolves.toEqual({
      outcome: 'refused',
      refusals: [expect.objectContaining({ code: 'role_not_permitted' })],
    });
  });
});
