import { defineQuery, defineSignal, defineUpdate } from '@temporalio/workflow';
import type { CancellationView, SubmitResult } from '../domain/cancellation';

export interface SubmitInput {
  /** The cancellation id of the request: a request for another one finds this workflow already busy. */
  cancellationId: string;
}
/**
 * Update-with-Start: returns the eligibility decision, and on acceptance the scheduled cancellation (P11).
 * The API derives the update id from the request's Idempotency-Key, so a retry of the same request is
 * deduplicated by Temporal and gets the original outcome, while another request is rejected as in progress.
 */
export const submitUpdate = defineUpdate<SubmitResult, [SubmitInput | undefined]>('submit');

/** The live Cancellation view (P16); null only before the decision. */
export const cancellationQuery = defineQuery<CancellationView | null>('cancellation');

/** Sent by the API after it changed licence assignments: the workflow re-checks them at once (P6). */
export const licensesChangedSignal = defineSignal('licensesChanged');

/**
 * The same as an update (P6): answers once the workflow has re-counted the licences (and moved the stage
 * on if that completed the checklist), so a read right after shows it. Used by unassign-all.
 */
export interface RecountLicensesInput {
  /**
   * The API released every licence and recorded the checklist item in the same transaction: the workflow
   * takes it as done without counting again (one activity fewer). Absent: the workflow counts.
   */
  recorded?: boolean;
}
export const recountLicensesUpdate = defineUpdate<CancellationView, [RecountLicensesInput | undefined]>(
  'recountLicenses',
);

export interface ConfirmDataBackupInput {
  location: string;
  actor: string;
}
/** The customer confirms the data backup and where it lives (P7). */
export const confirmDataBackupUpdate = defineUpdate<CancellationView, [ConfirmDataBackupInput]>('confirmDataBackup');

export interface WithdrawInput {
  actor: string;
  /** Recorded with the withdrawal, so that a retry of the same request converges on it (absent in old histories). */
  requestId?: string;
}
/** Allowed until deactivation starts: auto-renew back on, subscription active again. */
export const withdrawUpdate = defineUpdate<CancellationView, [WithdrawInput]>('withdraw');

export interface ChangeContractEndInput {
  contractEnd: string;
  actor: string;
}
/** A changed contract end (fixed term) moves the effective date earlier or later (P2). */
export const changeContractEndUpdate = defineUpdate<CancellationView, [ChangeContractEndInput]>('changeContractEnd');
