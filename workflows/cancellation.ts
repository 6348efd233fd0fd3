/**
 * One workflow per cancellation (POLICY.md P1–P16), revision 3. It decides eligibility before the API
 * answers, schedules the cancellation, waits for the checklist (P6, P7) and the effective date (P2) on a
 * durable timer that messages interrupt, then deactivates the product (P3).
 *
 * Revision 3 (patch `revision-3`; cancellations started before it replay workflows/legacy/cancellation-v2.ts):
 * - a decision replayed after its commit (the worker died before its workflow task completed) finds its own
 *   row and goes on as accepted, never as a conflict;
 * - a fault while deciding (the database down) fails the API's update with a retryable `service_unavailable`
 *   (503) and ends the workflow cleanly, so the same request can be made again;
 * - backup confirmations are queued, none is lost; unassign-all answers once the licences are re-counted;
 * - an operator's cancel request (`temporal workflow cancel`, the UI's Cancel) withdraws the cancellation
 *   (actor `operator`), or lets a started deactivation finish;
 * - a step that can never succeed (a data error) ends in stage `failed`; outages are retried for as long
 *   as they last;
 * - fewer billable actions: attributes given at start, one upsert per change with only the changed keys,
 *   one activity per message, one for deactivation, and the pending timer kept while its time stands.
 *
 * Deterministic code only: no I/O, no wall clock (Date is the workflow's clock), activities imported as types.
 */
import {
  ActivityFailure,
  ApplicationFailure,
  CancellationScope,
  CancelledFailure,
  allHandlersFinished,
  condition,
  isCancellation,
  log,
  patched,
  proxyActivities,
  proxyLocalActivities,
  setCurrentDetails,
  setHandler,
  sleep,
  upsertSearchAttributes,
  workflowInfo,
  type ActivityOptions,
  type LocalActivityOptions,
} from '@temporalio/workflow';
import type { Activities, EligibilitySnapshot } from '../activities';
import type { CancellationRequest, CancellationView, SubmitResult } from '../domain/cancellation';
import { ClosedStages } from '../domain/cancellation';
import { computeCharges } from '../domain/charges';
import { effectiveDate, reminderTimes } from '../domain/dates';
import { assessEligibility } from '../domain/eligibility';
import { ErrorCode, type Refusal } from '../domain/errors';
import type { SubscriptionTerms } from '../domain/types';
import { cancellationWorkflowV2 } from './legacy/cancellation-v2';
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
} from './messages';
import { stageChanges } from './metrics';
import * as sa from './search-attributes';

/** The patch of revision 3; its marker is the first command of every cancellation started since. */
export const REVISION_3 = 'revision-3';

const nonRetryableErrorTypes = [ErrorCode.notFound, ErrorCode.cancellationInProgress, ErrorCode.dataError];

/**
 * The two steps before the API's answer run as local activities: no extra round trips through the
 * server's task queues, and both in one workflow task (one billable action). Scheduling may wait on a
 * transaction for up to 30 s (10 s to start, 20 s to run), so its timeout is longer than that: an attempt
 * is never retried while it may still commit.
 */
const readOptions: LocalActivityOptions = {
  startToCloseTimeout: '10s',
  retry: { initialInterval: '200ms', maximumInterval: '2s', maximumAttempts: 5, nonRetryableErrorTypes },
};
const writeOptions: LocalActivityOptions = { ...readOptions, startToCloseTimeout: '35s' };

/** Later steps are ordinary activities: they retry for as long as it takes (the database may be down for hours). */
const activityOptions: ActivityOptions = {
  startToCloseTimeout: '30s',
  retry: { initialInterval: '1s', maximumInterval: '5m', backoffCoefficient: 2, nonRetryableErrorTypes },
};
/** The first attempt of deactivation alone: if it fails, the stage `deactivating` is published before retrying. */
const firstAttemptOptions: ActivityOptions = {
  ...activityOptions,
  retry: { ...activityOptions.retry, maximumAttempts: 1 },
};

type WithOptions<K extends keyof Activities, O> = {
  executeWithOptions(o: O, a: Parameters<Activities[K]>): ReturnType<Activities[K]>;
};
const acts = proxyActivities<Activities>(activityOptions);
const local = proxyLocalActivities<Activities>(readOptions);

