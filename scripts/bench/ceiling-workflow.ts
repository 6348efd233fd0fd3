/**
 * The benchmark's denominator (scripts/bench.ts): a workflow that does nothing but answer one update and
 * return. Update-with-Start of it measures what the Temporal server and the SDK cost per request on this
 * machine, with no activity, no database and no HTTP.
 */
import { condition, defineUpdate, setHandler } from '@temporalio/workflow';

export const answerUpdate = defineUpdate<{ accepted: true }, [unknown]>('answer');

export async function ceilingWorkflow(): Promise<void> {
  let answered = false;
  setHandler(answerUpdate, () => {
    answered = true;
    return { accepted: true } as const;
  });
  await condition(() => answered);
}
