/**
 * The invariants every fault test checks once the fault is over, on the database and on Temporal. Returns
 * the violations found (an empty list when everything holds), so a failure names every one at once.
 */
import { Client, Connection, WorkflowNotFoundError } from '@temporalio/client';
import type { E2eStack } from '../helpers/stack';
import type { Accepted } from './harness';

/** Steps that happen at most once per cancellation: their audit events and notifications are never doubled. */
const ONCE = ['cancellation_scheduled', 'cancellation_completed', 'cancellation_withdrawn', 'cancellation_failed'];
const OPEN = ['awaiting_prerequisites', 'scheduled', 'deactivating'];

export async function checkInvariants(stack: E2eStack, accepted: Accepted[]): Promise<string[]> {
  const db = stack.testDb.db;
  const problems: string[] = [];
  const [rows, events, notifications, subscriptions] = await Promise.all([
    db.cancellation.findMany({
      select: { id: true, subscriptionId: true, workflowId: true, stage: true, effectiveAt: true, completedAt: true },
    }),
    db.cancellationEvent.findMany({ select: { cancellationId: true, subscriptionId: true, type: true } }),
    db.notification.findMany({ select: { cancellationId: true, template: true, payload: true } }),
    db.subscription.findMany({ select: { id: true, status: true, autoRenew: true } }),
  ]);
  const rowById = new Map(rows.map((r) => [r.id, r]));
  const subById = new Map(subscriptions.map((s) => [s.id, s]));

  const connection = await Connection.connect({ address: stack.temporalAddress });
  const client = new Client({ connection });
  const workflowStatus = async (workflowId: string): Promise<string> => {
    try {
      return (await client.workflow.getHandle(workflowId).describe()).status.name;
    } catch (err) {
      if (err instanceof WorkflowNotFoundError) return 'NOT_FOUND';
      throw err;
    }
  };
  try {
    // Every accepted request: exactly one Cancellation row, the one it was answered with, and its workflow.
    const statuses = new Map<string, string>();
    for (const a of accepted) {
      const row = rowById.get(a.id);
      const ofSubscription = rows.filter((r) => r.subscriptionId === a.subscriptionId);
      if (!row) problems.push(`${a.id}: accepted, but no Cancellation row`);
      if (ofSubscription.length !== 1)
        problems.push(`${a.subscriptionId}: ${ofSubscription.length} Cancellation rows for one accepted request`);
      if (!row) continue;
      if (row.workflowId !== a.workflowId) problems.push(`${a.id}: row names workflow ${row.workflowId}`);
      const status = await workflowStatus(row.workflowId);
      statuses.set(row.id, status);
      if (status === 'NOT_FOUND') problems.push(`${a.id}: workflow ${row.workflowId} does not exist`);
      else if (OPEN.includes(row.stage) && status !== 'RUNNING')
        problems.push(`${a.id}: stage ${row.stage} but its workflow is ${status}`);
      const scheduled = events.filter((e) => e.cancellationId === a.id && e.type === 'cancellation_scheduled');
      if (scheduled.length !== 1) problems.push(`${a.id}: ${scheduled.length} cancellation_scheduled events`);
    }

    // One audit event per step that happens once, one notification per template and occurrence.
    const count = (keys: string[]) => {
      const counts = new Map<string, number>();
      for (const k of keys) counts.set(k, (counts.get(k) ?? 0) + 1);
      return [...counts].filter(([, n]) => n > 1);
    };
    for (const [k, n] of count(
      events.filter((e) => e.cancellationId && ONCE.includes(e.type)).map((e) => `${e.cancellationId} ${e.type}`),
    ))
      problems.push(`${k}: ${n} audit events`);
    for (const [k, n] of count(
      notifications.map((n) => {
        const payload = JSON.parse(n.payload) as { before?: string };
        return `${n.cancellationId} ${n.template}${payload.before ? ` ${payload.before}` : ''}`;
      }),
    ))
      problems.push(`${k}: ${n} notifications`);
    for (const row of rows) {
      const completedEvents = events.filter((e) => e.cancellationId === row.id && e.type === 'cancellation_completed');
      const completedNotes = notifications.filter(
        (n) => n.cancellationId === row.id && n.template === 'cancellation_completed',
      );
      // P2: deactivated at its effective date, never before.
      if (row.stage === 'completed' && !(row.completedAt && row.completedAt >= row.effectiveAt))
        problems.push(
          `${row.id}: completed at ${row.completedAt?.toISOString()}, effective ${row.effectiveAt.toISOString()}`,
        );
      if (row.stage === 'completed' && (completedEvents.length !== 1 || completedNotes.length !== 1))
        problems.push(
          `${row.id}: completed with ${completedEvents.length} events, ${completedNotes.length} notifications`,
        );
    }

    // No subscription deactivated twice.
    for (const [k, n] of count(events.filter((e) => e.type === 'cancellation_completed').map((e) => e.subscriptionId)))
      problems.push(`${k}: deactivated ${n} times`);

    // No subscription left `cancellation_scheduled` without a running workflow.
    for (const sub of subscriptions.filter((s) => s.status === 'cancellation_scheduled')) {
      const open = rows.filter((r) => r.subscriptionId === sub.id && OPEN.includes(r.stage));
      if (open.length !== 1) {
        problems.push(`${sub.id}: cancellation_scheduled with ${open.length} open cancellations`);
        continue;
      }
      const status = statuses.get(open[0].id) ?? (await workflowStatus(open[0].workflowId));
      if (status !== 'RUNNING') problems.push(`${sub.id}: cancellation_scheduled, its workflow is ${status}`);
    }

    // Auto-renew and the subscription's status follow the stage.
    for (const row of rows) {
      const sub = subById.get(row.subscriptionId);
      if (!sub) continue;
      const state = `${row.id} ${row.stage}: subscription ${sub.status}, autoRenew ${sub.autoRenew}`;
      if (OPEN.includes(row.stage) && (sub.autoRenew || sub.status !== 'cancellation_scheduled')) problems.push(state);
      if (row.stage === 'completed' && (sub.autoRenew || sub.status !== 'cancelled')) problems.push(state);
      if (row.stage === 'withdrawn' && (!sub.autoRenew || sub.status !== 'active')) problems.push(state);
    }
  } finally {
    await connection.close();
  }
  return problems;
}
