import { ErrorCode, type Refusal } from './errors';
import { mayCancel, roleRule, roleWithArticle, type RoleRule } from './roles';
import type { CancellationChannel, Role, SubscriptionTerms } from './types';

export interface EligibilityInput {
  subscription: Pick<SubscriptionTerms, 'productFamily' | 'purchaseChannel' | 'onlineCancellable' | 'status'>;
  requesterRoles: readonly Role[];
  // Sum of the account's open invoices (P4), in minor units.
  balanceCents: number;
  channel: CancellationChannel;
}

export interface Eligibility {
  eligible: boolean;
  refusals: Refusal[];
}

const ruleScope: Record<RoleRule['rule'], string> = {
  P8: 'A Connect plan',
  P9: 'A subscription bought through a sales representative',
  P10: 'This subscription',
};

function roleMessage(rule: RoleRule): string {
  const who = rule.roles.map(roleWithArticle);
  const list = who.length > 1 ? `${who.slice(0, -1).join(', ')} or ${who[who.length - 1]}` : who.join('');
  return `${ruleScope[rule.rule]} can only be cancelled by ${list} (rule ${rule.rule}).`;
}

// Every refusal that applies, in the order API.md fixes (P11), so the requester can fix all of them at once
// instead of discovering them one by one.
export function assessEligibility(input: EligibilityInput): Eligibility {
  const { subscription, requesterRoles, balanceCents, channel } = input;
  const refusals: Refusal[] = [];

  // P8–P10 apply to whoever asks, online or through support (P12).
  if (!mayCancel(subscription, requesterRoles)) {
    const rule = roleRule(subscription);
    refusals.push({
      code: ErrorCode.roleNotPermitted,
      message: roleMessage(rule),
      details: { rule: rule.rule, requiredRoles: [...rule.roles] },
    });
  }

  // P4: a credit (negative balance) owes nothing, so only a positive balance blocks.
  if (balanceCents > 0) {
    refusals.push({
      code: ErrorCode.outstandingBalance,
      message:
        'Your account has an outstanding balance. Pay the open invoices shown in the admin console, ' +
        'then cancel again (rule P4).',
      details: { balanceCents },
    });
  }

  // P11: only self-service needs the flag; support cancels such subscriptions on the customer's behalf (P12).
  if (channel === 'online' && !subscription.onlineCancellable) {
    refusals.push({
      code: ErrorCode.notCancellableOnline,
      message:
        'This subscription cannot be cancelled online. Contact support, who can cancel it for you (rules P11, P12).',
    });
  }

  if (subscription.status === 'cancelled') {
    refusals.push({ code: ErrorCode.alreadyCancelled, message: 'This subscription is already cancelled.' });
  }

  return { eligible: refusals.length === 0, refusals };
}
