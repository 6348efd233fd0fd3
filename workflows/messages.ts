import { defineQuery, defineSignal, defineUpdate } from '@temporalio/workflow';
import type { CancellationView, SubmitResult } from '../domain/cancellation';

/** Update-with-Start: returns the eligibility decision, and on acceptance the scheduled cancellation (P11). */
export const submitUpdate = defineUpdate<SubmitResult>('submit');

/** The live Cancellation view (P16); null only before the decision. */
export const cancellationQuery = defineQuery<CancellationView | null>('cancellation');

/** Sent by the API after it changed licence assignments: the workflow re-checks them at once (P6). */
export const licensesChangedSignal = defineSignal('licensesChanged');

export interface ConfirmDataBackupInput {
  location: string;
  actor: string;
}
/** The customer confirms the data backup and where it lives (P7). */
export const confirmDataBackupUpdate = defineUpdate<CancellationView, [ConfirmDataBackupInput]>('confirmDataBackup');

export interface WithdrawInput {
  actor: string;
}
/** Allowed until deactivation starts: auto-renew back on, subscription active again. */
export const withdrawUpdate = defineUpdate<CancellationView, [WithdrawInput]>('withdraw');

export interface ChangeContractEndInput {
  contractEnd: string;
  actor: string;
}
/** A changed contract end (fixed term) moves the effective date earlier or later (P2). */
export const changeContractEndUpdate = defineUpdate<CancellationView, [ChangeContractEndInput]>('changeContractEnd');
