/**
 * Visibility on the cluster (PostgreSQL) answers the operator runbook's queries (README, "Operator runbook") as
 * the dev server (SQLite) does: the same cancellations, in the same stages, driven through the API of each
 * stack, give the same answer to every query, and that answer is the expected one.
 */
import { Client, Connection } from '@temporalio/client';
import { eventually } from '../helpers/eventually';
import { seedAccount } from '../helpers/fixtures';
import { START_TIMEOUT_MS, type E2eStack, type ServiceProcess } from '../helpers/stack';
import { startFaultStack, type FaultStack } from '../faults/harness';
import { startClusterStack, type ClusterStack } from './harness';

const LABELS = ['chase', 'backupOnly', 'scheduled', 'refused', 'withdrawn', 'completed'] as const;
type Label = (typeof LABELS)[number];

interface Run {
  stack: E2eStack;
  api: ServiceProcess;
  client: Client;
  connection: Connection;
  /** Each label's subscription and account. */
  seeds: Record<Label, { subscriptionId: string; accountId: string; token: string }>;
}

let cluster: ClusterStack;
let dev: FaultStack;
const runs: Run[] = [];
const DAY = 86_400_000;
const bound = new Date(Date.now() + 60 * DAY).toISOString();

async function post(run: Run, label: Label, path: string, body: object) {
  const res = await fetch(`${run.api.url}${path}`, {
    method: 'POST',
    headers: { authorization: `Bearer ${run.seeds[label].token}`, 'content-type': 'application/json' },
    body: JSON.stringify(body),
  });
  return { status: res.status, body: (await res.json()) as { id: string; stage: string } };
}

/** The same six cancellations on a stack, one per label, each brought to its stage through the API. */
async function drive(stack: E2eStack): Promise<Run> {
  const [api] = await Promise.all([stack.startApi(), stack.startWorker()]);
  const connection = await Connection.connect({ address: stack.temporalAddress });
  const seeds = {} as Run['seeds'];
  const spec = (label: Label) => {
    const token = `vis-${label}-${Math.random().toString(36).slice(2)}`;
    const licenses = label === 'chase' || label === 'completed' ? 1 : 0;
    return {
      token,
      assignedLicenses: licenses,
      openInvoiceCents: label === 'refused' ? 2_500 : 0,
      subscription: label === 'completed' ? { currentPeriodEnd: new Date(Date.now() + 15_000).toISOString() } : {},
    };
  };
  for (const label of LABELS) {
    const s = spec(label);
    const seed = await seedAccount(stack.testDb.db, s);
    seeds[label] = { subscriptionId: seed.subscriptionId, accountId: seed.accountId, token: s.token };
  }
  const run: Run = { stack, api, client: new Client({ connection }), connection, seeds };
  for (const label of LABELS) {
    const created = await post(run, label, '/v1/cancellations', { subscriptionId: seeds[label].subscriptionId });
    if (label === 'refused') {
      expect(created.status).toBeGreaterThanOrEqual(400);
      continue;
    }
    expect(created.status).toBe(201);
    if (label === 'scheduled')
      expect(
        (await post(run, label, `/v1/cancellations/${created.body.id}/data-backup`, { location: 's3://b/k' })).status,
      ).toBe(200);
    if (label === 'withdrawn')
      expect((await post(run, label, `/v1/cancellations/${created.body.id}/withdraw`, {})).status).toBe(200);
  }
  return run;
}

beforeAll(async () => {
  [cluster, dev] = await Promise.all([startClusterStack('cluster-visibility'), startFaultStack('dev-visibility')]);
  runs.push(await drive(cluster), await drive(dev));
  // The `completed` one reaches its effective date on both.
  for (const run of runs)
    await eventually(
      () =>
        run.stack.testDb.db.cancellation.findFirst({ where: { subscriptionId: run.seeds.completed.subscriptionId } }),
      (row) => row?.stage === 'completed',
      90_000,
    );
}, START_TIMEOUT_MS + 240_000);

afterAll(async () => {
  for (const run of runs) await run.connection.close();
  await Promise.all([cluster?.stop(), dev?.stop()]);
}, 90_000);

/** The labels a query finds on a run (by the SubscriptionId attribute), sorted. */
async function labelsFound(run: Run, query: string): Promise<Label[]> {
  const bySubscription = new Map(LABELS.map((l) => [run.seeds[l].subscriptionId, l]));
  const found: Label[] = [];
  for await (const wf of run.client.workflow.list({ query })) {
    const id = wf.searchAttributes?.SubscriptionId?.[0];
    const label = typeof id === 'string' ? bySubscription.get(id) : undefined;
    if (label) found.push(label);
  }
  return found.sort();
}

/** Each runbook query, with what it must find; `of(label)` is a per-run value. */
const QUERIES: [string, (run: Run) => string, Label[]][] = [
  [
    'checklist open, due before the bound',
    () => `CancellationStage = "awaiting_prerequisites" AND EffectiveAt < "${bound}"`,
    ['backupOnly', 'chase'],
  ],
  ['data backup not confirmed', () => 'PrerequisitesOpen = "data_backup"', ['backupOnly', 'chase']],
  ['licences still assigned', () => 'PrerequisitesOpen = "licenses"', ['chase']],
  ['one account', (run) => `AccountId = "${run.seeds.withdrawn.accountId}"`, ['withdrawn']],
  ['one subscription', (run) => `SubscriptionId = "${run.seeds.scheduled.subscriptionId}"`, ['scheduled']],
  ['refused', () => 'CancellationStage = "refused"', ['refused']],
  [
    'checklist done, due before the bound',
    () => `CancellationStage = "scheduled" AND EffectiveAt < "${bound}"`,
    ['scheduled'],
  ],
  ['one family, one channel', () => 'ProductFamily = "webinar" AND CancellationChannel = "online"', [...LABELS].sort()],
  ['finished either way', () => 'CancellationStage IN ("completed", "withdrawn")', ['completed', 'withdrawn']],
  [
    'stuck: running past the effective date',
    () => `ExecutionStatus = "Running" AND EffectiveAt < "${new Date().toISOString()}"`,
    [],
  ],
];

it.each(QUERIES)('finds the same on PostgreSQL visibility as on the dev server: %s', async (_name, query, expected) => {
  const answers: Label[][] = [];
  for (const run of runs)
    answers.push(
      await eventually(
        () => labelsFound(run, query(run)),
        (found) => found.join() === expected.join(),
        15_000,
      ),
    );
  const [onCluster, onDevServer] = answers;
  expect(onCluster).toEqual(onDevServer);
  expect(onCluster).toEqual(expected);
});
