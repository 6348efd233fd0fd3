/**
 * Operators scrape one Prometheus target per process: the API's /metrics on its own port, and the
 * worker's /metrics on WORKER_HTTP_PORT, which appends the Temporal SDK's own series to ours. The
 * stack runs as `npm start` runs it, and a little traffic goes through it first.
 */
import { randomBytes } from 'node:crypto';
import { ApplicationFailure } from '@temporalio/common';
import { MockActivityEnvironment } from '@temporalio/testing';
import { createActivities } from '../../activities';
import { createLogger } from '../../config/logger';
import { waitUntil } from '../../scripts/lib/processes';
import { createWorkerMetrics } from '../../worker/metrics';
import { temporalLoggerFor } from '../../worker/sdk-logger';
import { seedAccount } from '../helpers/fixtures';
import { parsePrometheusText, samplesOf, valueOf, type Sample } from '../helpers/prometheus';
import {
  requestCancellation,
  START_TIMEOUT_MS,
  startStack,
  type E2eStack,
  type ServiceProcess,
} from '../helpers/stack';
import { CancellationStages } from '../../domain/types';

const TOKEN = `e2e-metrics-${randomBytes(8).toString('hex')}`;

let stack: E2eStack;
let worker: ServiceProcess;
let api: ServiceProcess;
let cancellationId: string;

async function scrape(url: string): Promise<{ contentType: string; samples: Sample[]; text: string }> {
  const res = await fetch(`${url}/metrics`);
  expect(res.status).toBe(200);
  const text = await res.text();
  return { contentType: res.headers.get('content-type') ?? '', samples: parsePrometheusText(text), text };
}

beforeAll(async () => {
  stack = await startStack('metrics');
  const seeded = await seedAccount(stack.testDb.db, { token: TOKEN, assignedLicenses: 1 });
  [worker, api] = await Promise.all([stack.startWorker(), stack.startApi()]);

  // The traffic: one cancellation accepted (201), one unknown id (404), one unknown path, one docs file.
  const auth = { authorization: `Bearer ${TOKEN}` };
  cancellationId = (await requestCancellation(stack, api, TOKEN, seeded.subscriptionId)).id;
  // Each body read to its end: a request is counted once its response has been sent in full.
  const statusOf = async (res: Response) => {
    await res.arrayBuffer();
    return res.status;
  };
  expect(await statusOf(await fetch(`${api.url}/v1/cancellations/can_${'0'.repeat(24)}`, { headers: auth }))).toBe(404);
  expect(await statusOf(await fetch(`${api.url}/nowhere/${cancellationId}`))).toBe(404);
  expect(await statusOf(await fetch(`${api.url}/docs/assets/swagger-ui.css`))).toBe(200);
}, START_TIMEOUT_MS + 90_000);

afterAll(() => stack?.stop(), 60_000);

describe("the API's GET /metrics", () => {
  it('counts requests and their latency by route template and status, never by raw path', async () => {
    const { contentType, samples, text } = await scrape(api.url);
    expect(contentType).toMatch(/^text\/plain; version=0\.0\.4/);
    expect(valueOf(samples, 'http_requests_total', { method: 'POST', route: '/v1/cancellations', status: '201' })).toBe(
      1,
    );
    expect(
      valueOf(samples, 'http_requests_total', { method: 'GET', route: '/v1/cancellations/:id', status: '404' }),
    ).toBe(1);
    expect(valueOf(samples, 'http_requests_total', { method: 'GET', route: 'unmatched', status: '404' })).toBe(1);
    expect(valueOf(samples, 'http_requests_total', { method: 'GET', route: '/docs/assets/*', status: '200' })).toBe(1);
    expect(
      valueOf(samples, 'http_request_duration_seconds_count', {
        method: 'POST',
        route: '/v1/cancellations',
        status: '201',
      }),
    ).toBe(1);
    expect(valueOf(samples, 'http_request_duration_seconds_sum', { route: '/v1/cancellations' })).toBeGreaterThan(0);
    // No id ever becomes a label value.
    expect(text).not.toContain(cancellationId);
    expect(text).not.toContain('can_000');
  });

  it('reports cancellations by stage from the database, every stage present, and Node process metrics', async () => {
    const { samples } = await scrape(api.url);
    expect(valueOf(samples, 'cancellations', { stage: 'awaiting_prerequisites' })).toBeGreaterThanOrEqual(1);
    expect(samplesOf(samples, 'cancellations').map((s) => s.labels.stage)).toEqual(
      expect.arrayContaining([...CancellationStages]),
    );
    expect(valueOf(samples, 'cancellations', { stage: 'withdrawn' })).toBe(0);
    expect(valueOf(samples, 'process_cpu_seconds_total')).toBeGreaterThan(0);
    expect(valueOf(samples, 'nodejs_heap_size_used_bytes')).toBeGreaterThan(0);
  });
});

