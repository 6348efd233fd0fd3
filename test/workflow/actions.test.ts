/**
 * Issue 11, defect 6: the Temporal Cloud billable actions of each path, counted from its history, against
 * the budget the README documents. Revision 2 spent 19 on the typical online monthly path.
 */
import type { CancellationView } from '../../domain/cancellation';
import { confirmDataBackupUpdate, recountLicensesUpdate, withdrawUpdate } from '../../workflows/messages';
import { unassignAllLicensesOnce } from '../../db/subscriptions';
import { billableActions } from './billable-actions';
import { DAY, WorkflowHarness } from './harness';

/** The budgets of README "Cost per cancellation": a change that spends more fails here. */
export const ACTION_BUDGETS = {
  'accepted → completed, checklist done': 13,
  refused: 5,
  withdrawn: 8,
  rescheduled: 15,
  'checklist ignored, two reminders': 11,
} as const;

const h = new WorkflowHarness();
beforeAll(() => h.setUp('wf-actions'), 120_000);
afterAll(() => h.tearDown());

const measured: Record<string, unknown> = {};
afterAll(() => process.stdout.write(`billable actions per path: ${JSON.stringify(measured)}\n`));

async function count(path: keyof typeof ACTION_BUDGETS, workflowId: string) {
  const handle = h.env.client.workflow.getHandle(workflowId);
  await handle.result();
  const actions = billableActions(await handle.fetchHistory());
  measured[path] = actions;
  return actions;
}

it(`costs at most ${ACTION_BUDGETS['accepted → completed, checklist done']} on the typical path: licences unassigned, backup confirmed, period ends`, async () => {
  const seed = await h.seed({ assignedLicenses: 1 });
  const view: CancellationView = await h.accept(h.request(seed));
  // What unassign-all does: licences released and P6 recorded in one transaction, then the update.
  await unassignAllLicensesOnce(h.db, {
    subscriptionId: seed.subscriptionId,
    accountId: seed.accountId,
    cancellationId: view.id,
    actor: 'user:r',
    requestId: 'actions-typical',
  });
  await h.handle(view).executeUpdate(recountLicensesUpdate, { args: [{ recorded: true }] });
  await h.handle(view).executeUpdate(confirmDataBackupUpdate, { args: [{ location: 's3://b', actor: 'user:r' }] });
  const actions = await count('accepted → completed, checklist done', view.workflowId);
  // The upserts: TemporalChangeVersion (the SDK's, for the patch), licences, scheduled, completed.
  expect(actions).toMatchObject({ start: 1, updates: 3, localActivityTasks: 1, activities: 2, timers: 2, upserts: 4 });
  expect(actions.total).toBeLessThanOrEqual(ACTION_BUDGETS['accepted → completed, checklist done']);
});

it(`costs at most ${ACTION_BUDGETS.refused} for a refusal`, async () => {
  const seed = await h.seed({ roles: ['product_admin'], openInvoiceCents: 100 });
  const outcome = await h.submit(h.request(seed));
  expect(outcome).toMatchObject({ accepted: false });
  const actions = await count('refused', `cancellation-${seed.subscriptionId}-1`);
  expect(actions.total).toBeLessThanOrEqual(ACTION_BUDGETS.refused);
});

it(`costs at most ${ACTION_BUDGETS.withdrawn} for a withdrawal`, async () => {
  const seed = await h.seed();
  const view = await h.accept(h.request(seed));
  await h.env.sleep(2 * DAY);
  await h.handle(view).executeUpdate(withdrawUpdate, { args: [{ actor: 'user:w' }] });
  const actions = await count('withdrawn', view.workflowId);
  expect(actions.total).toBeLessThanOrEqual(ACTION_BUDGETS.withdrawn);
});

it(`costs at most ${ACTION_BUDGETS.rescheduled} for a rescheduled contract left with its checklist open`, async () => {
  const view = await h.acceptRescheduledContract();
  const actions = await count('rescheduled', view.workflowId);
  expect(actions.total).toBeLessThanOrEqual(ACTION_BUDGETS.rescheduled);
});

it(`costs at most ${ACTION_BUDGETS['checklist ignored, two reminders']} when the checklist is ignored (two reminders)`, async () => {
  const seed = await h.seed({ assignedLicenses: 2 });
  const view = await h.accept(h.request(seed));
  const actions = await count('checklist ignored, two reminders', view.workflowId);
  expect((await h.notifications(seed.accountId)).filter((n) => n.template === 'cancellation_reminder')).toHaveLength(2);
  expect(actions.total).toBeLessThanOrEqual(ACTION_BUDGETS['checklist ignored, two reminders']);
});