/** Runs an activity with a summary that the Temporal UI shows on its events (P-ids name the rule). */
function step<K extends keyof Activities>(
  name: K,
  summary: string,
  args: Parameters<Activities[K]>[0],
  options: ActivityOptions = activityOptions,
): ReturnType<Activities[K]> {
  return (acts[name] as unknown as WithOptions<K, ActivityOptions>).executeWithOptions({ ...options, summary }, [
    args,
  ] as Parameters<Activities[K]>);
}

/** The same for the local activities before the API's answer. */
function localStep<K extends keyof Activities>(
  name: K,
  summary: string,
  args: Parameters<Activities[K]>[0],
  options: LocalActivityOptions = readOptions,
): ReturnType<Activities[K]> {
  return (local[name] as unknown as WithOptions<K, LocalActivityOptions>).executeWithOptions({ ...options, summary }, [
    args,
  ] as Parameters<Activities[K]>);
}

export type CancellationOutcome =
  | { outcome: 'refused'; refusals: Refusal[] }
  | { outcome: 'conflict' | 'unavailable'; message: string }
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
const OPERATOR = 'operator';

/** A handler's wait, which an operator's cancel request does not interrupt: the loop answers it. */
const waitFor = (fn: () => boolean) => CancellationScope.nonCancellable(() => condition(fn));

const fail = (message: string, type: string = ErrorCode.withdrawNotAllowed) =>
  ApplicationFailure.create({ type, message, nonRetryable: true });

/** The error type an activity failed with (its ApplicationFailure's type), if any. */
function failureType(err: unknown): string | undefined {
  const cause = err instanceof ActivityFailure ? err.cause : err;
  return cause instanceof ApplicationFailure ? (cause.type ?? undefined) : undefined;
}

function messageOf(err: unknown): string {
  const cause = err instanceof ActivityFailure ? err.cause : undefined;
  return cause instanceof Error ? cause.message : err instanceof Error ? err.message : String(err);
}

export async function cancellationWorkflow(request: CancellationRequest): Promise<CancellationOutcome> {
  if (!patched(REVISION_3)) return cancellationWorkflowV2(request);
  return revision3(request);
}

