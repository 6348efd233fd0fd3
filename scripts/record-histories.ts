/**
 * `npm run record:histories`: runs one cancellation of each kind on the time-skipping test server
 * and saves its event history under test/workflow/histories/. test/workflow/replay.test.ts replays
 * them against the current workflow code, so a change that would break running cancellations fails
 * CI. Re-record only for a deliberate, versioned change (behind `patched()`), never to make the
 * replay test pass. Histories of earlier versions stay as they are, so the old branch of each
 * `patched()` keeps being replayed: completed-checklist-done.json predates the patch
 * `confirm-backup-answers-after-stage`.
 */
import fs from 'node:fs';
import path from 'node:path';
import { historyToJSON } from '@temporalio/common/lib/proto-utils';
import type { CancellationView } from '../domain/cancellation';
import { addMonthsUtc } from '../domain/dates';
import { ensureTemporalBinaries } from './temporal-binaries';
import { DAY, WorkflowHarness } from '../test/workflow/harness';
import {
  changeContractEndUpdate,
  confirmDataBackupUpdate,
  licensesChangedSignal,
  withdrawUpdate,
} from '../workflows/messages';

const OUT = path.join(__dirname, '..', 'test', 'workflow', 'histories');

async function main(): Promise<void> {
  const bins = ensureTemporalBinaries();
  process.env.TEMPORAL_TEST_SERVER_PATH = bins.testServer;
  process.env.TEMPORAL_CLI_PATH = bins.cli;
  const h = new WorkflowHarness();
  await h.setUp('record-histories');
  const save = async (name: string, view: { workflowId: string }) => {
    const history = await h.env.client.workflow.getHandle(view.workflowId).fetchHistory();
    fs.writeFileSync(path.join(OUT, `${name}.json`), historyToJSON(history) + '\n');
    process.stdout.write(`saved ${name}.json (${history.events?.length} events)\n`);
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
    await save('completed-checklist-done-patched', fullView);

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

    const now = await h.now();
    const start = addMonthsUtc(now, -3);
    const c = await h.seed({
      subscription: {
        billing: 'fixed_term',
        contractStart: start.toISOString(),
        contractEnd: addMonthsUtc(start, 12).toISOString(),
        currentPeriodStart: addMonthsUtc(start, 3).toISOString(),
        currentPeriodEnd: addMonthsUtc(start, 4).toISOString(),
      },
    });
    const cView = await h.accept(h.request(c));
    await h.handle(cView).executeUpdate(changeContractEndUpdate, {
      args: [{ contractEnd: addMonthsUtc(start, 5).toISOString(), actor: 'support:agt' }],
    });
    await h.handle(cView).result();
    await save('rescheduled', cView);
  } finally {
    await h.tearDown();
  }
}

main().catch((err) => {
  process.stderr.write(`${(err as Error).stack ?? err}\n`);
  process.exit(1);
});
