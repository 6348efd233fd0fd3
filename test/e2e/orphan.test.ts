/**
 * Issue 11, defect 1, on real processes (the Temporal dev server, worker processes, the API): the worker is
 * killed (SIGKILL) right after a decision's commit, before its workflow task completes. A new worker replays
 * the decision, finds the cancellation's own row, and goes on as accepted; the retry of the request answers
 * 201 with that cancellation. (Revision 2 ended it as `conflict`: the row open, auto-renew off, forever.)
 * The window is held open by the worker's fault injection (FAULT_PAUSE_AFTER_DECISION_MS).
 */
import { randomUUID } from 'node:crypto';
import { Client, Connection } from '@temporalio/client';
import { cancellationQuery } from '../../workflows/messages';
import { seedAccount } from '../helpers/fixtures';
import { eventually } from '../helpers/eventually';
import { START_TIMEOUT_MS, startStack, type E2eStack } from '../helpers/stack';

let stack: E2eStack;
beforeAll(async () => {
  stack = await startStack('orphan');
}, START_TIMEOUT_MS + 30_000);
afterAll(() => stack?.stop(), 60_000);

it('goes on as accepted after the worker died between the commit and its workflow task', async () => {
  const token = `orphan-${randomUUID()}`;
  const seed = await seedAccount(stack.testDb.db, { token, assignedLicenses: 1 });
  const [dying, api] = await Promise.all([
    stack.startWorker({ FAULT_PAUSE_AFTER_DECISION_MS: '120000' }),
    stack.startApi({ REQUEST_DEADLINE_MS: '3000' }),
  ]);
  const key = randomUUID();
  const post = () =>
    fetch(`${api.url}/v1/cancellations`, {
      method: 'POST',
      headers: { authorization: `Bearer ${token}`, 'content-type': 'application/json', 'idempotency-key': key },
      body: JSON.stringify({ subscriptionId: seed.subscriptionId }),
    });
  const first = post();
  await dying.waitForLine("pausing 120000 ms after the decision's commit");
  dying.process.child.kill('SIGKILL');
  expect((await first).status).toBe(503); // the deadline: the decision is not known yet
  const rows = await stack.testDb.db.cancellation.findMany({ where: { subscriptionId: seed.subscriptionId } });
  expect(rows).toHaveLength(1);

  await stack.startWorker();
  const retry = await eventually(
    async () => {
      const res = await post();
      return { status: res.status, body: (await res.json()) as { id: string; stage: string } };
    },
    (r) => r.status === 201,
    60_000,
  );
  expect(retry).toMatchObject({ status: 201, body: { id: rows[0].id, stage: 'awaiting_prerequisites' } });
  const row = await stack.testDb.db.cancellation.findUniqueOrThrow({ where: { id: rows[0].id } });
  expect(row.stage).toBe('awaiting_prerequisites');
  const sub = await stack.testDb.db.subscription.findUniqueOrThrow({ where: { id: seed.subscriptionId } });
  expect(sub).toMatchObject({ status: 'cancellation_scheduled', autoRenew: false });
  // The workflow goes on as accepted (not `conflict`): running, and it still takes the checklist.
  const connection = await Connection.connect({ address: stack.temporalAddress });
  try {
    const handle = new Client({ connection }).workflow.getHandle(row.workflowId);
    const query = await eventually(
      () => handle.query(cancellationQuery).catch(() => null),
      (v) => v !== null,
      60_000,
    );
    expect(query).toMatchObject({ id: rows[0].id, stage: 'awaiting_prerequisites' });
    expect((await handle.describe()).status.name).toBe('RUNNING');
  } finally {
    await connection.close();
  }
  const unassignKey = randomUUID();
  const unassign = await eventually(
    () =>
      fetch(`${api.url}/v1/subscriptions/${seed.subscriptionId}/licenses/unassign-all`, {
        method: 'POST',
        headers: { authorization: `Bearer ${token}`, 'idempotency-key': unassignKey },
      }),
    (r) => r.status === 200,
    30_000,
  );
  expect(await unassign.json()).toEqual({ unassigned: 1 });
  const after = await stack.testDb.db.cancellation.findUniqueOrThrow({ where: { id: rows[0].id } });
  expect(after.licensesUnassigned).toBe(true);
}, 120_000);
