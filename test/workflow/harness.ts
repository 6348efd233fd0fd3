import { randomUUID } from 'node:crypto';
import type { TestWorkflowEnvironment } from '@temporalio/testing';
import { Worker, type WorkflowBundle } from '@temporalio/worker';
import { createActivities, type Activities, type ActivityDeps } from '../../activities';
import { submitCancellation, type SubmitOutcome, type WorkflowGateway } from '../../api/workflow-client';
import { nextGeneration } from '../../db/cancellations';
import type { CancellationRequest, CancellationView } from '../../domain/cancellation';
import { addMonthsUtc, effectiveDate } from '../../domain/dates';
import type { Billing } from '../../domain/types';
import { changeContractEndUpdate } from '../../workflows/messages';
import { createTestDatabase, type TestDatabase } from '../helpers/db';
import { seedAccount, type AccountSpec } from '../helpers/fixtures';
import { bundleWorkflows, createTimeSkippingEnv } from '../helpers/temporal';

export const DAY = 86_400_000;

/**
 * One time-skipping test server, one workflow bundle, one SQLite (or PostgreSQL) database and one
 * worker per test file. Fixtures are dated from the test server's clock, which moves forward as
 * tests skip time.
 */
export class WorkflowHarness {
  env!: TestWorkflowEnvironment;
  bundle!: WorkflowBundle;
  tdb!: TestDatabase;
  private worker?: Worker;
  private running?: Promise<void>;
  readonly taskQueue = `wf-${randomUUID().slice(0, 8)}`;

  /** More for every worker's activities (the outbound tests' event dispatch), given the test server. */
  private extraDeps: Partial<ActivityDeps> = {};

  async setUp(label: string, extraDeps?: (env: TestWorkflowEnvironment) => Partial<ActivityDeps>): Promise<void> {
    [this.env, this.bundle, this.tdb] = await Promise.all([
      createTimeSkippingEnv(),
      bundleWorkflows(),
      createTestDatabase(label),
    ]);
    this.extraDeps = extraDeps?.(this.env) ?? {};
    this.worker = await this.createWorker(this.taskQueue);
    this.running = this.worker.run();
  }

  async tearDown(): Promise<void> {
    this.worker?.shutdown();
    await this.running;
    await this.env?.teardown();
    await this.tdb?.drop();
  }

  get db() {
    return this.tdb.db;
  }

  gateway(taskQueue = this.taskQueue): WorkflowGateway {
    return { client: this.env.client, taskQueue };
  }

  createWorker(taskQueue: string, override: Partial<Activities> = {}): Promise<Worker> {
    return Worker.create({
      connection: this.env.nativeConnection,
      taskQueue,
      workflowBundle: this.bundle,
      activities: { ...createActivities({ ...this.extraDeps, db: this.db }), ...override },
    });
  }

  async now(): Promise<Date> {
    return new Date(await this.env.currentTimeMs());
  }

  async seed(spec: AccountSpec = {}) {
    return seedAccount(this.db, spec, await this.now());
  }

  request(
    seed: { accountId: string; userId: string; subscriptionId: string; email: string },
    extra: Partial<CancellationRequest> = {},
  ): CancellationRequest {
    return {
      cancellationId: `can_${randomUUID().replace(/-/g, '').slice(0, 16)}`,
      subscriptionId: seed.subscriptionId,
      accountId: seed.accountId,
      channel: 'online',
      requester: { userId: seed.userId, email: seed.email },
      supportAgentId: null,
      reason: { code: 'too_expensive', comment: 'test' },
      ...extra,
    };
  }

  /** What the API does for POST /v1/cancellations, minus HTTP. */
  async submit(request: CancellationRequest, taskQueue = this.taskQueue): Promise<SubmitOutcome> {
    const sub = await this.db.subscription.findUniqueOrThrow({ where: { id: request.subscriptionId } });
    const licensesAssigned = await this.db.license.count({
      where: { subscriptionId: sub.id, assignedToUserId: { not: null } },
    });
    return submitCancellation(this.gateway(taskQueue), request, {
      generation: await nextGeneration(this.db, sub.id),
      productName: sub.productName,
      productFamily: sub.productFamily,
      licensesAssigned,
      effectiveAt: effectiveDate({
        billing: sub.billing as Billing,
        currentPeriodEnd: sub.currentPeriodEnd,
        contractEnd: sub.contractEnd,
      }),
    });
  }

  async accept(request: CancellationRequest, taskQueue = this.taskQueue): Promise<CancellationView> {
    const outcome = await this.submit(request, taskQueue);
    if (!outcome.accepted) throw new Error(`expected acceptance, got ${JSON.stringify(outcome)}`);
    return outcome.cancellation;
  }

  /**
   * P5, P14: a 12-month contract three months in, accepted with its checklist open, then rescheduled by
   * support to end two months later (changeContractEnd). Returns the cancellation as accepted.
   */
  async acceptRescheduledContract(): Promise<CancellationView> {
    const start = addMonthsUtc(await this.now(), -3);
    const seed = await this.seed({
      subscription: {
        billing: 'fixed_term',
        contractStart: start.toISOString(),
        contractEnd: addMonthsUtc(start, 12).toISOString(),
        currentPeriodStart: addMonthsUtc(start, 3).toISOString(),
        currentPeriodEnd: addMonthsUtc(start, 4).toISOString(),
      },
    });
    const view = await this.accept(this.request(seed));
    await this.handle(view).executeUpdate(changeContractEndUpdate, {
      args: [{ contractEnd: addMonthsUtc(start, 5).toISOString(), actor: 'support:agt' }],
    });
    return view;
  }

  handle(view: CancellationView) {
    return this.env.client.workflow.getHandle(view.workflowId);
  }

  subscription(id: string) {
    return this.db.subscription.findUniqueOrThrow({ where: { id } });
  }

  notifications(accountId: string) {
    return this.db.notification.findMany({ where: { accountId }, orderBy: { createdAt: 'asc' } });
  }

  events(subscriptionId: string) {
    return this.db.cancellationEvent.findMany({ where: { subscriptionId }, orderBy: { id: 'asc' } });
  }
}
