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

/** The follow-ups of a running cancellation whose caller API.md restricts ("who"). */
export type FollowUp = 'withdraw' | 'data_backup' | 'unassign_all';

export type FollowUpActor = { kind: 'support' } | { kind: 'user'; roles: readonly Role[] };

/**
 * API.md "who": a follow-up needs the role that may cancel the subscription (P8–P10, the role matrix only,
 * not the channel or balance conditions). Withdrawing is open to support too (P12); unassigning licences to a
 * product admin too (P6: licence assignment is theirs to manage); confirming the backup is the customer's
 * alone (P7), so neither support nor anyone else.
 */
export function mayFollowUp(
  action: FollowUp,
  sub: Pick<SubscriptionTerms, 'productFamily' | 'purchaseChannel'>,
  actor: FollowUpActor,
): boolean {
  if (actor.kind === 'support') return action === 'withdraw';
  if (mayCancel(sub, actor.roles)) return true;
  return action === 'unassign_all' && actor.roles.includes('product_admin');
}

const followUpVerbs: Record<FollowUp, string> = {
  withdraw: 'withdraw this cancellation',
  data_backup: "confirm this cancellation's data backup",
  unassign_all: "unassign this subscription's licences",
};

/** Why a user may not make a follow-up, naming who may (for the 403 `role_not_permitted`). */
export function followUpRefusalMessage(
  action: FollowUp,
  sub: Pick<SubscriptionTerms, 'productFamily' | 'purchaseChannel'>,
): string {
  const rule = roleRule(sub);
  const roles: Role[] = [...rule.roles];
  if (action === 'unassign_all' && !roles.includes('product_admin')) roles.push('product_admin');
  const who = roles.map(roleWithArticle);
  const list = who.length > 1 ? `${who.slice(0, -1).join(', ')} or ${who[who.length - 1]}` : who[0];
  return `Only ${list} may ${followUpVerbs[action]} (rule ${rule.rule}).`;
}

/** API.md v1.2: webhook endpoints are managed by a super or billing admin of the account. */
export const WebhookManagerRoles: readonly Role[] = Object.freeze(['super_admin', 'billing_admin'] as const);
export const mayManageWebhooks = (roles: readonly Role[]): boolean =>
  roles.some((role) => WebhookManagerRoles.includes(role));
