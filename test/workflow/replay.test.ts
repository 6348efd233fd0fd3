import fs from 'node:fs';
import path from 'node:path';
import { historyFromJSON } from '@temporalio/common/lib/proto-utils';
import { Worker } from '@temporalio/worker';
import { bundleWorkflows } from '../helpers/temporal';

/**
 * Saved histories of every stage (recorded by `npm run record:histories`) must replay against the
 * current workflow code: a change that would break cancellations already running fails here.
 */
const dir = path.join(__dirname, 'histories');
const files = fs.readdirSync(dir).filter((f) => f.endsWith('.json'));

const scenarios = [
  'completed-checklist-done',
  'completed-checklist-open-reminders',
  'refused',
  'rescheduled',
  'withdrawn',
];
const EXACT_CHARGES = 'exact-charges-and-dates';
const REVISION_3 = 'revision-3';

it('has a saved history for each way a cancellation ends, from before and after each versioned change, and of each outbox workflow', () => {
  expect(files.sort()).toEqual(
    [
      ...scenarios.map((s) => `${s}.json`),
      'completed-checklist-done-patched.json',
      ...[...scenarios, 'completed-contract-past-end'].map((s) => `${s}-${EXACT_CHARGES}.json`),
      ...[...scenarios, 'completed-contract-past-end', 'withdrawn-by-operator'].map((s) => `${s}-${REVISION_3}.json`),
      // Issue 14: an event's e-mail and two webhooks (one retried), and a manual redelivery.
      'outbox-event.json',
      'outbox-redelivery.json',
      // The relay's hand-over: the channels whose first attempt failed, each retried after its delay.
      'outbox-retry.json',
    ].sort(),
  );
});

/** The ids of the `patched()` markers a saved history recorded. */
function patchesOf(file: string): string[] {
  const json = JSON.parse(fs.readFileSync(path.join(dir, file), 'utf8')) as {
    events: {
      markerRecordedEventAttributes?: { markerName: string; details: Record<string, { payloads: { data: string }[] }> };
    }[];
  };
  return json.events
    .map((e) => e.markerRecordedEventAttributes)
    .filter((m) => m?.markerName === 'core_patch')
    .map(
      (m) =>
        (JSON.parse(Buffer.from(m!.details['patch-data'].payloads[0].data, 'base64').toString()) as { id: string }).id,
    );
}

it('replays both sides of each patch: older histories without its marker, newer ones with it', () => {
  for (const file of files) {
    const patches = patchesOf(file);
    // Revision 3 starts with its own marker; revision 2 took the exact charges rule at acceptance.
    expect([file, patches.includes(REVISION_3)]).toEqual([file, file.includes(REVISION_3)]);
    if (!file.startsWith('refused') && !file.includes(REVISION_3))
      expect([file, patches.includes(EXACT_CHARGES)]).toEqual([file, file.includes(EXACT_CHARGES)]);
  }
});

it('replays every saved history deterministically with the current workflow code', async () => {
  const workflowBundle = await bundleWorkflows();
  const histories = files.map((f) => ({
    workflowId: path.basename(f, '.json'),
    history: historyFromJSON(JSON.parse(fs.readFileSync(path.join(dir, f), 'utf8'))),
  }));
  const failures: string[] = [];
  for await (const result of Worker.runReplayHistories({ workflowBundle }, histories)) {
    if (result.error) failures.push(`${result.workflowId}: ${result.error.message}`);
  }
  expect(failures).toEqual([]);
}, 120_000);
