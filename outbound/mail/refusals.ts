/**
 * The refusals of a `cancellation_refused` mail (P11), each said as what went wrong and what to do about it.
 */
import type { Refusal } from '../../domain/errors';
import type { RoleRuleId } from '../../domain/roles';
import { Roles, type Role } from '../../domain/types';
import type { Sentence } from './document';
import { oneLine, type Context } from './format';

/** What went wrong and what to do about it, for each refusal code of P11. */
export function explainRefusal(refusal: Refusal, ctx: Context): Sentence {
  const { refused: m } = ctx.m;
  const details = refusal.details ?? {};
  switch (refusal.code) {
    case 'role_not_permitted':
      return { lead: m.roleLead, text: rolesNamed(details, ctx) ?? m.roleUnknownRule };
    case 'outstanding_balance':
      return { lead: m.balanceLead(balanceAmount(details, ctx)), text: m.balance };
    case 'not_cancellable_online': // P11, P12: support can do it
      return { lead: m.notOnlineLead(ctx.product), text: m.notOnline };
    case 'already_cancelled':
      return { lead: m.alreadyCancelledLead, text: m.alreadyCancelled };
    default:
      // A code newer than this renderer: its own message is still better than nothing.
      return { lead: m.otherLead, text: oneLine(String((refusal as { message?: unknown }).message ?? '')) };
  }
}

const roleRuleIds: readonly RoleRuleId[] = ['P8', 'P9', 'P10'];

/** P8–P10: the rule and roles the decision named; null without them, and the mail explains the whole matrix. */
function rolesNamed(details: Record<string, unknown>, ctx: Context): string | null {
  const { refused: m } = ctx.m;
  const rule = roleRuleIds.find((id) => id === details.rule);
  const roles = Array.isArray(details.requiredRoles)
    ? details.requiredRoles.filter((role): role is Role => (Roles as readonly unknown[]).includes(role))
    : [];
  if (rule === undefined || roles.length === 0) return null;
  return m.roleRule(m.ruleScope[rule], ctx.or(roles.map((role) => m.roles[role])));
}

/**
 * P4. The refusal carries the balance in minor units but no currency: without one the amount cannot be said
 * honestly (is 1200 twelve euros or twelve hundred yen?), so it is left out (null) unless a currency is given.
 */
function balanceAmount({ balanceCents, currency }: Record<string, unknown>, ctx: Context): string | null {
  const known =
    typeof balanceCents === 'number' &&
    Number.isInteger(balanceCents) &&
    balanceCents > 0 &&
    typeof currency === 'string' &&
    /^[A-Z]{3}$/.test(currency);
  return known ? ctx.money(balanceCents, currency) : null;
}
