/**
 * FROZEN: revision 2 of the cancellation workflow, kept only for cancellations started before revision 3
 * (workflows/cancellation.ts dispatches on the patch `revision-3`). Do not change it: its recorded
 * histories (test/workflow/histories, the files not named `-revision-3`) must keep replaying.
 *
 * One workflow per cancellation (POLICY.md P1–P16). It decides eligibility before the API answers,
 * schedules the cancellation, waits for the checklist (P6, P7) and the effective date (P2) on
 * durable timers that messages interrupt, then deactivates the product (P3).
 *
 * Deterministic code only: no I/O, no wall clock (Date is the workflow's clock), activities imported
 * as types.
 */
import {
  ApplicationFailure,
  allHandlersFinished,
  condition,
  log,
  patched,
  proxyActivities,
  proxyLocalActivities,
  setCurrentDetails,
  setHandler,
  upsertSearchAttributes,
  workflowInfo,
  type ActivityOptions,
  type LocalActivityOptions,
} from '@temporalio/workflow';
import type { Activities, EligibilitySnapshot } from '../../activities';
import type { CancellationRequest, CancellationView, SubmitResult } from '../../domain/cancellation';
import { ClosedStages } from '../../domain/cancellation';
import { computeCharges } from '../../domain/charges';
import { effectiveDate, reminderTimes } from '../../domain/dates';
import { computeChargesV1, effectiveDateV1 } from '../../domain/legacy/v1-charges';
import { assessEligibility } from '../../domain/eligibility';
import { ErrorCode, type Refusal } from '../../domain/errors';
import type { SubscriptionTerms } from '../../domain/types';
import {
  cancellationQuery,
  changeContractEndUpdate,
  confirmDataBackupUpdate,
  licensesChangedSignal,
  recountLicensesUpdate,
  submitUpdate,
  withdrawUpdate,
  type ChangeContractEndInput,
  type ConfirmDataBackupInput,
  type WithdrawInput,
} from '../messages';
import * as sa from '../search-attributes';
import { stageChanges } from '../metrics';

const nonRetryableErrorTypes = [ErrorCode.notFound, ErrorCode.cancellationInProgress];

/**
 * The two steps before the API's answer run as local activities: no extra round trips through the
 * server's task queues, so the decision comes back within one workflow task or two.
 */
const localOptions: LocalActivityOptions = {
  startToCloseTimeout: '10s',
  retry: { initialInterval: '200ms', maximumInterval: '2s', maximumAttempts: 5, nonRetryableErrorTypes },
};
const local = proxyLocalActivities<Activities>(localOptions);

/** Later steps are ordinary activities: they retry for as long as it takes (the database may be down). */
const activityOptions: ActivityOptions = {
  startToCloseTimeout: '30s',
  retry: { initialInterval: '1s', maximumInterval: '5m', backoffCoefficient: 2, nonRetryableErrorTypes },
};
const acts = proxyActivities<Activities>(activityOptions);

type WithOptions<K extends keyof Activities, O> = {
  executeWithOptions(o: O, a: Parameters<Activities[K]>): ReturnType<Activities[K]>;
};

/** Runs an activity with a summary that the Temporal UI shows on its events. */
function step<K extends keyof Activities>(
  name: K,
  summary: string,
  ...args: Parameters<Activities[K]>
): ReturnType<Activities[K]> {
  return (acts[name] as unknown as WithOptions<K, ActivityOptions>).executeWithOptions(
    { ...activityOptions, summary },
    args,
  );
}

/** The same for the local activities before the API's answer. */
function localStep<K extends keyof Activities>(
  name: K,
  summary: string,
  ...args: Parameters<Activities[K]>
): ReturnType<Activities[K]> {
  return (local[name] as unknown as WithOptions<K, LocalActivityOptions>).executeWithOptions(
    { ...localOptions, summary },
    args,
  );
}

export type CancellationOutcomeV2 =
  | { outcome: 'refused'; refusals: Refusal[] }
  | { outcome: 'conflict'; message: string }
  | { outcome: 'completed' | 'withdrawn' | 'failed'; cancellation: CancellationView };

