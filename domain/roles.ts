import type { Role, SubscriptionTerms } from './types';

export type RoleRuleId = 'P8' | 'P9' | 'P10';

export interface RoleRule {
  rule: RoleRuleId;
  roles: readonly Role[];
}

const connectRule: RoleRule = Object.freeze({ rule: 'P8', roles: Object.freeze(['super_admin'] as const) });
const salesRepRule: RoleRule = Object.freeze({
  rule: 'P9',
  roles: Object.freeze(['product_admin', 'authorized_billing_contact'] as const),
});
const defaultRule: RoleRule = Object.freeze({
  rule: 'P10',
  roles: Object.freeze(['super_admin', 'billing_admin'] as const),
});

// Which roles may cancel this subscription. Precedence P8, then P9, then P10: a Connect plan bought through a
// sales rep stays super-admin only. Read literally, P9 does not name the super admin, so a super admin is not
// enough on a non-Connect sales-rep purchase.
export function roleRule(sub: Pick<SubscriptionTerms, 'productFamily' | 'purchaseChannel'>): RoleRule {
  if (sub.productFamily === 'connect') return connectRule; // P8
  if (sub.purchaseChannel === 'sales_rep') return salesRepRule; // P9
  return defaultRule; // P10
}

// A user may hold several roles; one matching role is enough.
export function mayCancel(
  sub: Pick<SubscriptionTerms, 'productFamily' | 'purchaseChannel'>,
  roles: readonly Role[],
): boolean {
  const allowed = roleRule(sub).roles;
  return roles.some((role) => allowed.includes(role));
}

const roleLabels: Record<Role, string> = {
  super_admin: 'super admin',
  billing_admin: 'billing admin',
  product_admin: 'product admin',
  authorized_billing_contact: 'authorised billing contact',
};

export function roleLabel(role: Role): string {
  return roleLabels[role];
}

// For end-user sentences: "a super admin", "an authorised billing contact".
export function roleWithArticle(role: Role): string {
  const label = roleLabels[role];
  return /^[aeiou]/.test(label) ? `an ${label}` : `a ${label}`;
}