describe("the worker's GET /metrics", () => {
  it("counts activity attempts by type, local activities included, and appends the SDK's own series", async () => {
    let samples: Sample[] = [];
    // The SDK's series appear once the runtime has recorded them; they need no further traffic.
    await waitUntil(
      'the SDK series on the worker /metrics',
      async () => {
        samples = (await scrape(worker.url)).samples;
        return valueOf(samples, 'cancellation_stage_changes', { stage: 'awaiting_prerequisites' }) !== undefined;
      },
      { timeoutMs: 15_000, process: worker.process },
    );
    // Both run as local activities, before the API's answer.
    for (const activityType of ['loadEligibility', 'scheduleCancellation'])
      expect(valueOf(samples, 'activity_executions_total', { activity_type: activityType, local: 'true' })).toBe(1);
    expect(valueOf(samples, 'activity_failures_total')).toBeUndefined();
    expect(
      valueOf(samples, 'activity_duration_seconds_count', { activity_type: 'scheduleCancellation', local: 'true' }),
    ).toBe(1);
    // The Temporal SDK's own metrics, through the runtime's Prometheus exporter.
    expect(samples.filter((s) => s.name.startsWith('temporal_')).length).toBeGreaterThan(0);
    expect(
      valueOf(samples, 'temporal_local_activity_execution_latency_count', { activity_type: 'scheduleCancellation' }),
    ).toBe(1);
    // The workflow's own counter (workflows/cancellation.ts), by stage, channel and product family.
    expect(
      valueOf(samples, 'cancellation_stage_changes', {
        stage: 'awaiting_prerequisites',
        channel: 'online',
        family: 'webinar',
      }),
    ).toBe(1);
    expect(valueOf(samples, 'process_resident_memory_bytes')).toBeGreaterThan(0);
  });

  it('counts a failed attempt by activity type and error type', async () => {
    const silent = createLogger({ level: 'silent', name: 'test' });
    const metrics = createWorkerMetrics({ logger: silent });
    const env = new MockActivityEnvironment(
      { activityType: 'withdraw', isLocal: false },
      { interceptors: [metrics.activityInterceptor], logger: temporalLoggerFor(silent) },
    );
    const { withdraw } = createActivities({ db: stack.testDb.db });
    const failure = env.run(withdraw, {
      cancellationId: 'can_missing',
      actor: 'user:test',
      at: new Date().toISOString(),
    });
    await expect(failure).rejects.toBeInstanceOf(ApplicationFailure);
    const samples = parsePrometheusText(await metrics.registry.metrics());
    expect(samplesOf(samples, 'activity_failures_total')).toEqual([
      {
        name: 'activity_failures_total',
        labels: { activity_type: 'withdraw', local: 'false', error_type: 'not_found' },
        value: 1,
      },
    ]);
    expect(valueOf(samples, 'activity_executions_total', { activity_type: 'withdraw' })).toBe(1);
  });
});
