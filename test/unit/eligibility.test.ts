import { assessEligibility, ErrorCode, RefusalCodes, type EligibilityInput } from '../../domain';

type Sub = EligibilityInput['subscription'];

function sub(overrides: Partial<Sub> = {}): Sub {
  return {
    productFamily: 'webinar',
    purchaseChannel: 'online',
    onlineCancellable: true,
    status: 'active',
    ...overrides,
  };
}

function input(overrides: Partial<EligibilityInput> = {}): EligibilityInput {
  return {
    subscription: sub(),
    requesterRoles: ['billing_admin'],
    balanceCents: 0,
    channel: 'online',
    ...overrides,
  };
}

const codes = (result: ReturnType<typeof assessEligibility>): string[] => result.refusals.map((r) => r.code);

describe('assessEligibility', () => {
  it('accepts a billing admin with no balance on an online-cancellable plan (P10, P4, P11)', () => {
    expect(assessEligibility(input())).toEqual({ eligible: true, refusals: [] });
  });

  describe('each refusal alone', () => {
    it('refuses a requester without the required role and names the rule and roles (P10, P11)', () => {
      const result = assessEligibility(input({ requesterRoles: ['product_admin'] }));
      expect(result.eligible).toBe(false);
      expect(codes(result)).toEqual([ErrorCode.roleNotPermitted]);
      expect(result.refusals[0].message).toBe(
        'This subscription can only be cancelled by a super admin or a billing admin (rule P10).',
      );
      expect(result.refusals[0].details).toEqual({ rule: 'P10', requiredRoles: ['super_admin', 'billing_admin'] });
    });

    it('refuses a billing admin on a Connect plan and says only a super admin may cancel it (P8)', () => {
      const result = assessEligibility(input({ subscription: sub({ productFamily: 'connect' }) }));
      expect(codes(result)).toEqual(['role_not_permitted']);
      expect(result.refusals[0].message).toBe('A Connect plan can only be cancelled by a super admin (rule P8).');
    });

    it('refuses a super admin on a sales-rep purchase and names both permitted roles (P9)', () => {
      const result = assessEligibility(
        input({ subscription: sub({ purchaseChannel: 'sales_rep' }), requesterRoles: ['super_admin'] }),
      );
      expect(codes(result)).toEqual(['role_not_permitted']);
      expect(result.refusals[0].message).toBe(
        'A subscription bought through a sales representative can only be cancelled by a product admin or ' +
          'an authorised billing contact (rule P9).',
      );
    });

    it('refuses while the account owes money and reports the balance (P4)', () => {
      const result = assessEligibility(input({ balanceCents: 1200 }));
      expect(result.eligible).toBe(false);
      expect(codes(result)).toEqual(['outstanding_balance']);
      expect(result.refusals[0].details).toEqual({ balanceCents: 1200 });
      expect(result.refusals[0].message).toMatch(/outstanding balance/);
    });

    it('does not refuse an account in credit (P4)', () => {
      expect(assessEligibility(input({ balanceCents: -500 })).refusals).toEqual([]);
    });

    it('refuses online self-service when the subscription is not cancellable online (P11)', () => {
      const result = assessEligibility(input({ subscription: sub({ onlineCancellable: false }) }));
      expect(result.eligible).toBe(false);
      expect(codes(result)).toEqual(['not_cancellable_online']);
      expect(result.refusals[0].message).toMatch(/contact support/i);
    });

    it('refuses a subscription that is already cancelled', () => {
      const result = assessEligibility(input({ subscription: sub({ status: 'cancelled' }) }));
      expect(result.eligible).toBe(false);
      expect(codes(result)).toEqual(['already_cancelled']);
      expect(result.refusals[0].message).toBe('This subscription is already cancelled.');
    });

    it('leaves a scheduled cancellation to the in-progress check rather than calling it already cancelled', () => {
      const result = assessEligibility(input({ subscription: sub({ status: 'cancellation_scheduled' }) }));
      expect(result.refusals).toEqual([]);
    });
  });

  it('lists all four refusals at once, in the order of the contract (P11)', () => {
    const result = assessEligibility({
      subscription: sub({
        productFamily: 'connect',
        purchaseChannel: 'sales_rep',
        onlineCancellable: false,
        status: 'cancelled',
      }),
      requesterRoles: ['billing_admin'],
      balanceCents: 4900,
      channel: 'online',
    });
    expect(result.eligible).toBe(false);
    expect(codes(result)).toEqual([...RefusalCodes]);
    expect(codes(result)).toEqual([
      'role_not_permitted',
      'outstanding_balance',
      'not_cancellable_online',
      'already_cancelled',
    ]);
    for (const refusal of result.refusals) expect(refusal.message.length).toBeGreaterThan(10);
  });

  describe('through support (P12)', () => {
    const notOnline = sub({ onlineCancellable: false });

    it('ignores the online-cancellable flag when support cancels (P12)', () => {
      const result = assessEligibility(input({ subscription: notOnline, channel: 'support' }));
      expect(result).toEqual({ eligible: true, refusals: [] });
    });

    it('still applies the role rules to the customer who asks support (P12, P10)', () => {
      const result = assessEligibility(input({ subscription: notOnline, channel: 'support', requesterRoles: [] }));
      expect(codes(result)).toEqual(['role_not_permitted']);
    });

    it('still refuses an outstanding balance through support (P12, P4)', () => {
      const result = assessEligibility(input({ subscription: notOnline, channel: 'support', balanceCents: 1 }));
      expect(codes(result)).toEqual(['outstanding_balance']);
    });
  });
});
