import { randomUUID } from 'node:crypto';
import type { TestWorkflowEnvironment } from '@temporalio/testing';
import { Worker } from '@temporalio/worker';
import { createActivities } from '../../activities';
import { submitCancellation, type WorkflowGateway } from '../../api/workflow-client';
import type { CancellationView } from '../../domain/cancellation';
import {
  confirmDataBackupUpdate,
  licensesChangedSignal,
  withdrawUpdate,
  cancellationQuery,
} from '../../workflows/messages';
import * as sa from '../../workflows/search-attributes';
import { createTestDatabase, type TestDatabase } from '../helpers/db';
import { seedAccount } from '../helpers/fixtures';
import { createDevServerEnv } from '../helpers/temporal';

/**
 * Operators find and explain cancellations in the Temporal UI: on a real dev server, the search
 * attributes and current details follow the Cancellation the API shows, at every stage.
 */
let env: TestWorkflowEnvironment;
let tdb: TestDatabase;
let worker: Worker;
let running: Promise<void>;
const taskQueue = `visibility-${randomUUID().slice(0, 6)}`;

beforeAll(async () => {
  [env, tdb] = await Promise.all([createDevServerEnv(), createTestDatabase('visibility')]);
  worker = await Worker.create({
    connection: env.nativeConnection,
    taskQueue,
    workflowsPath: require.resolve('../../workflows'),
    activities: createActivities({ db: tdb.db }),
  });
  running = worker.run();
}, 120_000);
afterAll(async () => {
  worker?.shutdown();
  await running;
  await env?.teardown();
  await tdb?.drop();
});

const gw = (): WorkflowGateway => ({ client: env.client, taskQueue });

async function visible(query: string, expected: number): Promise<string[]> {
  const until = Date.now() + 15_000;
  for (;;) {
    const ids: string[] = [];
    for await (const wf of env.client.workflow.list({ query })) ids.push(wf.workflowId);
    if (ids.length === expected || Date.now() > until) return ids;
    await new Promise((r) => setTimeout(r, 200));
  }
}

/** What POST /v1/cancellations does, minus HTTP. */
async function accept(seed: {
  accountId: string;
  userId: string;
  subscriptionId: string;
  email: string;
}): Promise<CancellationView> {
  const sub = await tdb.db.subscription.findUniqueOrThrow({ where: { id: seed.subscriptionId } });
  const outcome = await submitCancellation(
    gw(),
    {
      cancellationId: `can_${randomUUID().slice(0, 12)}`,
      subscriptionId: seed.subscriptionId,
      accountId: seed.accountId,
      channel: 'online',
      requester: { userId: seed.userId, email: seed.email },
      supportAgentId: null,
      reason: null,
    },
    {
      generation: 1,
      productName: sub.productName,
      productFamily: sub.productFamily,
      effectiveAt: sub.currentPeriodEnd,
    },
  );
  if (!outcome.accepted) throw new Error('expected acceptance');
  return outcome.cancellation;
}

async function currentDetails(workflowId: string): Promise<string> {
  const meta = (await env.client.workflow.getHandle(workflowId).query('__temporal_workflow_metadata')) as {
    currentDetails?: string;
  };
  return meta.currentDetails ?? '';
}

/**
 * The dev server's SQLite visibility does not find a datetime attribute by an exact value whose fraction ends in
 * zero: `EffectiveAt = "…:00.120Z"` found nothing (one date in ten has such a fraction), `"…:00.123Z"` is found.
 * Operators query EffectiveAt by ranges (README, runbook). The effective date here has a fraction
 * without trailing zeros, so the exact-value query below checks the attribute rather than that quirk.
 */
const effectiveInTwentyDays = () => new Date(Math.floor(Date.now() / 1000) * 1000 + 20 * 86_400_000 + 123);

it('finds a cancellation by each search attribute, following its stage to withdrawn', async () => {
  const seed = await seedAccount(tdb.db, {
    assignedLicenses: 1,
    subscription: { currentPeriodEnd: effectiveInTwentyDays().toISOString() },
  });
  const view = await accept(seed);
  const id = view.workflowId;
  expect(id).toBe(`cancellation-${seed.subscriptionId}-1`);
  const handle = env.client.workflow.getHandle(id);

  const by = (clause: string) => visible(`${clause} AND WorkflowId = "${id}"`, 1);
  expect(await by(`AccountId = "${seed.accountId}"`)).toEqual([id]);
  expect(await by(`SubscriptionId = "${seed.subscriptionId}"`)).toEqual([id]);
  expect(await by(`ProductFamily = "webinar"`)).toEqual([id]);
  expect(await by(`CancellationChannel = "online"`)).toEqual([id]);
  expect(await by(`CancellationStage = "awaiting_prerequisites"`)).toEqual([id]);
  expect(await by(`EffectiveAt = "${view.effectiveAt}"`)).toEqual([id]);
  expect(await by(`PrerequisitesOpen = "licenses" AND PrerequisitesOpen = "data_backup"`)).toEqual([id]);

  const description = await handle.describe();
  expect(await description.staticSummary()).toContain(seed.subscriptionId);
  expect(await description.staticDetails()).toContain(view.effectiveAt);
  expect(await currentDetails(id)).toContain('- [ ] Licences unassigned (P6)');

  await tdb.db.license.updateMany({ where: { subscriptionId: seed.subscriptionId }, data: { assignedToUserId: null } });
  await handle.signal(licensesChangedSignal);
  expect(
    await visible(`WorkflowId = "${id}" AND PrerequisitesOpen = "data_backup" AND PrerequisitesOpen != "licenses"`, 1),
  ).toEqual([id]);
  expect(await currentDetails(id)).toContain('- [x] Licences unassigned (P6)');

  await handle.executeUpdate(confirmDataBackupUpdate, { args: [{ location: 's3://acme/backup', actor: 'user:t' }] });
  expect(await by(`CancellationStage = "scheduled"`)).toEqual([id]);
  const live = await handle.query(cancellationQuery);
  expect(live?.stage).toBe('scheduled');
  expect(await currentDetails(id)).toContain('s3://acme/backup');

  await handle.executeUpdate(withdrawUpdate, { args: [{ actor: 'user:t' }] });
  expect(await by(`CancellationStage = "withdrawn"`)).toEqual([id]);
  const row = await tdb.db.cancellation.findUniqueOrThrow({ where: { id: view.id } });
  expect(row.stage).toBe('withdrawn');
  const described = await handle.describe();
  expect(described.typedSearchAttributes.get(sa.CancellationStage)).toBe(row.stage);
});

it('shows a summary on every activity and timer, so the history reads as the policy steps', async () => {
  const seed = await seedAccount(tdb.db, {
    subscription: {
      currentPeriodStart: new Date(Date.now() - 30 * 86_400_000 + 5_000).toISOString(),
      currentPeriodEnd: new Date(Date.now() + 5_000).toISOString(),
    },
  });
  const outcome = { cancellation: await accept(seed) };
  const handle = env.client.workflow.getHandle(outcome.cancellation.workflowId);
  await handle.result();
  const history = await handle.fetchHistory();
  const summaries = (history.events ?? [])
    .filter((e) => e.activityTaskScheduledEventAttributes || e.timerStartedEventAttributes)
    .map((e) => e.userMetadata?.summary);
  // The timer to the effective date and the deactivation (one activity since revision 3).
  expect(summaries.length).toBeGreaterThanOrEqual(2);
  expect(summaries.every((s) => s?.data && s.data.length > 0)).toBe(true);
  expect(await visible(`WorkflowId = "${handle.workflowId}" AND CancellationStage = "completed"`, 1)).toHaveLength(1);
});
