/**
 * The worker's side of the outbound channels (API.md v1.2): the outbound task queue's dependencies, the
 * starts of the outbox workflows (for the channels the relay, worker/outbox-relay.ts, could not deliver at the
 * first attempt), and the sweep that starts the workflow of every event the relay lost (the worker died
 * between the commit and the end of the relay). The sweep never retries a delivery: retries are Temporal's
 * (workflows/outbox.ts); it only repairs a missing start, deduplicated by workflow id.
 */
import { Client, WorkflowExecutionAlreadyStartedError, WorkflowIdReusePolicy } from '@temporalio/client';
import type { NativeConnection } from '@temporalio/worker';
import nodemailer from 'nodemailer';
import type { OutboundDeps } from '../activities';
import type { Logger } from '../config/logger';
import type { Db } from '../db/client';
import { createSecretBox } from '../outbound/webhooks/secret-box';
import { outboundTaskQueueOf, outboxWorkflowId } from '../domain/events';
import type { OutboxRetry, outboxEventWorkflow } from '../workflows/outbox';

/** An event whose workflow has not run this long after its commit is started again by the sweep. */
const SWEEP_GRACE_MS = 30_000;
const SWEEP_INTERVAL_MS = 30_000;
const SWEEP_BATCH = 500;

export function outboundDeps(config: {
  smtpUrl?: string;
  mailFrom: string;
  secretKey: Buffer;
  allowPrivate: boolean;
}): OutboundDeps {
  return {
    mailer: config.smtpUrl ? nodemailer.createTransport(config.smtpUrl) : null,
    mailFrom: config.mailFrom,
    secretBox: createSecretBox(config.secretKey),
    allowPrivate: config.allowPrivate,
    now: () => new Date(),
  };
}

/**
 * Starts outbox workflows: `dispatch` the whole of each event's delivery (the sweep), `handOver` the retries of
 * the channels whose first attempt the relay made (worker/outbox-relay.ts). A second start of the same event is
 * refused by its id, and that is success: the event has its workflow.
 */
export function createEventDispatcher(options: {
  connection: NativeConnection;
  namespace: string;
  taskQueue: string;
}): {
  dispatch: (eventIds: string[]) => Promise<void>;
  handOver: (eventId: string, retry: OutboxRetry) => Promise<void>;
} {
  const client = new Client({ connection: options.connection, namespace: options.namespace });
  const taskQueue = outboundTaskQueueOf(options.taskQueue);
  const start = async (eventId: string, retry?: OutboxRetry) => {
    try {
      await client.workflow.start<typeof outboxEventWorkflow>('outboxEventWorkflow', {
        workflowId: outboxWorkflowId(eventId),
        taskQueue,
        args: [retry ? { eventId, retry } : { eventId }],
        workflowIdReusePolicy: WorkflowIdReusePolicy.REJECT_DUPLICATE,
      });
    } catch (err) {
      if (!(err instanceof WorkflowExecutionAlreadyStartedError)) throw err;
    }
  };
  return {
    dispatch: async (eventIds) => {
      await Promise.all(eventIds.map((eventId) => start(eventId)));
    },
    handOver: start,
  };
}

/**
 * Starts, every 30 s, the workflows of events committed over 30 s ago that neither a workflow nor this
 * process's relay has taken up.
 */
export function startOutboxSweep(options: {
  db: Db;
  dispatch: (eventIds: string[]) => Promise<void>;
  /** The relay holds it (queued or under way): not lost, only late. */
  held?: (eventId: string) => boolean;
  logger: Logger;
  intervalMs?: number;
  graceMs?: number;
}): { sweep: () => Promise<number>; stop: () => void } {
  const { db, dispatch, logger } = options;
  const sweep = async () => {
    const found = await db.outboxEvent.findMany({
      where: { dispatchedAt: null, createdAt: { lt: new Date(Date.now() - (options.graceMs ?? SWEEP_GRACE_MS)) } },
      select: { id: true },
      orderBy: { createdAt: 'asc' },
      take: SWEEP_BATCH,
    });
    const due = found.filter((e) => !options.held?.(e.id));
    if (due.length) {
      logger.info({ events: due.length }, 'outbox sweep: starting the workflows of undispatched events');
      const ids = due.map((e) => e.id);
      await dispatch(ids);
      // Each has its workflow now, started here or before (a relay that handed it over and died before marking
      // it): marked here, or a workflow that never prepares (the hand-over's) would leave it to every sweep.
      await db.outboxEvent.updateMany({
        where: { id: { in: ids }, dispatchedAt: null },
        data: { dispatchedAt: new Date() },
      });
    }
    return due.length;
  };
  let running = false;
  const timer = setInterval(() => {
    if (running) return;
    running = true;
    sweep()
      .catch((err: unknown) => logger.warn({ err }, 'outbox sweep failed; trying again later'))
      .finally(() => (running = false));
  }, options.intervalMs ?? SWEEP_INTERVAL_MS);
  timer.unref();
  return { sweep, stop: () => clearInterval(timer) };
}
