/**
 * Side effects of the cancellation workflow: every database read and write it needs. Each write is
 * one transaction and idempotent: it is keyed by an audit event (`CancellationEvent.key`, unique), so
 * an activity retried after a crash finds its own event and writes nothing twice.
 */
import { randomUUID } from 'node:crypto';
import { ApplicationFailure } from '@temporalio/activity';
import type { CancellationRow, Db, DbTx } from '../db/client';
import { accountBalanceCents, userRoles } from '../db/accounts';
import { cancellationViewFromRow } from '../db/cancellations';
import { countAssignedLicenses, findSubscription, unassignAllLicenses } from '../db/subscriptions';
import type { CancellationRequest, CancellationView } from '../domain/cancellation';
import { ErrorCode, type Refusal } from '../domain/errors';
import type { Billing, CancellationStage, Charges, PurchaseChannel, Role, SubscriptionStatus } from '../domain/types';

export interface ActivityDeps {
  db: Db;
}

/** What eligibility (P4, P8–P12) and the effective date (P2) are decided from; dates as ISO strings. */
export interface EligibilitySnapshot {
  subscription: {
    id: string;
    accountId: string;
    productName: string;
    productFamily: string;
    purchaseChannel: PurchaseChannel;
    billing: Billing;
    currentPeriodStart: string;
    currentPeriodEnd: string;
    contractEnd: string | null;
    monthlyPriceCents: number;
    currency: string;
    onlineCancellable: boolean;
    status: SubscriptionStatus;
  };
  requesterRoles: Role[];
  balanceCents: number;
  licensesAssigned: number;
}

export interface ScheduleInput {
  request: CancellationRequest;
  workflowId: string;
  requestedAt: string;
  effectiveAt: string;
  charges: Charges;
  balanceClear: boolean;
  licensesUnassigned: boolean;
}

export interface ProgressInput {
  cancellationId: string;
  /** Idempotency key of this step's audit event, unique per cancellation. */
  eventKey: string;
  eventType: string;
  actor: string;
  at: string;
  data?: Record<string, unknown>;
  stage?: CancellationStage;
  licensesUnassigned?: boolean;
  dataBackupLocation?: string;
}

export interface NotifyInput {
  cancellationId: string;
  key: string;
  template: 'cancellation_reminder';
  at: string;
  data: Record<string, unknown>;
}

export interface RescheduleInput {
  cancellationId: string;
  eventKey: string;
  actor: string;
  at: string;
  contractEnd: string;
  effectiveAt: string;
  charges: Charges;
}

const SYSTEM = 'system';

