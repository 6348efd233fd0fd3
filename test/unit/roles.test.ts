import {
  followUpRefusalMessage,
  mayCancel,
  mayFollowUp,
  roleLabel,
  roleRule,
  Roles,
  type Role,
  type SubscriptionTerms,
} from '../../domain';

type Plan = Pick<SubscriptionTerms, 'productFamily' | 'purchaseChannel'>;

const plans: { name: string; plan: Plan; rule: 'P8' | 'P9' | 'P10'; allowed: readonly Role[] }[] = [
  {
    name: 'a Connect plan',
    plan: { productFamily: 'connect', purchaseChannel: 'online' },
    rule: 'P8',
    allowed: ['super_admin'],
  },
  {
    name: 'a plan bought through a sales rep',
    plan: { productFamily: 'webinar', purchaseChannel: 'sales_rep' },
    rule: 'P9',
    allowed: ['product_admin', 'authorized_billing_contact'],
  },
  {
    // P8 takes precedence over P9.
    name: 'a Connect plan bought through a sales rep',
    plan: { productFamily: 'connect', purchaseChannel: 'sales_rep' },
    rule: 'P8',
    allowed: ['super_admin'],
  },
  {
    name: 'any other plan',
    plan: { productFamily: 'webinar', purchaseChannel: 'online' },
    rule: 'P10',
    allowed: ['super_admin', 'billing_admin'],
  },
];

describe('roleRule', () => {
  it('gives a Connect plan to super admins only (P8)', () => {
    expect(roleRule({ productFamily: 'connect', purchaseChannel: 'online' })).toEqual({
      rule: 'P8',
      roles: ['super_admin'],
    });
  });

  it('gives a sales-rep purchase to product admins and authorised billing contacts (P9)', () => {
    expect(roleRule({ productFamily: 'meeting', purchaseChannel: 'sales_rep' })).toEqual({
      rule: 'P9',
      roles: ['product_admin', 'authorized_billing_contact'],
    });
  });

  it('gives every other plan to super admins and billing admins (P10)', () => {
    expect(roleRule({ productFamily: 'meeting', purchaseChannel: 'online' })).toEqual({
      rule: 'P10',
      roles: ['super_admin', 'billing_admin'],
    });
  });

  it('applies P8 before P9 to a Connect plan bought through a sales rep (P8, P9 precedence)', () => {
    expect(roleRule({ productFamily: 'connect', purchaseChannel: 'sales_rep' }).rule).toBe('P8');
  });

  it('treats only the connect family as a Connect plan (P8)', () => {
    expect(roleRule({ productFamily: 'connect-addon', purchaseChannel: 'online' }).rule).toBe('P10');
  });
});

describe('mayCancel', () => {
  for (const { name, plan, rule, allowed } of plans) {
    for (const role of Roles) {
      const permitted = allowed.includes(role);
      const title = permitted
        ? `lets a ${roleLabel(role)} cancel ${name} (${rule})`
        : `refuses a ${roleLabel(role)} on ${name} (${rule})`;
      it(title, () => {
        expect(roleRule(plan).rule).toBe(rule);
        expect(mayCancel(plan, [role])).toBe(permitted);
      });
    }
  }

  it('refuses a super admin on a non-Connect sales-rep purchase, since P9 does not name them (P9)', () => {
    expect(mayCancel({ productFamily: 'webinar', purchaseChannel: 'sales_rep' }, ['super_admin'])).toBe(false);
  });

  it('lets a user holding several roles cancel when any one of them is required (P10)', () => {
    expect(mayCancel({ productFamily: 'webinar', purchaseChannel: 'online' }, ['product_admin', 'billing_admin'])).toBe(
      true,
    );
  });

  it('refuses a user with no roles at all (P10)', () => {
    expect(mayCancel({ productFamily: 'webinar', purchaseChannel: 'online' }, [])).toBe(false);
  });
});

describe('mayFollowUp (API.md "who" for withdraw, data-backup and unassign-all)', () => {
  const connect: Plan = { productFamily: 'connect', purchaseChannel: 'online' };
  const salesRep: Plan = { productFamily: 'webinar', purchaseChannel: 'sales_rep' };

  it('lets support withdraw but neither confirm a backup nor unassign licences (P12)', () => {
    const support = { kind: 'support' } as const;
    expect(mayFollowUp('withdraw', connect, support)).toBe(true);
    expect(mayFollowUp('data_backup', connect, support)).toBe(false);
    expect(mayFollowUp('unassign_all', connect, support)).toBe(false);
  });

  it('refuses a billing admin every follow-up of a Connect plan (P8)', () => {
    const billing = { kind: 'user', roles: ['billing_admin'] } as const;
    for (const action of ['withdraw', 'data_backup', 'unassign_all'] as const)
      expect(mayFollowUp(action, connect, billing)).toBe(false);
  });

  it('lets a product admin unassign licences of any plan, but withdraw only where P9 names them', () => {
    const product = { kind: 'user', roles: ['product_admin'] } as const;
    expect(mayFollowUp('unassign_all', connect, product)).toBe(true);
    expect(mayFollowUp('withdraw', connect, product)).toBe(false);
    expect(mayFollowUp('withdraw', salesRep, product)).toBe(true);
  });

  it('names who may in the refusal, with the rule', () => {
    expect(followUpRefusalMessage('withdraw', connect)).toBe(
      'Only a super admin may withdraw this cancellation (rule P8).',
    );
    expect(followUpRefusalMessage('unassign_all', connect)).toBe(
      "Only a super admin or a product admin may unassign this subscription's licences (rule P8).",
    );
  });
});