async function revision3(request: CancellationRequest): Promise<CancellationOutcome> {
  const requester = request.supportAgentId ? `support:${request.supportAgentId}` : `user:${request.requester.userId}`;
  let decision: SubmitResult | undefined;
  let decisionError: ApplicationFailure | undefined;
  let snapshot: EligibilitySnapshot | undefined;
  let view: CancellationView | null = null;
  let deactivating = false;
  let timer: { at: number; scope: CancellationScope; promise: Promise<void> } | undefined;

  // What the search attributes say now (the API gives them at start): an upsert sends only what changed.
  const published = new Map<string, string>();
  for (const { key, value } of workflowInfo().typedSearchAttributes.getAll())
    published.set(key.name, JSON.stringify(value instanceof Date ? value.toISOString() : value));
  let lastStage: string | undefined;
  const countStage = (stage: string) => {
    if (stage === lastStage) return;
    lastStage = stage;
    stageChanges.add(1, { stage, channel: request.channel, family: snapshot?.subscription.productFamily ?? 'unknown' });
  };

  // Messages only record intent, with a ticket; the main loop carries each out in order, so two messages
  // never race on the same row and none is lost.
  let licensesDirty = false;
  let licensesRecorded = false;
  let recountsRequested = 0;
  let recountsDone = 0;
  const backups: { input: ConfirmDataBackupInput; ticket: number }[] = [];
  let backupsRequested = 0;
  let backupsDone = 0;
  let withdrawRequest: WithdrawInput | undefined;
  const reschedules: ChangeContractEndInput[] = [];
  let reschedulesApplied = 0;
  let reschedulesRequested = 0;

  const isOpen = () => view !== null && !deactivating && !ClosedStages.includes(view.stage);
  const pending = () => licensesDirty || backups.length > 0 || withdrawRequest !== undefined || reschedules.length > 0;

  setHandler(
    submitUpdate,
    async () => {
      await condition(() => decision !== undefined || decisionError !== undefined);
      if (decisionError) throw decisionError;
      return decision as SubmitResult;
    },
    {
      // Another request for this subscription while this one runs is refused as in progress, naming this
      // cancellation; a retry of this request carries the same update id, which Temporal deduplicates.
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
  const openValidator = () => {
    if (!isOpen()) throw fail('The cancellation is no longer open.', ErrorCode.cancellationClosed);
  };
  setHandler(
    recountLicensesUpdate,
    async (input) => {
      const ticket = ++recountsRequested;
      if (input?.recorded && view && !view.checklist.licensesUnassigned) {
        // Recorded by the API with the release itself (one transaction): no count needed, unless it
        // completes the checklist and the stage has to move on.
        view = { ...view, checklist: { ...view.checklist, licensesUnassigned: true } };
        licensesRecorded = true;
      }
      licensesDirty = true;
      await waitFor(() => recountsDone >= ticket || !isOpen());
      return view as CancellationView;
    },
    { validator: (_input) => openValidator() },
  );
  setHandler(
    confirmDataBackupUpdate,
    async (input) => {
      const ticket = ++backupsRequested;
      backups.push({ input, ticket });
      // Answers once its confirmation is recorded (and the stage moved on if it completed the checklist).
      await waitFor(() => backupsDone >= ticket || !isOpen());
      return view as CancellationView;
    },
    {
      validator: (input) => {
        openValidator();
        if (!input.location?.trim()) throw fail('location is required', ErrorCode.invalidRequest);
      },
    },
  );
  setHandler(
    withdrawUpdate,
    async (input) => {
      withdrawRequest ??= input;
      await waitFor(() => deactivating || (view !== null && ClosedStages.includes(view.stage)));
      if (view?.stage === 'withdrawn') return view;
      if (deactivating) throw fail('Deactivation started before the withdrawal could be applied.');
      throw fail(
        `The cancellation is ${view?.stage ?? 'closed'}: it can no longer be withdrawn.`,
        ErrorCode.cancellationClosed,
      );
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
      await waitFor(() => reschedulesApplied >= ticket || !isOpen());
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

  /** Ends a request that could not be decided: the API answers 503 and the same request may be made again. */
  async function endUnavailable(err: unknown): Promise<CancellationOutcome> {
    const message = messageOf(err);
    log.warn('Cancellation could not be decided: the request may be retried', { error: message });
    decisionError = ApplicationFailure.create({ type: ErrorCode.serviceUnavailable, message, nonRetryable: true });
    upsert({ stage: 'unavailable', prerequisites: [] });
    countStage('unavailable');
    await waitFor(allHandlersFinished);
    return { outcome: 'unavailable', message };
  }

  // 1. Eligibility (P4, P8–P12): decided before the API answers.
  try {
    snapshot = await localStep('loadEligibility', 'P4, P8–P12: read the subscription, requester roles and balance', {
      subscriptionId: request.subscriptionId,
      requesterUserId: request.requester.userId,
      cancellationId: request.cancellationId,
    });
  } catch (err) {
    if (failureType(err) === ErrorCode.notFound) {
      decisionError = fail(messageOf(err), ErrorCode.notFound);
      await waitFor(allHandlersFinished);
      return { outcome: 'conflict', message: messageOf(err) };
    }
    return endUnavailable(err);
  }

  const acceptedAt = new Date();
  if (snapshot.ownCancellation) {
    // A decision already committed (this workflow task is a replay of one whose worker died): it stands.
    view = snapshot.ownCancellation;
  } else {
    const assessment = assessEligibility({
      subscription: termsOf(snapshot.subscription),
      requesterRoles: snapshot.requesterRoles,
      balanceCents: snapshot.balanceCents,
      channel: request.channel,
    });
    if (!assessment.eligible) {
      decision = { accepted: false, refusals: assessment.refusals };
      upsert({ stage: 'refused', prerequisites: [] });
      countStage('refused');
      setCurrentDetails(`**Refused**\n\n${assessment.refusals.map((r) => `- \`${r.code}\`: ${r.message}`).join('\n')}`);
      try {
        await localStep('recordRefusal', 'P11: refused, audit event and notification', {
          request,
          refusals: assessment.refusals,
          at: acceptedAt.toISOString(),
        });
      } catch (err) {
        // The refusal stands (the API has its answer); only its audit record is missing.
        log.error('Refusal could not be recorded', { error: messageOf(err) });
      }
      await waitFor(allHandlersFinished);
      return { outcome: 'refused', refusals: assessment.refusals };
    }

    // 2. Accepted (P1, P2, P13–P15): auto-renew off and the cancellation written in one transaction.
    const terms = termsOf(snapshot.subscription);
    try {
      if (snapshot.subscription.status !== 'active')
        throw fail(
          `Subscription ${request.subscriptionId} already has a cancellation in progress.`,
          ErrorCode.cancellationInProgress,
        );
      view = await localStep(
        'scheduleCancellation',
        'P1: auto-renew off, cancellation scheduled',
        {
          request,
          workflowId: workflowInfo().workflowId,
          requestedAt: acceptedAt.toISOString(),
          effectiveAt: effectiveDate(terms).toISOString(),
          charges: computeCharges(terms, acceptedAt),
          balanceClear: snapshot.balanceCents <= 0, // P4: a credit is clear
          licensesUnassigned: snapshot.licensesAssigned === 0,
        },
        writeOptions,
      );
    } catch (err) {
      // Held by another cancellation (a race the workflow id cannot see): a conflict, answered 409.
      if (failureType(err) === ErrorCode.cancellationInProgress) {
        const message = messageOf(err);
        decisionError = fail(message, ErrorCode.cancellationInProgress);
        upsert({ stage: 'conflict', prerequisites: [] });
        countStage('conflict');
        await waitFor(allHandlersFinished);
        return { outcome: 'conflict', message };
      }
      return endUnavailable(err);
    }
  }
  decision = { accepted: true, cancellation: view };
  publish();

  try {
    return await lifecycle(view);
  } catch (err) {
    if (err instanceof FailedForGood) return CancellationScope.nonCancellable(() => finish('failed'));
    if (!isCancellation(err)) throw err;
    // An operator's cancel request: withdraw the cancellation (or finish a started deactivation), whatever
    // else is cancelled around it, then complete normally.
    return CancellationScope.nonCancellable(() => onOperatorCancel());
  }

  /** 3–5: the checklist, the durable wait for the effective date, deactivation. */
  async function lifecycle(accepted: CancellationView): Promise<CancellationOutcome> {
    let current = accepted;
    if (ClosedStages.includes(current.stage)) return finish(current.stage as 'completed' | 'withdrawn' | 'failed');
    let effectiveAt = new Date(current.effectiveAt);
    const acceptedOn = new Date(current.requestedAt);
    const remindersSent = new Set<string>();
    // Reminders are due 7 days and 1 day before the effective date, counted from when it was last set:
    // one whose time had already passed then is not sent.
    let remindersFrom = acceptedOn;
    for (;;) {
      if (withdrawRequest) {
        await withdraw(withdrawRequest);
        return finish('withdrawn');
      }
      const reschedule = reschedules.shift();
      if (reschedule && snapshot) {
        const contractEnd = new Date(reschedule.contractEnd);
        const terms = termsOf(snapshot.subscription, contractEnd.toISOString());
        effectiveAt = effectiveDate(terms);
        current = await guarded(() =>
          step('reschedule', `P2: contract end moved to ${contractEnd.toISOString()}`, {
            cancellationId: current.id,
            eventKey: `rescheduled:${reschedulesApplied + 1}`,
            actor: reschedule.actor,
            at: new Date().toISOString(),
            contractEnd: contractEnd.toISOString(),
            effectiveAt: effectiveAt.toISOString(),
            charges: computeCharges(terms, acceptedOn), // the original moment of acceptance (API.md)
          }),
        );
        snapshot.subscription.contractEnd = contractEnd.toISOString();
        remindersFrom = new Date();
        reschedulesApplied++;
        view = current;
        publish();
        continue;
      }
      if (licensesDirty && licensesRecorded && backups.length === 0 && !current.checklist.dataBackedUp) {
        // The API recorded the licences; the checklist is still open: nothing to write, only to publish.
        licensesDirty = false;
        licensesRecorded = false;
        current = { ...current, checklist: { ...current.checklist, licensesUnassigned: true } };
        view = current;
        recountsDone = recountsRequested;
        publish();
        continue;
      }
      if (licensesDirty || backups.length > 0) {
        const recountUpTo = recountsRequested;
        const recount = licensesDirty;
        licensesDirty = false;
        licensesRecorded = false;
        const next = backups.shift();
        const summary = next ? 'P7: data backup confirmed' : 'P6: are all licences unassigned?';
        current = await guarded(() =>
          step('updateChecklist', summary, {
            cancellationId: current.id,
            at: new Date().toISOString(),
            ...(recount ? { recountLicenses: { actor: requester } } : {}),
            ...(next
              ? {
                  backup: {
                    location: next.input.location,
                    actor: next.input.actor,
                    key: `data_backup_confirmed:${next.ticket}`,
                  },
                }
              : {}),
          }),
        );
        if (recount) recountsDone = recountUpTo;
        if (next) backupsDone = next.ticket;
        view = current;
        publish();
        continue;
      }

      const now = Date.now();
      if (now >= effectiveAt.getTime()) break;
      const prerequisitesOpen = !current.checklist.licensesUnassigned || !current.checklist.dataBackedUp;
      const reminders = reminderTimes(effectiveAt, remindersFrom).map((at) => ({
        at,
        label: effectiveAt.getTime() - at.getTime() > DAY_MS ? ('7d' as const) : ('1d' as const),
      }));
      const keyOf = (r: { label: string }) => `${r.label}@${effectiveAt.toISOString()}`;
      const due = reminders.find((r) => r.at.getTime() <= now && !remindersSent.has(keyOf(r)));
      if (due) {
        remindersSent.add(keyOf(due));
        if (prerequisitesOpen) {
          current = await guarded(() =>
            step('remind', `Reminder ${due.label} before the effective date: checklist open`, {
              cancellationId: current.id,
              key: `reminder:${keyOf(due)}`,
              at: due.at.toISOString(),
              before: due.label,
            }),
          );
          view = current;
          publish();
        }
        continue;
      }
      const next = reminders.find((r) => !remindersSent.has(keyOf(r)) && r.at.getTime() > now);
      const wakeAt = prerequisitesOpen && next ? next.at : effectiveAt;
      const summary =
        wakeAt === effectiveAt
          ? `P2: wait for the effective date ${effectiveAt.toISOString()}`
          : `Wait for the ${next?.label} reminder at ${wakeAt.toISOString()}`;
      await Promise.race([timerUntil(wakeAt.getTime(), summary), condition(pending)]);
      // An operator's cancel request resolves the (cancelled) timer: leave the loop rather than spin on it.
      if (CancellationScope.current().consideredCancelled) throw new CancelledFailure('cancel requested');
    }
    // Once started, deactivation finishes whatever happens around it (an operator's cancel request included).
    return CancellationScope.nonCancellable(() => deactivate(effectiveAt));
  }

  /** Withdrawal: auto-renew back on, subscription active again. */
  async function withdraw(input: WithdrawInput): Promise<void> {
    if (!view) return;
    const id = view.id;
    view = await guarded(() =>
      step('withdraw', 'Withdraw: auto-renew back on, subscription active', {
        cancellationId: id,
        actor: input.actor,
        at: new Date().toISOString(),
        ...(input.requestId ? { requestId: input.requestId } : {}),
      }),
    );
    publish();
  }

  /** P3: deactivation, from here on a withdrawal is refused; open prerequisites do not delay it. */
  async function deactivate(effectiveAt: Date): Promise<CancellationOutcome> {
    if (!view) throw new Error('deactivate before acceptance');
    deactivating = true;
    const id = view.id;
    view = { ...view, stage: 'deactivating' };
    countStage('deactivating');
    const input = { cancellationId: id, at: effectiveAt.toISOString() };
    const summary = 'P3: deactivate the product, release licences';
    try {
      try {
        view = await step('deactivate', summary, input, firstAttemptOptions);
      } catch (err) {
        if (failureType(err) === ErrorCode.dataError || failureType(err) === ErrorCode.notFound) throw err;
        // Taking longer than one attempt (the database down): operators see it as `deactivating`.
        publish();
        view = await step('deactivate', summary, input);
      }
    } catch (err) {
      if (isCancellation(err)) throw err;
      return markFailed(messageOf(err));
    }
    publish();
    return finish('completed');
  }

  /**
   * A step that can never succeed (a data error): stage `failed`, the subscription active again with
   * auto-renew still off, an error log line and the stage metric for alerts (README runbook).
   */
  async function markFailed(message: string): Promise<CancellationOutcome> {
    if (!view) throw new Error('markFailed before acceptance');
    const id = view.id;
    log.error('Cancellation failed: a step can never succeed; see the runbook', { cancellationId: id, error: message });
    try {
      view = await CancellationScope.nonCancellable(() =>
        step('markFailed', 'Failed: subscription active again, auto-renew off', {
          cancellationId: id,
          at: new Date().toISOString(),
          message,
        }),
      );
    } catch (err) {
      log.error('Cancellation could not be marked failed', { cancellationId: id, error: messageOf(err) });
      view = { ...view, stage: 'failed' };
    }
    publish();
    return finish('failed');
  }

  /** Runs a step; a data error (never curable by a retry) ends the cancellation in stage `failed`. */
  async function guarded(run: () => Promise<CancellationView>): Promise<CancellationView> {
    try {
      return await run();
    } catch (err) {
      const type = failureType(err);
      if (type === ErrorCode.dataError || type === ErrorCode.notFound) {
        await markFailed(messageOf(err));
        throw new FailedForGood();
      }
      throw err;
    }
  }

  async function onOperatorCancel(): Promise<CancellationOutcome> {
    if (!view || ClosedStages.includes(view.stage)) return finish((view?.stage ?? 'failed') as 'failed');
    if (deactivating) {
      log.info('Cancel request during deactivation: deactivation finishes instead', { cancellationId: view.id });
      return deactivate(new Date(view.effectiveAt));
    }
    log.info('Cancel request from an operator: withdrawing the cancellation', { cancellationId: view.id });
    try {
      await withdraw({ actor: OPERATOR });
    } catch (err) {
      if (err instanceof FailedForGood) return finish('failed');
      throw err;
    }
    return finish('withdrawn');
  }

  async function finish(outcome: 'completed' | 'withdrawn' | 'failed'): Promise<CancellationOutcome> {
    await waitFor(allHandlersFinished);
    return { outcome, cancellation: view as CancellationView };
  }

  /**
   * One durable timer per wake time: kept while the wake time stands (a message does not re-arm it),
   * replaced when it changes. A timer is a billable action; cancelling one is not.
   */
  function timerUntil(at: number, summary: string): Promise<void> {
    if (timer?.at !== at) {
      timer?.scope.cancel();
      const scope = new CancellationScope();
      const promise = scope
        .run(() => sleep(Math.max(1, at - Date.now()), { summary }))
        .catch((err: unknown) => {
          if (!isCancellation(err)) throw err;
        });
      timer = { at, scope, promise };
    }
    return timer.promise;
  }

  /** Publishes the view: search attributes (only the changed keys, in one call) and the UI's details. */
  function publish(): void {
    if (!view) return;
    countStage(view.stage);
    const closed = ClosedStages.includes(view.stage);
    upsert({
      stage: view.stage,
      effectiveAt: new Date(view.effectiveAt),
      prerequisites: closed
        ? []
        : [
            ...(view.checklist.licensesUnassigned ? [] : ['licenses']),
            ...(view.checklist.dataBackedUp ? [] : ['data_backup']),
          ],
    });
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

  /** One upsert with the keys whose value changed since the last one (or since the start), none if none did. */
  function upsert(values: { stage: string; effectiveAt?: Date; prerequisites: string[] }): void {
    const changes = [
      { key: sa.CancellationStage, value: values.stage },
      ...(values.effectiveAt ? [{ key: sa.EffectiveAt, value: values.effectiveAt }] : []),
      { key: sa.PrerequisitesOpen, value: values.prerequisites },
    ].filter(({ key, value }) => {
      const text = JSON.stringify(value instanceof Date ? value.toISOString() : value);
      if (published.get(key.name) === text) return false;
      published.set(key.name, text);
      return true;
    });
    if (changes.length) upsertSearchAttributes(changes as Parameters<typeof upsertSearchAttributes>[0]);
  }
}

/** Thrown past the loop once a data error has ended the cancellation in stage `failed`. */
class FailedForGood extends Error {}