// Every timestamp written here comes from the workflow (its deterministic clock), never from the
// activity's wall clock, so a retried activity writes the same values.
export function createActivities({ db }: ActivityDeps) {
  async function viewOf(tx: DbTx | Db, cancellationId: string): Promise<CancellationView> {
    const row = await tx.cancellation.findUnique({ where: { id: cancellationId } });
    if (!row)
      throw ApplicationFailure.create({
        type: ErrorCode.notFound,
        message: `cancellation ${cancellationId} does not exist`,
        nonRetryable: true,
      });
    return cancellationViewFromRow(row);
  }

  /** Appends the audit event unless its key exists; tells whether this call is the first. */
  async function appendEvent(
    tx: DbTx,
    event: {
      key: string;
      cancellationId: string | null;
      subscriptionId: string;
      accountId: string;
      actor: string;
      type: string;
      data?: unknown;
      at: string;
    },
  ): Promise<boolean> {
    if (await tx.cancellationEvent.findUnique({ where: { key: event.key }, select: { id: true } })) return false;
    await tx.cancellationEvent.create({
      data: {
        key: event.key,
        cancellationId: event.cancellationId,
        subscriptionId: event.subscriptionId,
        accountId: event.accountId,
        actor: event.actor,
        type: event.type,
        data: JSON.stringify(event.data ?? {}),
        createdAt: new Date(event.at),
      },
    });
    return true;
  }

  async function queueNotification(
    tx: DbTx,
    n: {
      key: string;
      accountId: string;
      cancellationId: string | null;
      template: string;
      recipient: string;
      payload: unknown;
      at: string;
    },
  ): Promise<void> {
    if (await tx.notification.findUnique({ where: { key: n.key }, select: { id: true } })) return;
    await tx.notification.create({
      data: {
        id: `ntf_${randomUUID().replace(/-/g, '').slice(0, 20)}`,
        key: n.key,
        accountId: n.accountId,
        cancellationId: n.cancellationId,
        template: n.template,
        recipient: n.recipient,
        payload: JSON.stringify(n.payload),
        createdAt: new Date(n.at),
      },
    });
  }

  const tx = <T>(fn: (t: DbTx) => Promise<T>) => db.$transaction(fn, { maxWait: 10_000, timeout: 20_000 });

  /**
   * One step of a scheduled cancellation, in one transaction: its audit event (keyed, so a retry
   * finds it and changes nothing) and, the first time only, the step's writes. Returns the view
   * after the step.
   */
  function onceFor(
    cancellationId: string,
    event: { key: string; type: string; actor: string; at: string; data?: (view: CancellationView) => unknown },
    apply: (t: DbTx, view: CancellationView) => Promise<CancellationRow | void>,
  ): Promise<CancellationView> {
    return tx(async (t) => {
      const view = await viewOf(t, cancellationId);
      const first = await appendEvent(t, {
        key: `${cancellationId}:${event.key}`,
        cancellationId,
        subscriptionId: view.subscriptionId,
        accountId: view.accountId,
        actor: event.actor,
        type: event.type,
        data: event.data?.(view),
        at: event.at,
      });
      if (!first) return view;
      const row = await apply(t, view);
      return row ? cancellationViewFromRow(row) : view;
    });
  }

  return {
    /** Read-only: the subscription, the requester's roles, the balance (P4) and licence assignments (P6). */
    async loadEligibility(input: { subscriptionId: string; requesterUserId: string }): Promise<EligibilitySnapshot> {
      const sub = await findSubscription(db, input.subscriptionId);
      if (!sub)
        throw ApplicationFailure.create({
          type: ErrorCode.notFound,
          message: `subscription ${input.subscriptionId} does not exist`,
          nonRetryable: true,
        });
      const [requesterRoles, balanceCents] = await Promise.all([
        userRoles(db, input.requesterUserId),
        accountBalanceCents(db, sub.accountId),
      ]);
      return {
        subscription: {
          id: sub.id,
          accountId: sub.accountId,
          productName: sub.productName,
          productFamily: sub.productFamily,
          purchaseChannel: sub.purchaseChannel as PurchaseChannel,
          billing: sub.billing as Billing,
          currentPeriodStart: sub.currentPeriodStart.toISOString(),
          currentPeriodEnd: sub.currentPeriodEnd.toISOString(),
          contractEnd: sub.contractEnd?.toISOString() ?? null,
          monthlyPriceCents: sub.monthlyPriceCents,
          currency: sub.currency,
          onlineCancellable: sub.onlineCancellable,
          status: sub.status as SubscriptionStatus,
        },
        requesterRoles,
        balanceCents,
        licensesAssigned: sub.licenseCounts.assigned,
      };
    },

    /**
     * P1: auto-renew off and the cancellation scheduled, in one transaction with its audit event and
     * the `cancellation_scheduled` notification. A retry finds the row and returns it unchanged.
     */
    async scheduleCancellation(input: ScheduleInput): Promise<CancellationView> {
      const { request } = input;
      return tx(async (t) => {
        const existing = await t.cancellation.findUnique({ where: { id: request.cancellationId } });
        if (existing) return cancellationViewFromRow(existing);
        // A request computed with a stale generation reuses the id of a cancellation that has just
        // closed: refuse it at once rather than retrying into the unique workflowId.
        if (await t.cancellation.findUnique({ where: { workflowId: input.workflowId }, select: { id: true } }))
          throw ApplicationFailure.create({
            type: ErrorCode.cancellationInProgress,
            message: `workflow id ${input.workflowId} already belongs to an earlier cancellation; retry the request`,
            nonRetryable: true,
          });
        const claimed = await t.subscription.updateMany({
          where: { id: request.subscriptionId, status: 'active' },
          data: { autoRenew: false, status: 'cancellation_scheduled' },
        });
        if (claimed.count !== 1)
          throw ApplicationFailure.create({
            type: ErrorCode.cancellationInProgress,
            message: `subscription ${request.subscriptionId} is no longer active`,
            nonRetryable: true,
          });
        // The data backup (P7) is never confirmed at this point, so every cancellation starts here.
        const stage: CancellationStage = 'awaiting_prerequisites';
        const row = await t.cancellation.create({
          data: {
            id: request.cancellationId,
            workflowId: input.workflowId,
            subscriptionId: request.subscriptionId,
            accountId: request.accountId,
            stage,
            channel: request.channel,
            requestedByUserId: request.requester.userId,
            requestedByEmail: request.requester.email,
            supportAgentId: request.supportAgentId,
            reasonCode: request.reason?.code ?? null,
            reasonComment: request.reason?.comment ?? null,
            requestedAt: new Date(input.requestedAt),
            effectiveAt: new Date(input.effectiveAt),
            balanceClear: input.balanceClear,
            licensesUnassigned: input.licensesUnassigned,
            currency: input.charges.currency,
            remainingCents: input.charges.remainingCents,
            refundCents: input.charges.refundCents,
            chargeLines: JSON.stringify(input.charges.lines),
          },
        });
        const actor = request.supportAgentId ? `support:${request.supportAgentId}` : `user:${request.requester.userId}`;
        await appendEvent(t, {
          key: `${request.cancellationId}:scheduled`,
          cancellationId: request.cancellationId,
          subscriptionId: request.subscriptionId,
          accountId: request.accountId,
          actor,
          type: 'cancellation_scheduled',
          data: { effectiveAt: input.effectiveAt, remainingCents: input.charges.remainingCents, autoRenew: false },
          at: input.requestedAt,
        });
        await queueNotification(t, {
          key: `${request.cancellationId}:cancellation_scheduled`,
          accountId: request.accountId,
          cancellationId: request.cancellationId,
          template: 'cancellation_scheduled',
          recipient: request.requester.email,
          payload: {
            cancellationId: request.cancellationId,
            subscriptionId: request.subscriptionId,
            effectiveAt: input.effectiveAt,
            charges: input.charges,
          },
          at: input.requestedAt,
        });
        return cancellationViewFromRow(row);
      });
    },

    /** A refusal leaves an audit event and a `cancellation_refused` notification (P11). */
    async recordRefusal(input: { request: CancellationRequest; refusals: Refusal[]; at: string }): Promise<void> {
      const { request } = input;
      await tx(async (t) => {
        const first = await appendEvent(t, {
          key: `${request.cancellationId}:refused`,
          cancellationId: null,
          subscriptionId: request.subscriptionId,
          accountId: request.accountId,
          actor: request.supportAgentId ? `support:${request.supportAgentId}` : `user:${request.requester.userId}`,
          type: 'cancellation_refused',
          data: { requestId: request.cancellationId, channel: request.channel, refusals: input.refusals },
          at: input.at,
        });
        if (!first) return;
        await queueNotification(t, {
          key: `${request.cancellationId}:cancellation_refused`,
          accountId: request.accountId,
          cancellationId: null,
          template: 'cancellation_refused',
          recipient: request.requester.email,
          payload: { subscriptionId: request.subscriptionId, refusals: input.refusals },
          at: input.at,
        });
      });
    },

    /** P6: how many of the subscription's licences are still assigned. */
    async countAssignedLicenses(input: { subscriptionId: string }): Promise<number> {
      return countAssignedLicenses(db, input.subscriptionId);
    },

    /** A checklist item done or a stage change: the row follows it, with its audit event, in one transaction. */
    async recordProgress(input: ProgressInput): Promise<CancellationView> {
      const event = {
        key: input.eventKey,
        type: input.eventType,
        actor: input.actor,
        at: input.at,
        data: () => input.data,
      };
      return onceFor(input.cancellationId, event, (t) =>
        t.cancellation.update({
          where: { id: input.cancellationId },
          data: {
            ...(input.stage ? { stage: input.stage } : {}),
            ...(input.licensesUnassigned !== undefined ? { licensesUnassigned: input.licensesUnassigned } : {}),
            ...(input.dataBackupLocation !== undefined
              ? { dataBackedUp: true, dataBackupLocation: input.dataBackupLocation }
              : {}),
          },
        }),
      );
    },

    /** `cancellation_reminder`, 7 days and 1 day before the effective date while the checklist is open. */
    async queueReminder(input: NotifyInput): Promise<void> {
      const event = { key: input.key, type: input.template, actor: SYSTEM, at: input.at, data: () => input.data };
      await onceFor(input.cancellationId, event, (t, view) =>
        queueNotification(t, {
          key: `${input.cancellationId}:${input.key}`,
          accountId: view.accountId,
          cancellationId: input.cancellationId,
          template: input.template,
          recipient: view.requestedBy.email,
          payload: {
            cancellationId: input.cancellationId,
            effectiveAt: view.effectiveAt,
            checklist: view.checklist,
            ...input.data,
          },
          at: input.at,
        }),
      );
    },

    /** P2: a changed contract end moves the effective date and the remaining charges (P14). */
    async reschedule(input: RescheduleInput): Promise<CancellationView> {
      const event = {
        key: input.eventKey,
        type: 'cancellation_rescheduled',
        actor: input.actor,
        at: input.at,
        data: (view: CancellationView) => ({
          from: view.effectiveAt,
          to: input.effectiveAt,
          remainingCents: input.charges.remainingCents,
        }),
      };
      return onceFor(input.cancellationId, event, async (t, view) => {
        await t.subscription.update({
          where: { id: view.subscriptionId },
          data: { contractEnd: new Date(input.contractEnd) },
        });
        return t.cancellation.update({
          where: { id: input.cancellationId },
          data: {
            effectiveAt: new Date(input.effectiveAt),
            currency: input.charges.currency,
            remainingCents: input.charges.remainingCents,
            refundCents: input.charges.refundCents,
            chargeLines: JSON.stringify(input.charges.lines),
          },
        });
      });
    },

    /** Withdrawal: auto-renew back on, the subscription active again, `cancellation_withdrawn` queued. */
    async withdraw(input: { cancellationId: string; actor: string; at: string }): Promise<CancellationView> {
      const event = {
        key: 'withdrawn',
        type: 'cancellation_withdrawn',
        actor: input.actor,
        at: input.at,
        data: () => ({ autoRenew: true }),
      };
      return onceFor(input.cancellationId, event, async (t, view) => {
        await t.subscription.updateMany({
          where: { id: view.subscriptionId, status: 'cancellation_scheduled' },
          data: { autoRenew: true, status: 'active' },
        });
        await queueNotification(t, {
          key: `${input.cancellationId}:cancellation_withdrawn`,
          accountId: view.accountId,
          cancellationId: input.cancellationId,
          template: 'cancellation_withdrawn',
          recipient: view.requestedBy.email,
          payload: { cancellationId: input.cancellationId, subscriptionId: view.subscriptionId },
          at: input.at,
        });
        return t.cancellation.update({
          where: { id: input.cancellationId },
          data: { stage: 'withdrawn', withdrawnAt: new Date(input.at) },
        });
      });
    },

    /**
     * P3: on the effective date the product is deactivated, whatever the checklist says: status
     * `cancelled`, licences released, an unconfirmed backup noted as a warning. Deactivating twice
     * changes nothing.
     */
    async deactivate(input: { cancellationId: string; at: string }): Promise<CancellationView> {
      const event = {
        key: 'completed',
        type: 'cancellation_completed',
        actor: SYSTEM,
        at: input.at,
        data: (view: CancellationView) => ({ dataBackedUp: view.checklist.dataBackedUp }),
      };
      return onceFor(input.cancellationId, event, async (t, view) => {
        const at = new Date(input.at);
        const released = await unassignAllLicenses(t, view.subscriptionId);
        await t.subscription.update({
          where: { id: view.subscriptionId },
          data: { status: 'cancelled', autoRenew: false, cancelledAt: at },
        });
        const warnings = view.checklist.dataBackedUp
          ? view.warnings
          : [...new Set([...view.warnings, 'data_backup_unconfirmed'])];
        await queueNotification(t, {
          key: `${input.cancellationId}:cancellation_completed`,
          accountId: view.accountId,
          cancellationId: input.cancellationId,
          template: 'cancellation_completed',
          recipient: view.requestedBy.email,
          payload: {
            cancellationId: input.cancellationId,
            subscriptionId: view.subscriptionId,
            licensesReleased: released,
            warnings,
          },
          at: input.at,
        });
        return t.cancellation.update({
          where: { id: input.cancellationId },
          data: { stage: 'completed', completedAt: at, licensesUnassigned: true, warnings: JSON.stringify(warnings) },
        });
      });
    },

    /** Marks a cancellation `failed` when deactivation cannot be carried out (operators are alerted by the stage). */
    async markFailed(input: { cancellationId: string; at: string; message: string }): Promise<CancellationView> {
      const event = {
        key: 'failed',
        type: 'cancellation_failed',
        actor: SYSTEM,
        at: input.at,
        data: () => ({ message: input.message }),
      };
      return onceFor(input.cancellationId, event, (t) =>
        t.cancellation.update({ where: { id: input.cancellationId }, data: { stage: 'failed' } }),
      );
    },
  };
}

export type Activities = ReturnType<typeof createActivities>;
