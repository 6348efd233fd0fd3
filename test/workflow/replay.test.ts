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

it('has a saved history for each way a cancellation ends', () => {
  expect(files.sort()).toEqual([
    'completed-checklist-done-patched.json',
    'completed-checklist-done.json',
    'completed-checklist-open-reminders.json',
    'refused.json',
    'rescheduled.json',
    'withdrawn.json',
  ]);
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
