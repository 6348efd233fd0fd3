/**
 * `npm run record:histories`: runs one cancellation of each kind on the time-skipping test server
 * and saves its event history under test/workflow/histories/. test/workflow/replay.test.ts replays
 * them against the current workflow code, so a change that would break running cancellations fails
 * CI. Record only for a deliberate, versioned change (behind `patched()`), never to make the
 * replay test pass: bump VERSION_TAG, and the new histories are saved as `<scenario>-<tag>.json`
 * next to the older ones, which are never overwritten, so the old branch of each `patched()` keeps
 * being replayed. completed-checklist-done.json predates the patch `confirm-backup-answers-after-stage`;
 * the untagged files and `-patched` predate `exact-charges-and-dates`; all but `-revision-3` predate `revision-3`.
 * The outbox workflows (workflows/outbox.ts, issue 14) are saved untagged as `outbox-*.json`: an event with an
 * e-mail and two endpoints, one of which fails once (a retry), a manual redelivery, and the retries the worker's
 * relay hands over (`outbox-retry.json`, an input that the workflows started before the relay never had).
 */
import fs from 'node:fs';
import path from 'node:path';
import { historyToJSON } from '@temporalio/common/lib/proto-utils';
import type { CancellationView } from '../domain/cancellation';
import { addMonthsUtc } from '../domain/dates';
import { ensureTemporalBinaries } from './temporal-binaries';
import { DAY, WorkflowHarness } from '../test/workflow/harness';
import { confirmDataBackupUpdate, licensesChangedSignal, withdrawUpdate } from '../workflows/messages';
import { webhookSecretKey } from '../config';
import { createLogger } from '../config/logger';
import { EventTypes, outboundTaskQueueOf, outboxWorkflowId } from '../domain/events';
import { createSecretBox } from '../outbound/webhooks/secret-box';
import { generateWebhookSecret } from '../outbound/webhooks/signing';
import { startWebhookReceiver } from '../test/helpers/webhook-receiver';
import { createWorker } from '../worker/create-worker';
import { outboundDeps } from '../worker/outbound';
import { startMailSink } from './lib/mail-sink';
import { createOutboxPlanner } from '../activities/outbound';
import { createStore } from '../activities/store';

const OUT = path.join(__dirname, '..', 'test', 'workflow', 'histories');
/** The newest versioned change of the workflow: its `patched()` id. */
export const VERSION_TAG = 'revision-3';

async function main(): Promise<void> {
  const bins = ensureTemporalBinaries();
  process.env.TEMPORAL_TEST_SERVER_PATH = bins.testServer;
  process.env.TEMPORAL_CLI_PATH = bins.cli;
  const h = new WorkflowHarness();
  await h.setUp('record-histories');
  const save = (scenario: string, view: { workflowId: string }) => saveAs(`${scenario}-${VERSION_TAG}.json`, view);
  const saveAs = async (file: string, view: { workflowId: string }) => {
    const history = await h.env.client.workflow.getHandle(view.workflowId).fetchHistory();
    if (fs.existsSync(path.join(OUT, file))) {
      process.stdout.write(`kept ${file}: it already exists (histories are never re-recorded)\n`);
      return;
    }
    fs.writeFileSync(path.join(OUT, file), historyToJSON(history) + '\n');
    process.stdout.write(`saved ${file} (${history.events?.length} events)\n`);
  };
  try {
    fs.mkdirSync(OUT, { recursive: true });

    const refusedSeed = await h.seed({ roles: ['product_admin'], openInvoiceCents: 100 });
    await h.submit(h.request(refusedSeed));
    const refusedId = `cancellation-${refusedSeed.subscriptionId}-1`;
    await h.env.client.workflow.getHandle(refusedId).result();
    await save('refused', { workflowId: refusedId });

    const full = await h.seed({ assignedLicenses: 1 });
    const fullView = await h.accept(h.request(full));
    await h.db.license.updateMany({ where: { subscriptionId: full.subscriptionId }, data: { assignedToUserId: null } });
    await h.handle(fullView).signal(licensesChangedSignal);
    await h
      .handle(fullView)
      .executeUpdate(confirmDataBackupUpdate, { args: [{ location: 's3://b', actor: 'user:r' }] });
    await h.handle(fullView).result();
    await save('completed-checklist-done', fullView);

    const open = await h.seed({ assignedLicenses: 2 });
    const openView = await h.accept(h.request(open));
    await h.handle(openView).result();
    await save('completed-checklist-open-reminders', openView);

    const w = await h.seed();
    const wView: CancellationView = await h.accept(h.request(w));
    await h.env.sleep(2 * DAY);
    await h.handle(wView).executeUpdate(withdrawUpdate, { args: [{ actor: 'user:w' }] });
    await h.handle(wView).result();
    await save('withdrawn', wView);

    const op = await h.seed();
    const opView: CancellationView = await h.accept(h.request(op));
    await h.handle(opView).cancel();
    await h.handle(opView).result();
    await save('withdrawn-by-operator', opView);

    const cView = await h.acceptRescheduledContract();
    await h.handle(cView).result();
    await save('rescheduled', cView);

    // P2 (API.md v1.1): a contract past its end runs to its current period end; the account is in credit (P4).
    const t = await h.now();
    const pastEnd = await h.seed({
      openInvoiceCents: -500,
      subscription: {
        billing: 'fixed_term',
        contractStart: addMonthsUtc(t, -13).toISOString(),
        contractEnd: addMonthsUtc(t, -1).toISOString(),
        currentPeriodStart: new Date(t.getTime() - 5 * DAY).toISOString(),
        currentPeriodEnd: new Date(t.getTime() + 25 * DAY).toISOString(),
      },
    });
    const pastEndView = await h.accept(h.request(pastEnd));
    await h.handle(pastEndView).result();
    await save('completed-contract-past-end', pastEndView);

    await recordOutbox(h, saveAs, w.accountId);
  } finally {
    await h.tearDown();
  }
}

