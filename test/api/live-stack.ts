import { randomUUID } from 'node:crypto';
import type { TestWorkflowEnvironment } from '@temporalio/testing';
import { Worker } from '@temporalio/worker';
import request from 'supertest';
import { createActivities } from '../../activities';
import type { FixtureInput } from '../../db/fixtures';
import type { TestDatabase } from '../helpers/db';
import { bundleWorkflows, createDevServerEnv } from '../helpers/temporal';
import { bearer, databaseWith, listen, memoryLogger, withKey, type RunningApi } from './harness';

/**
 * The API in front of a real Temporal dev server (the Temporal CLI), a real worker running the real
 * workflow and activities, and a real database (SQLite, or PostgreSQL in CI's second pass): one per test file.
 */
export interface LiveStack {
  env: TestWorkflowEnvironment;
  tdb: TestDatabase;
  api: RunningApi;
  close(): Promise<void>;
}

export async function startLiveStack(label: string, fixture: FixtureInput): Promise<LiveStack> {
  const taskQueue = `${label}-${randomUUID().slice(0, 8)}`;
  const [env, bundle, tdb] = await Promise.all([createDevServerEnv(), bundleWorkflows(), databaseWith(label, fixture)]);
  const worker = await Worker.create({
    connection: env.nativeConnection,
    taskQueue,
    workflowBundle: bundle,
    activities: createActivities({ db: tdb.db }),
  });
  const running = worker.run();
  const api = await listen({ db: tdb.db, workflows: { client: env.client, taskQueue }, logger: memoryLogger().logger });
  return {
    env,
    tdb,
    api,
    async close() {
      await api.close();
      worker.shutdown();
      await running;
      await env.teardown();
      await tdb.drop();
    },
  };
}

/** A POST with a fresh Idempotency-Key, as a careful client sends it. */
export function postAs(api: RunningApi, token: string, path: string, body?: object): request.Test {
  const req = request(api.url).post(path).set(withKey(token, randomUUID()));
  return body ? req.send(body) : req;
}

export const getAs = (api: RunningApi, token: string, path: string): request.Test =>
  request(api.url).get(path).set(bearer(token));

export { eventually } from '../helpers/eventually';
