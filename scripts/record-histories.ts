/**
 * `npm run record:histories`: runs one cancellation of each kind on the time-skipping test server
 * and saves its event history under test/workflow/histories/. test/workflow/replay.test.ts replays
 * them against the current workflow code, so a change that would break running cancellations fails
 * CI. Record only for a deliberate, versioned change (behind `patched()`), never to make the
 * replay test pass: bump VERSION_TAG, and the new histories are saved as `<scenario>-<tag>.json`
 * next to the older ones, which are never overwritten, so the old branch of each `patched()` keeps
 * being replayed. completed-checklist-done.json predates the patch `confirm-backup-answers-after-stage`;
 * the untagged files and `-patched` predate `exact-charges-and-dates`; all but `-revision-3` predate `revision-3`.
 */
import fs from 'node:fs';
import path from 'node:path';
import { historyToJSON } from '@temporalio/common/lib/proto-utils';
import type { CancellationView } from '../domain/cancellation';
import { addMonthsUtc } from '../domain/dates';
import { ensureTemporalBinaries } from './temporal-binaries';
import { DAY, WorkflowHarness } from '../test/workflow/harness';
import { confirmDataBackupUpdate, licensesChangedSignal, withdrawUpdate } from '../workflows/messages';

const OUT = path.join(__dirname, '..', 'test', 'workflow', 'histories');
/** The newest versioned change of the workflow: its `patched()` id. */
export const VERSION_TAG = 'revision-3';

async function main(): Promise<void> {
  const bins = ensureTemporalBinaries();
  process.env.TEMPORAL_TEST_SERVER_PATH = bins.testServer;
  process.env.TEMPORAL_CLI_PATH = bins.cli;
  const h = new WorkflowHarness();
  await h.setUp('record-histories');
  const save = async (scenario: string, view: { workflowId: string }) => {
    const history = await h.env.client.workflow.getHandle(view.workflowId).fetchHistory();
    const file = `${scenario}-${VERSION_TAG}.json`;
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
  } finally {
    await h.tearDown();
  }
}

main().catch((err) => {
  process.stderr.write(`${(err as Error).stack ?? err}\n`);
  process.exit(1);
});