/** Issue 14: the outbox workflows of one account's events, on a real SMTP sink and HTTP receiver. */
async function recordOutbox(
  h: WorkflowHarness,
  saveAs: (file: string, view: { workflowId: string }) => Promise<void>,
  accountId: string,
): Promise<void> {
  const [sink, receiver] = await Promise.all([startMailSink(), startWebhookReceiver()]);
  const logger = createLogger({ level: 'silent', name: 'record-histories' });
  const taskQueue = outboundTaskQueueOf(h.taskQueue);
  const channels = outboundDeps({
    smtpUrl: sink.url,
    mailFrom: 'Cancellations <no-reply@cancellations.test>',
    secretKey: webhookSecretKey({}),
    allowPrivate: true,
  });
  const worker = await createWorker({
    connection: h.env.nativeConnection,
    namespace: 'default',
    taskQueue,
    db: h.db,
    logger,
    workflowBundle: h.bundle,
    outbound: channels,
  });
  try {
    await worker.runUntil(async () => {
      const secretBox = createSecretBox(webhookSecretKey({}));
      const user = await h.db.user.findFirstOrThrow({ where: { accountId } });
      for (const [id, answers] of [
        ['we_record_ok', [200]],
        ['we_record_flaky', [500, 200]],
      ] as const) {
        receiver.answers.set(`/${id}`, [...answers]);
        await h.db.webhookEndpoint.create({
          data: {
            id,
            accountId,
            url: `${receiver.url}/${id}`,
            events: JSON.stringify(EventTypes),
            secretSealed: secretBox.seal(generateWebhookSecret()),
            createdByUserId: user.id,
          },
        });
      }
      const event = await h.db.outboxEvent.findFirstOrThrow({
        where: { accountId, type: 'cancellation.scheduled' },
      });
      const workflowId = outboxWorkflowId(event.id);
      await h.env.client.workflow.execute('outboxEventWorkflow', {
        workflowId,
        taskQueue,
        args: [{ eventId: event.id }],
      });
      await saveAs('outbox-event.json', { workflowId });
      const delivery = await h.db.webhookDelivery.findFirstOrThrow({ where: { endpointId: 'we_record_ok' } });
      const redelivery = `webhook-redelivery-${delivery.id}`;
      await h.env.client.workflow.execute('webhookRedeliveryWorkflow', {
        workflowId: redelivery,
        taskQueue,
        args: [{ deliveryId: delivery.id }],
      });
      await saveAs('outbox-redelivery.json', { workflowId: redelivery });

      // What the relay (worker/outbox-relay.ts) hands over when first attempts failed: the e-mail and both
      // webhooks again, each after its delay, the flaky endpoint failing once more.
      const withdrawn = await h.db.outboxEvent.findFirstOrThrow({
        where: { accountId, type: 'cancellation.withdrawn' },
      });
      const plan = await createOutboxPlanner(createStore({ db: h.db }), channels)(withdrawn.id, {
        markDispatched: false,
      });
      if (!plan.notificationId || plan.deliveryIds.length !== 2) throw new Error('expected an e-mail and two webhooks');
      receiver.answers.set('/we_record_flaky', [500, 200]);
      const retried = outboxWorkflowId(withdrawn.id);
      await h.env.client.workflow.execute('outboxEventWorkflow', {
        workflowId: retried,
        taskQueue,
        args: [
          {
            eventId: withdrawn.id,
            retry: {
              mail: { notificationId: plan.notificationId, retryInMs: 30_000 },
              webhooks: plan.deliveryIds.map((deliveryId) => ({ deliveryId, retryInMs: 5_000 })),
            },
          },
        ],
      });
      await saveAs('outbox-retry.json', { workflowId: retried });
    });
  } finally {
    await Promise.all([sink.close(), receiver.close()]);
  }
}

main().catch((err) => {
  process.stderr.write(`${(err as Error).stack ?? err}\n`);
  process.exit(1);
});