function termsOf(s: EligibilitySnapshot['subscription'], contractEnd = s.contractEnd): SubscriptionTerms {
  return {
    productFamily: s.productFamily,
    purchaseChannel: s.purchaseChannel,
    billing: s.billing,
    currentPeriodStart: new Date(s.currentPeriodStart),
    currentPeriodEnd: new Date(s.currentPeriodEnd),
    contractEnd: contractEnd ? new Date(contractEnd) : null,
    monthlyPriceCents: s.monthlyPriceCents,
    currency: s.currency,
    onlineCancellable: s.onlineCancellable,
    status: s.status,
  };
}

const DAY_MS = 86_400_000;

const fail = (message: string, type: string = ErrorCode.withdrawNotAllowed) =>
  ApplicationFailure.create({ type, message, nonRetryable: true });

export async function cancellationWorkflowV2(request: CancellationRequest): Promise<CancellationOutcomeV2> {
  const actorOf = (r: CancellationRequest) =>
    r.supportAgentId ? `support:${r.supportAgentId}` : `user:${r.requester.userId}`;
  let decision: SubmitResult | undefined;
  let decisionError: ApplicationFailure | undefined;
  let snapshot: EligibilitySnapshot | undefined;
  let view: CancellationView | null = null;
  let deactivating = false;
  let lastStage: string | undefined;
  const countStage = (stage: string) => {
    if (stage === lastStage) return;
    lastStage = stage;
    stageChanges.add(1, { stage, channel: request.channel, family: snapshot?.subscription.productFamily ?? 'unknown' });
  };

  // Messages only record intent; the main loop below carries each out in order, so two messages
  // never race on the same row.
  let licensesDirty = false;
  let recountsRequested = 0;
  let recountsDone = 0;
  let backupRequest: ConfirmDataBackupInput | undefined;
  let withdrawRequest: WithdrawInput | undefined;
  const reschedules: ChangeContractEndInput[] = [];
  let reschedulesApplied = 0;
  let reschedulesRequested = 0;

  const checklistJustDone = () =>
    view?.stage === 'awaiting_prerequisites' && view.checklist.licensesUnassigned && view.checklist.dataBackedUp;
  const isOpen = () => view !== null && !deactivating && !ClosedStages.includes(view.stage);
  const pending = () =>
    licensesDirty || backupRequest !== undefined || withdrawRequest !== undefined || reschedules.length > 0;

  setHandler(
    submitUpdate,
    async () => {
      await condition(() => decision !== undefined || decisionError !== undefined);
      if (decisionError) throw decisionError;
      return decision as SubmitResult;
    },
    {
      // Another request for this subscription while this one runs (Update-with-Start uses the existing
      // workflow): refused as in progress, naming this cancellation. A retry of this request carries the
      // same update id, which Temporal deduplicates before any validator runs.
      validator: (input) => {
        if (input && input.cancellationId !== request.cancellationId)
          throw ApplicationFailure.create({
            type: ErrorCode.cancellationInProgress,
            message: `Subscription ${request.subscriptionId} already has a cancellation in progress.`,
            details: [request.cancellationId],
            nonRetryable: true,
          });
      },
    },
  );
  setHandler(cancellationQuery, () => view);
  setHandler(licensesChangedSignal, () => {
    licensesDirty = true;
  });
  setHandler(
    recountLicensesUpdate,
    async (_input) => {
      const ticket = ++recountsRequested;
      licensesDirty = true;
      await condition(() => (recountsDone >= ticket && !checklistJustDone()) || !isOpen());
      return view as CancellationView;
    },
    {
      validator: (_input) => {
        if (!isOpen()) throw fail('The cancellation is no longer open.', ErrorCode.cancellationClosed);
      },
    },
  );
  setHandler(
    confirmDataBackupUpdate,
    async (input) => {
      backupRequest = input;
      // Answer once the loop has also moved the stage on, so the caller sees `scheduled` when this
      // confirmation completed the checklist. Patched: histories recorded before answered earlier.
      const waitForStage = patched('confirm-backup-answers-after-stage');
      await condition(() => (!backupRequest && !(waitForStage && checklistJustDone())) || !isOpen());
      return view as CancellationView;
    },
    {
      validator: (input) => {
        if (!isOpen()) throw fail('The cancellation is no longer open.', ErrorCode.cancellationClosed);
        if (!input.location?.trim()) throw fail('location is required', ErrorCode.invalidRequest);
      },
    },
  );
  setHandler(
    withdrawUpdate,
    async (input) => {
      withdrawRequest ??= input;
      await condition(() => view?.stage === 'withdrawn' || deactivating);
      if (view?.stage !== 'withdrawn') throw fail('Deactivation started before the withdrawal could be applied.');
      return view;
    },
    {
      validator: (_input) => {
        if (!view) throw fail('The cancellation has not been scheduled.');
        if (view.stage === 'withdrawn') throw fail('The cancellation is already withdrawn.');
        if (deactivating || ClosedStages.includes(view.stage))
          throw fail('The cancellation can no longer be withdrawn: deactivation has started.');
      },
    },
  );
  setHandler(
    changeContractEndUpdate,
    async (input) => {
      const ticket = ++reschedulesRequested;
      reschedules.push(input);
      await condition(() => reschedulesApplied >= ticket || !isOpen());
      return view as CancellationView;
    },
    {
      validator: (input) => {
        if (!isOpen() || !snapshot) throw fail('The cancellation is no longer open.', ErrorCode.cancellationClosed);
        if (snapshot.subscription.billing !== 'fixed_term')
          throw fail('Only a fixed-term contract has a contract end to change.', ErrorCode.invalidContractEnd);
        const at = new Date(input.contractEnd);
        if (Number.isNaN(at.getTime()))
          throw fail('contractEnd must be an ISO 8601 date-time.', ErrorCode.invalidContractEnd);
        if (at.getTime() <= Date.now()) throw fail('contractEnd must be in the future.', ErrorCode.invalidContractEnd);
        if (at.getTime() <= new Date(snapshot.subscription.currentPeriodStart).getTime())
          throw fail('contractEnd must be after the current period starts.', ErrorCode.invalidContractEnd);
      },
    },
  );

  // 1. Eligibility (P4, P8–P12): decided before the API answers.
  snapshot = await localStep('loadEligibility', 'P4, P8–P12: read the subscription, requester roles and balance', {
    subscriptionId: request.subscriptionId,
    requesterUserId: request.requester.userId,
  });
  const assessment = assessEligibility({
    subscription: termsOf(snapshot.subscription),
    requesterRoles: snapshot.requesterRoles,
    balanceCents: snapshot.balanceCents,
    channel: request.channel,
  });
  if (!assessment.eligible) {
    decision = { accepted: false, refusals: assessment.refusals };
    upsertSearchAttributes([{ key: sa.CancellationStage, value: 'refused' }]);
    countStage('refused');
    setCurrentDetails(`**Refused**\n\n${assessment.refusals.map((r) => `- \`${r.code}\`: ${r.message}`).join('\n')}`);
    await localStep('recordRefusal', 'P11: refused, audit event and notification', {
      request,
      refusals: assessment.refusals,
      at: new Date().toISOString(),
    });
    await condition(allHandlersFinished);
    return { outcome: 'refused', refusals: assessment.refusals };
  }

  // 2. Accepted (P1, P2, P13–P15): auto-renew off and the cancellation written in one transaction.
  // A subscription that another cancellation already holds (a race the workflow id cannot see,
  // e.g. across generations) is answered as a conflict, not a refusal.
  const acceptedAt = new Date();
  // API.md v1.1/v1.2: the exact charges rule (one line per period, contract months stepped back from
  // contractEnd, ended periods not billed again), a contract past its end running to its current period
  // end, and a credit counted as a clear balance. Cancellations accepted before replay the v1.0 rule.
  const exactRule = patched('exact-charges-and-dates');
  const effectiveOf = (terms: SubscriptionTerms) => (exactRule ? effectiveDate(terms) : effectiveDateV1(terms));
  const chargesOf = (terms: SubscriptionTerms) =>
    exactRule ? computeCharges(terms, acceptedAt) : computeChargesV1(terms);
  let effectiveAt = effectiveOf(termsOf(snapshot.subscription));
  try {
    if (snapshot.subscription.status !== 'active')
      throw fail(
        `Subscription ${request.subscriptionId} already has a cancellation in progress.`,
        ErrorCode.cancellationInProgress,
      );
    view = await localStep('scheduleCancellation', 'P1: auto-renew off, cancellation scheduled', {
      request,
      workflowId: workflowInfo().workflowId,
      requestedAt: acceptedAt.toISOString(),
      effectiveAt: effectiveAt.toISOString(),
      charges: chargesOf(termsOf(snapshot.subscription)),
      balanceClear: exactRule ? snapshot.balanceCents <= 0 : snapshot.balanceCents === 0, // P4: a credit is clear
      licensesUnassigned: snapshot.licensesAssigned === 0,
    });
  } catch (err) {
    const cause = err instanceof Error ? err.cause : undefined;
    const message = cause instanceof Error ? cause.message : err instanceof Error ? err.message : String(err);
    decisionError = fail(message, ErrorCode.cancellationInProgress);
    upsertSearchAttributes([{ key: sa.CancellationStage, value: 'conflict' }]);
    countStage('conflict');
    await condition(allHandlersFinished);
    return { outcome: 'conflict', message };
  }
  decision = { accepted: true, cancellation: view };
  publish();

  // 3–4. Checklist (P6, P7) and the durable wait for the effective date, interrupted by messages.
  const remindersSent = new Set<string>();
  // Reminders are due 7 days and 1 day before the effective date, counted from when it was last set:
  // one whose time had already passed then is not sent.
  let remindersFrom = acceptedAt;
  let backupsConfirmed = 0;
  for (;;) {
    if (withdrawRequest) {
      const by = withdrawRequest.actor;
      view = await step('withdraw', 'Withdraw: auto-renew back on, subscription active', {
        cancellationId: view.id,
        actor: by,
        at: new Date().toISOString(),
        ...(withdrawRequest.requestId ? { requestId: withdrawRequest.requestId } : {}),
      });
      publish();
      await condition(allHandlersFinished);
      return { outcome: 'withdrawn', cancellation: view };
    }
    const reschedule = reschedules.shift();
    if (reschedule) {
      const contractEnd = new Date(reschedule.contractEnd);
      const terms = termsOf(snapshot.subscription, contractEnd.toISOString());
      effectiveAt = effectiveOf(terms);
      view = await step('reschedule', `P2: contract end moved to ${contractEnd.toISOString()}`, {
        cancellationId: view.id,
        eventKey: `rescheduled:${reschedulesApplied + 1}`,
        actor: reschedule.actor,
        at: new Date().toISOString(),
        contractEnd: contractEnd.toISOString(),
        effectiveAt: effectiveAt.toISOString(),
        charges: chargesOf(terms), // recomputed with the original moment of acceptance (API.md)
      });
      snapshot.subscription.contractEnd = contractEnd.toISOString();
      remindersFrom = new Date();
      reschedulesApplied++;
      publish();
      continue;
    }
    if (licensesDirty) {
      const upTo = recountsRequested;
      licensesDirty = false;
      if (!view.checklist.licensesUnassigned) await checkLicenses();
      recountsDone = upTo;
      continue;
    }
    if (backupRequest) {
      const { location, actor } = backupRequest;
      if (!view.checklist.dataBackedUp || view.checklist.dataBackupLocation !== location) {
        view = await step('recordProgress', 'P7: data backup confirmed', {
          cancellationId: view.id,
          eventKey: `data_backup_confirmed:${++backupsConfirmed}`,
          eventType: 'data_backup_confirmed',
          actor,
          at: new Date().toISOString(),
          data: { location },
          dataBackupLocation: location,
        });
      }
      backupRequest = undefined;
      publish();
      continue;
    }
    if (view.stage === 'awaiting_prerequisites' && view.checklist.licensesUnassigned && view.checklist.dataBackedUp) {
      view = await step('recordProgress', 'Checklist done: scheduled for the effective date', {
        cancellationId: view.id,
        eventKey: 'stage:scheduled',
        eventType: 'stage_changed',
        actor: 'system',
        at: new Date().toISOString(),
        data: { stage: 'scheduled' },
        stage: 'scheduled',
      });
      publish();
      continue;
    }

    const now = Date.now();
    if (now >= effectiveAt.getTime()) break;
    const prerequisitesOpen = !view.checklist.licensesUnassigned || !view.checklist.dataBackedUp;
    const reminders = reminderTimes(effectiveAt, remindersFrom).map((at) => ({
      at,
      label: effectiveAt.getTime() - at.getTime() > DAY_MS ? '7d' : '1d',
    }));
    const due = reminders.find(
      (r) => r.at.getTime() <= now && !remindersSent.has(`${r.label}@${effectiveAt.toISOString()}`),
    );
    if (due) {
      const key = `${due.label}@${effectiveAt.toISOString()}`;
      remindersSent.add(key);
      if (prerequisitesOpen) {
        // A licence may have been unassigned outside the API: look once more before nagging.
        if (!view.checklist.licensesUnassigned) await checkLicenses();
        if (!view.checklist.licensesUnassigned || !view.checklist.dataBackedUp) {
          await step('queueReminder', `Reminder ${due.label} before the effective date: checklist open`, {
            cancellationId: view.id,
            key: `reminder:${key}`,
            template: 'cancellation_reminder',
            at: due.at.toISOString(),
            data: { before: due.label },
          });
        }
      }
      continue;
    }
    const next = reminders.find(
      (r) => !remindersSent.has(`${r.label}@${effectiveAt.toISOString()}`) && r.at.getTime() > now,
    );
    const wakeAt = prerequisitesOpen && next ? next.at : effectiveAt;
    const summary =
      wakeAt === effectiveAt
        ? `P2: wait for the effective date ${effectiveAt.toISOString()}`
        : `Wait for the ${next?.label} reminder at ${wakeAt.toISOString()}`;
    await condition(pending, wakeAt.getTime() - now, { summary });
  }

  // 5. Deactivation (P3): from here on a withdrawal is refused; open prerequisites do not delay it.
  deactivating = true;
  view = { ...view, stage: 'deactivating' };
  publish();
  try {
    view = await step('recordProgress', 'Deactivation started', {
      cancellationId: view.id,
      eventKey: 'stage:deactivating',
      eventType: 'stage_changed',
      actor: 'system',
      at: new Date().toISOString(),
      data: { stage: 'deactivating' },
      stage: 'deactivating',
    });
    view = await step('deactivate', 'P3: deactivate the product, release licences', {
      cancellationId: view.id,
      at: effectiveAt.toISOString(),
    });
  } catch (err) {
    log.error('Deactivation failed', { cancellationId: view.id, error: String(err) });
    view = await step('markFailed', 'Deactivation failed: marked for operators', {
      cancellationId: view.id,
      at: new Date().toISOString(),
      message: String(err),
    });
    publish();
    await condition(allHandlersFinished);
    return { outcome: 'failed', cancellation: view };
  }
  publish();
  await condition(allHandlersFinished);
  return { outcome: 'completed', cancellation: view };

  async function checkLicenses(): Promise<void> {
    if (!view) return;
    const assigned = await step('countAssignedLicenses', 'P6: are all licences unassigned?', {
      subscriptionId: request.subscriptionId,
    });
    if (assigned === 0) {
      view = await step('recordProgress', 'P6: licences unassigned', {
        cancellationId: view.id,
        eventKey: 'licenses_unassigned',
        eventType: 'licenses_unassigned',
        actor: actorOf(request),
        at: new Date().toISOString(),
        licensesUnassigned: true,
      });
      publish();
    }
  }

  /** Keeps the search attributes and the UI's current details in step with the view. */
  function publish(): void {
    if (!view) return;
    countStage(view.stage);
    const open = [
      ...(view.checklist.licensesUnassigned ? [] : ['licenses']),
      ...(view.checklist.dataBackedUp ? [] : ['data_backup']),
    ];
    const closed = ClosedStages.includes(view.stage);
    upsertSearchAttributes([
      { key: sa.CancellationStage, value: view.stage },
      { key: sa.EffectiveAt, value: new Date(view.effectiveAt) },
      { key: sa.PrerequisitesOpen, value: closed ? [] : open },
    ]);
    const box = (done: boolean) => (done ? '[x]' : '[ ]');
    setCurrentDetails(
      [
        `**Stage:** \`${view.stage}\` · **effective:** ${view.effectiveAt} · **charges:** ${view.charges.remainingCents} ${view.charges.currency} (refund 0)`,
        '',
        `- ${box(true)} Auto-renew off (P1)`,
        `- ${box(view.checklist.balanceClear)} No outstanding balance (P4)`,
        `- ${box(view.checklist.licensesUnassigned)} Licences unassigned (P6)`,
        `- ${box(view.checklist.dataBackedUp)} Data backed up (P7)${view.checklist.dataBackupLocation ? `: ${view.checklist.dataBackupLocation}` : ''}`,
        `- ${box(view.stage === 'completed')} Deactivated on the effective date (P3)`,
        ...(view.warnings.length ? ['', `**Warnings:** ${view.warnings.join(', ')}`] : []),
      ].join('\n'),
    );
  }
}
