/**
 * Issue 14, API.md v1.2: the outbox delivers. Real parts throughout: the time-skipping test server runs the
 * cancellation and outbox workflows on real workers, the API answers on a real HTTP port, webhooks go to a
 * real HTTP receiver (verified with the `standardwebhooks` package, as a receiver would) and e-mails to a
 * real SMTP server (scripts/lib/mail-sink.ts), parsed with mailparser.
 */
import { ApplicationFailure } from '@temporalio/common';
import { Client, WorkflowNotFoundError } from '@temporalio/client';
import { MockActivityEnvironment } from '@temporalio/testing';
import type { Worker } from '@temporalio/worker';
import { simpleParser } from 'mailparser';
import { Webhook } from 'standardwebhooks';
import { createActivities } from '../../activities';
import { webhookSecretKey } from '../../config';
import { createLogger } from '../../config/logger';
import { outboundTaskQueueOf, outboxWorkflowId, type EventType } from '../../domain/events';
import { ErrorCode } from '../../domain/errors';
import { addMonthsUtc } from '../../domain/dates';
import { createSecretBox } from '../../outbound/webhooks/secret-box';
import { startMailSink, type MailSink } from '../../scripts/lib/mail-sink';
import { createWorker } from '../../worker/create-worker';
import { createEventDispatcher, outboundDeps, startOutboxSweep } from '../../worker/outbound';
import { createOutboxRelay } from '../../worker/outbox-relay';
import { createOutboxPlanner } from '../../activities/outbound';
import { createStore } from '../../activities/store';
import { createWebhookSender } from '../../activities/webhooks';
import { changeContractEndUpdate, withdrawUpdate } from '../../workflows/messages';
import { listen, type RunningApi } from '../api/harness';
import { eventually } from '../helpers/eventually';
import { startWebhookReceiver, type ReceivedRequest, type WebhookReceiver } from '../helpers/webhook-receiver';
import { DAY, WorkflowHarness } from './harness';

jest.setTimeout(120_000);

const h = new WorkflowHarness();
const logger = createLogger({ level: 'silent', name: 'test' });
const secretBox = createSecretBox(webhookSecretKey({}));
let sink: MailSink;
let api: RunningApi;
/**
 * Waits for results without unlocking the test server's time skipping: a wait on the env's own client lets the
 * server jump to the next timer, however far (a waiting cancellation's reminder), which would send events that
 * the test did not ask for. Tests skip time on purpose with `h.env.sleep`.
 */
let results: Client;
let outbound: Worker;
let outboundRun: Promise<void>;

let receiver: WebhookReceiver;

/** The outbound channels of this test: its SMTP server, receivers on this machine. */
const channels = () =>
  outboundDeps({
    smtpUrl: sink.url,
    mailFrom: 'Cancellations <no-reply@cancellations.test>',
    secretKey: webhookSecretKey({}),
    allowPrivate: true,
  });

beforeAll(async () => {
  [sink, receiver] = await Promise.all([startMailSink(), startWebhookReceiver()]);
  // As in the worker process (worker/main.ts): each commit's events go to the relay, which hands to their
  // workflows the channels whose first attempt failed.
  await h.setUp('outbound', (env) => ({
    dispatchEvents: createOutboxRelay({
      db: h.db,
      outbound: channels(),
      handOver: createEventDispatcher({
        connection: env.nativeConnection,
        namespace: 'default',
        taskQueue: h.taskQueue,
      }).handOver,
      logger,
    }).offer,
  }));
  results = new Client({ connection: h.env.connection, namespace: 'default' });
  outbound = await createWorker({
    connection: h.env.nativeConnection,
    namespace: 'default',
    taskQueue: outboundTaskQueueOf(h.taskQueue),
    db: h.db,
    logger,
    workflowBundle: h.bundle,
    outbound: channels(),
  });
  outboundRun = outbound.run();
  api = await listen({
    db: h.db,
    workflows: h.gateway(),
    logger,
    webhooks: { secretBox, allowPrivate: true },
  });
});

afterAll(async () => {
  await api?.close();
  outbound?.shutdown();
  await outboundRun;
  await h.tearDown();
  await sink?.close();
  await receiver?.close();
});

const post = async (path: string, token: string, body: unknown = {}) => {
  const res = await fetch(`${api.url}${path}`, {
    method: 'POST',
    headers: { authorization: `Bearer ${token}`, 'content-type': 'application/json' },
    body: JSON.stringify(body),
  });
  return { status: res.status, body: (await res.json()) as Record<string, unknown> };
};
const get = async (path: string, token: string) => {
  const res = await fetch(`${api.url}${path}`, { headers: { authorization: `Bearer ${token}` } });
  return { status: res.status, body: (await res.json()) as { data: Record<string, unknown>[] } };
};

/** The seven event types, written out from API.md v1.2 (not read from domain/events.ts, the code under test). */
const AllTypes: EventType[] = [
  'cancellation.scheduled',
  'cancellation.refused',
  'cancellation.reminder',
  'cancellation.withdrawn',
  'cancellation.rescheduled',
  'cancellation.completed',
  'cancellation.failed',
];

/** An account whose billing admin has created an endpoint (through the API) for its own path on the receiver. */
async function accountWithEndpoint(spec: Parameters<WorkflowHarness['seed']>[0] = {}) {
  const token = `tok_${Math.random().toString(36).slice(2)}_${Date.now()}`;
  const seed = await h.seed({ ...spec, token });
  const path = `/hooks/${seed.accountId}`;
  const created = await post('/v1/webhook-endpoints', token, { url: `${receiver.url}${path}`, events: AllTypes });
  expect(created.status).toBe(201);
  return { seed, token, path, endpointId: created.body.id as string, secret: created.body.secret as string };
}

/**
 * Waits until every event of the account is dispatched (the relay made its first attempts, or a workflow took it
 * up), then for the workflow of each that has one (the test server skips time meanwhile).
 */
async function deliveredAll(accountId: string) {
  const events = await eventually(
    () => h.db.outboxEvent.findMany({ where: { accountId }, orderBy: { createdAt: 'asc' } }),
    (rows) => rows.every((e) => e.dispatchedAt !== null),
  );
  for (const e of events)
    await results.workflow
      .getHandle(outboxWorkflowId(e.id))
      .result()
      .catch((err: unknown) => {
        if (!(err instanceof WorkflowNotFoundError)) throw err;
      });
  return events;
}

/** Until the event's workflow (the relay handed it a failed channel) waits on its timer before the retry. */
const waitingOnTimer = (eventId: string) =>
  eventually(
    async () =>
      (
        await results.workflow
          .getHandle(outboxWorkflowId(eventId))
          .fetchHistory()
          .catch(() => null)
      )?.events,
    (events) => !!events?.some((e) => e.timerStartedEventAttributes),
  );

/** Until the event's workflow waits for an activity's next attempt (its pending activity has failed once). */
const waitingOnActivityRetry = (eventId: string) =>
  eventually(
    async () => (await results.workflow.getHandle(outboxWorkflowId(eventId)).describe()).raw.pendingActivities ?? [],
    (pending) => pending.some((a) => (a.attempt ?? 0) >= 2),
  );

/** Whether the event has a workflow: the relay handed it over, or the sweep started it. */
const hasWorkflow = (eventId: string) =>
  results.workflow
    .getHandle(outboxWorkflowId(eventId))
    .describe()
    .then(
      () => true,
      (err: unknown) => {
        if (err instanceof WorkflowNotFoundError) return false;
        throw err;
      },
    );

/**
 * A delivery that no workflow runs: the account's events are delivered (to no endpoint) first, then an
 * endpoint at `url` and its delivery of the scheduled event are written, for a test to drive attempt by attempt.
 */
async function parkedDelivery(url: (path: string) => string) {
  const token = `tok_${Math.random().toString(36).slice(2)}_${Date.now()}`;
  const seed = await h.seed({ token });
  await h.accept(h.request(seed));
  const [event] = await deliveredAll(seed.accountId);
  const path = `/hooks/${seed.accountId}`;
  const endpoint = await h.db.webhookEndpoint.create({
    data: {
      id: `we_parked_${seed.accountId}`,
      accountId: seed.accountId,
      url: url(path),
      events: JSON.stringify(AllTypes),
      secretSealed: secretBox.seal('whsec_MfKQ9r8GKYqrTwjUPD8ILPZIo2LaLaSw'),
      createdByUserId: seed.userId,
    },
  });
  const delivery = await h.db.webhookDelivery.create({
    data: { id: `whd_parked_${seed.accountId}`, endpointId: endpoint.id, eventId: event.id, eventType: event.type },
  });
  return { token, path, endpoint, delivery };
}

const at = (path: string) => receiver.at(path);
const typeOf = (r: ReceivedRequest) => (JSON.parse(r.body) as { type: string }).type;

describe('webhooks (API.md v1.2, Standard Webhooks)', () => {
  it('delivers each of the seven event types once (P1, P3, P4, P6, P7, P11, P14), each signed so that standardwebhooks verifies it', async () => {
    // scheduled, then withdrawn
    const a = await accountWithEndpoint();
    const view = await h.accept(h.request(a.seed));
    await h.handle(view).executeUpdate(withdrawUpdate, { args: [{ actor: `user:${a.seed.userId}` }] });
    // refused (P4: an open invoice)
    const b = await accountWithEndpoint({ openInvoiceCents: 1200 });
    expect((await h.submit(h.request(b.seed))).accepted).toBe(false);
    // reminder (1 day before, P6/P7 checklist open), then completed at the effective date (P2)
    const now = await h.now();
    const c = await accountWithEndpoint({
      subscription: {
        currentPeriodStart: new Date(now.getTime() - 27 * DAY).toISOString(),
        currentPeriodEnd: new Date(now.getTime() + 3 * DAY).toISOString(),
      },
    });
    const due = await h.accept(h.request(c.seed));
    await h.handle(due).result();
    // failed (a deactivation that can never succeed)
    const e = await accountWithEndpoint({
      subscription: {
        currentPeriodStart: new Date(now.getTime() - 30 * DAY).toISOString(),
        currentPeriodEnd: new Date(now.getTime() + 2_000).toISOString(),
      },
    });
    const failing = `${h.taskQueue}-failing`;
    const worker = await h.createWorker(failing, {
      deactivate: () => {
        throw ApplicationFailure.create({ type: ErrorCode.dataError, message: 'a broken row', nonRetryable: true });
      },
    });
    await worker.runUntil(async () => {
      const doomed = await h.accept(h.request(e.seed), failing);
      await h.handle(doomed).result();
    });

    // rescheduled (P14: support moves the contract's end). From the server's clock as it is now: the waits above
    // let the test server skip time, as far as it likes once nothing is left for it to wait on.
    const start = addMonthsUtc(await h.now(), -3);
    const d = await accountWithEndpoint({
      subscription: {
        billing: 'fixed_term',
        contractStart: start.toISOString(),
        contractEnd: addMonthsUtc(start, 12).toISOString(),
        currentPeriodStart: addMonthsUtc(start, 3).toISOString(),
        currentPeriodEnd: addMonthsUtc(start, 4).toISOString(),
      },
    });
    const contract = await h.accept(h.request(d.seed));
    await h.handle(contract).executeUpdate(changeContractEndUpdate, {
      args: [{ contractEnd: addMonthsUtc(start, 5).toISOString(), actor: 'support:agt_1' }],
    });
    const expected: [typeof a, string[]][] = [
      [a, ['cancellation.scheduled', 'cancellation.withdrawn']],
      [b, ['cancellation.refused']],
      [c, ['cancellation.scheduled', 'cancellation.reminder', 'cancellation.completed']],
      [d, ['cancellation.scheduled', 'cancellation.rescheduled']],
      [e, ['cancellation.scheduled', 'cancellation.failed']],
    ];
    const seen = new Set<string>();
    for (const [account, types] of expected) {
      await deliveredAll(account.seed.accountId);
      const requests = at(account.path);
      // Each event once; in no promised order (at least once, each event its own workflow).
      expect(requests.map(typeOf).sort()).toEqual([...types].sort());
      for (const r of requests) {
        const body = new Webhook(account.secret).verify(r.body, r.headers) as { id: string; data: { object: object } };
        expect(body.id).toBe(r.headers['webhook-id']);
        seen.add(typeOf(r));
      }
    }
    expect([...seen].sort()).toEqual([...AllTypes].sort());
    // The object is the Cancellation as the change left it; a refusal's is its own shape.
    const [withdrawn] = at(a.path).filter((r) => typeOf(r) === 'cancellation.withdrawn');
    expect(JSON.parse(withdrawn.body)).toMatchObject({ data: { object: { id: view.id, stage: 'withdrawn' } } });
    const [refused] = at(b.path);
    expect(JSON.parse(refused.body)).toMatchObject({
      type: 'cancellation.refused',
      data: {
        object: {
          subscriptionId: b.seed.subscriptionId,
          accountId: b.seed.accountId,
          channel: 'online',
          refusals: [{ code: 'outstanding_balance' }],
        },
      },
    });
    const deliveries = await get(`/v1/webhook-endpoints/${c.endpointId}/deliveries`, c.token);
    expect(deliveries.body.data).toHaveLength(3);
    expect(deliveries.body.data.every((x) => x.status === 'succeeded' && x.attempts === 1)).toBe(true);
  });

  it('retries a receiver that fails twice: three attempts, the same webhook-id each time, then succeeded', async () => {
    const a = await accountWithEndpoint();
    receiver.answers.set(a.path, [500, 503, 200]);
    await h.accept(h.request(a.seed));
    // The retries come 5 s, then 5 min, after each failure: the test server's clock is moved on by as much.
    const attemptsMade = (n: number) =>
      eventually(
        async () => at(a.path).length,
        (count) => count === n,
      );
    await attemptsMade(1);
    // The relay handed the delivery over: its workflow waits on a timer for the 5 s (the test server's time).
    const [event] = await h.db.outboxEvent.findMany({ where: { accountId: a.seed.accountId } });
    await waitingOnTimer(event.id);
    await h.env.sleep('6s');
    await attemptsMade(2);
    await h.env.sleep('6m');
    await deliveredAll(a.seed.accountId);
    const attempts = at(a.path);
    expect(attempts).toHaveLength(3);
    // The relay made the first attempt, then handed the delivery, and only it, to the event's workflow.
    const history = await results.workflow.getHandle(outboxWorkflowId(event.id)).fetchHistory();
    const scheduled = (history.events ?? []).map((e) => e.activityTaskScheduledEventAttributes?.activityType?.name);
    expect(scheduled.filter(Boolean)).toEqual(['deliverWebhook']);
    const notification = await h.db.notification.findFirstOrThrow({ where: { accountId: a.seed.accountId } });
    expect(notification).toMatchObject({ status: 'sent', attempts: 1 });
    expect(new Set(attempts.map((r) => r.headers['webhook-id'])).size).toBe(1);
    for (const r of attempts) expect(() => new Webhook(a.secret).verify(r.body, r.headers)).not.toThrow();
    const [delivery] = (await get(`/v1/webhook-endpoints/${a.endpointId}/deliveries`, a.token)).body.data;
    expect(delivery).toMatchObject({ status: 'succeeded', attempts: 3, lastResponseStatus: 200, lastError: null });
  });

  it('costs no workflow when every first attempt succeeds: the relay delivers in the worker, then marks the event dispatched', async () => {
    const a = await accountWithEndpoint();
    await h.accept(h.request(a.seed));
    const [event] = await deliveredAll(a.seed.accountId);
    expect(await hasWorkflow(event.id)).toBe(false);
    expect(at(a.path).map(typeOf)).toEqual(['cancellation.scheduled']);
    const [delivery] = (await get(`/v1/webhook-endpoints/${a.endpointId}/deliveries`, a.token)).body.data;
    expect(delivery).toMatchObject({ status: 'succeeded', attempts: 1, lastResponseStatus: 200 });
    const notification = await h.db.notification.findFirstOrThrow({ where: { accountId: a.seed.accountId } });
    expect(notification).toMatchObject({ status: 'sent', attempts: 1 });
    expect(sink.mails.filter((m) => m.raw.includes(`<${notification.id}@`))).toHaveLength(1);
  });

  /** An accepted cancellation whose `scheduled` event no relay took (a full queue): undispatched, for the sweep. */
  async function undispatchedEvent() {
    const token = `tok_${Math.random().toString(36).slice(2)}_${Date.now()}`;
    const seed = await h.seed({ token });
    const path = `/hooks/${seed.accountId}`;
    const endpoint = await post('/v1/webhook-endpoints', token, { url: `${receiver.url}${path}`, events: AllTypes });
    expect(endpoint.status).toBe(201);
    const full = createOutboxRelay({
      db: h.db,
      outbound: channels(),
      handOver: () => Promise.reject(new Error('not expected')),
      logger,
      queueLimit: 0,
    });
    const taskQueue = `${h.taskQueue}-full`;
    const worker = await createWorker({
      connection: h.env.nativeConnection,
      namespace: 'default',
      taskQueue,
      db: h.db,
      logger,
      workflowBundle: h.bundle,
      dispatchEvents: full.offer,
    });
    await worker.runUntil(h.accept(h.request(seed), taskQueue));
    const [event] = await h.db.outboxEvent.findMany({ where: { accountId: seed.accountId } });
    expect(event.dispatchedAt).toBeNull();
    return { seed, path, event };
  }

  /** One pass of the worker's sweep over every undispatched event (the events' times are the test server's, ahead). */
  async function sweepOnce(): Promise<number> {
    const sweep = startOutboxSweep({ db: h.db, dispatch: dispatcher().dispatch, logger, graceMs: -100 * 365 * DAY });
    try {
      return await sweep.sweep();
    } finally {
      sweep.stop();
    }
  }
  const dispatcher = () =>
    createEventDispatcher({ connection: h.env.nativeConnection, namespace: 'default', taskQueue: h.taskQueue });

  it("leaves to the sweep what the relay cannot take (its queue full, or the worker gone): the event's whole workflow delivers it", async () => {
    const { seed, path, event } = await undispatchedEvent();
    expect(at(path)).toHaveLength(0);
    expect(await sweepOnce()).toBeGreaterThanOrEqual(1);
    await deliveredAll(seed.accountId);
    expect(await hasWorkflow(event.id)).toBe(true);
    expect(at(path).map(typeOf)).toEqual(['cancellation.scheduled']);
    const notification = await h.db.notification.findFirstOrThrow({ where: { accountId: seed.accountId } });
    expect(notification).toMatchObject({ status: 'sent', attempts: 1 });
  });

  it("counts the attempt a lost relay made: the sweep's workflow goes on with the second, then waits 5 min (API.md)", async () => {
    const { seed, path, event } = await undispatchedEvent();
    // What a relay did before its worker died: the deliveries created, a first attempt made and recorded.
    const store = createStore({ db: h.db });
    const plan = await createOutboxPlanner(store, channels())(event.id, { markDispatched: false });
    receiver.answers.set(path, [500, 503, 200]);
    const [deliveryId] = plan.deliveryIds;
    expect(await createWebhookSender(store, channels())({ deliveryId }, 1)).toMatchObject({ retryInMs: 5_000 });
    await sweepOnce();
    const second = await eventually(
      () => h.db.webhookDelivery.findUniqueOrThrow({ where: { id: deliveryId } }),
      (d) => d.attempts === 2,
    );
    expect(second).toMatchObject({ status: 'pending', lastResponseStatus: 503 });
    await waitingOnActivityRetry(event.id);
    await h.env.sleep('6m');
    await deliveredAll(seed.accountId);
    expect(await h.db.webhookDelivery.findUniqueOrThrow({ where: { id: deliveryId } })).toMatchObject({
      status: 'succeeded',
      attempts: 3,
    });
    expect(at(path)).toHaveLength(3);
  });

  it('marks dispatched an event whose relay handed it over and died before marking it, so that no sweep starts it again', async () => {
    const { event } = await undispatchedEvent();
    await dispatcher().handOver(event.id, { mail: null, webhooks: [] });
    await sweepOnce();
    expect((await h.db.outboxEvent.findUniqueOrThrow({ where: { id: event.id } })).dispatchedAt).not.toBeNull();
  });

  it('disables an endpoint that answers 410, and sends it nothing more', async () => {
    const a = await accountWithEndpoint();
    receiver.answers.set(a.path, [410]);
    const view = await h.accept(h.request(a.seed));
    await deliveredAll(a.seed.accountId);
    const list = await get('/v1/webhook-endpoints', a.token);
    expect(list.body.data[0]).toMatchObject({ id: a.endpointId, status: 'disabled' });
    const [delivery] = (await get(`/v1/webhook-endpoints/${a.endpointId}/deliveries`, a.token)).body.data;
    expect(delivery).toMatchObject({ status: 'failed', attempts: 1, lastResponseStatus: 410 });
    await h.handle(view).executeUpdate(withdrawUpdate, { args: [{ actor: `user:${a.seed.userId}` }] });
    await deliveredAll(a.seed.accountId);
    expect(at(a.path)).toHaveLength(1);
  });

  it('signs with both secrets for 24 hours after a rotation, then with the new one only', async () => {
    const a = await accountWithEndpoint();
    const rotated = await post(`/v1/webhook-endpoints/${a.endpointId}/rotate-secret`, a.token);
    expect(rotated.status).toBe(200);
    const newSecret = rotated.body.secret as string;
    expect(newSecret).not.toBe(a.secret);
    const view = await h.accept(h.request(a.seed));
    await deliveredAll(a.seed.accountId);
    const [during] = at(a.path);
    expect(during.headers['webhook-signature'].split(' ')).toHaveLength(2);
    expect(() => new Webhook(a.secret).verify(during.body, during.headers)).not.toThrow();
    expect(() => new Webhook(newSecret).verify(during.body, during.headers)).not.toThrow();
    // The overlap is over: the old secret no longer signs.
    await h.db.webhookEndpoint.update({
      where: { id: a.endpointId },
      data: { previousSecretExpiresAt: new Date(Date.now() - 1000) },
    });
    await h.handle(view).executeUpdate(withdrawUpdate, { args: [{ actor: `user:${a.seed.userId}` }] });
    await deliveredAll(a.seed.accountId);
    const after = at(a.path)[1];
    expect(after.headers['webhook-signature'].split(' ')).toHaveLength(1);
    expect(() => new Webhook(newSecret).verify(after.body, after.headers)).not.toThrow();
    expect(() => new Webhook(a.secret).verify(after.body, after.headers)).toThrow();
  });

  it('redelivers on POST /v1/webhook-deliveries/{id}/retry, with the same webhook-id', async () => {
    const a = await accountWithEndpoint();
    await h.accept(h.request(a.seed));
    await deliveredAll(a.seed.accountId);
    const [delivery] = (await get(`/v1/webhook-endpoints/${a.endpointId}/deliveries`, a.token)).body.data;
    const retried = await post(`/v1/webhook-deliveries/${delivery.id as string}/retry`, a.token);
    expect(retried).toMatchObject({ status: 200, body: { id: delivery.id, status: 'pending' } });
    await results.workflow.getHandle(`webhook-redelivery-${delivery.id as string}-1`).result();
    const attempts = at(a.path);
    expect(attempts).toHaveLength(2);
    expect(attempts[1].headers['webhook-id']).toBe(attempts[0].headers['webhook-id']);
    const [after] = (await get(`/v1/webhook-endpoints/${a.endpointId}/deliveries`, a.token)).body.data;
    expect(after).toMatchObject({ status: 'succeeded', attempts: 2 });
  });

  it('retries a failing receiver 5 s, 5 min, 30 min, 2 h, 5 h, 10 h and 10 h after each attempt, then fails (API.md)', async () => {
    const { token, path, endpoint, delivery } = await parkedDelivery((p) => `${receiver.url}${p}`);
    receiver.answers.set(path, [503]);
    const activities = createActivities({
      db: h.db,
      outbound: outboundDeps({ mailFrom: 'x@y.test', secretKey: webhookSecretKey({}), allowPrivate: true }),
    });
    // Written out from API.md, not read from the code under test.
    const minutes = 60_000;
    const expected = [5_000, 5 * minutes, 30 * minutes, 120 * minutes, 300 * minutes, 600 * minutes, 600 * minutes];
    for (const [i, delay] of expected.entries()) {
      const started = Date.now();
      const failure = await new MockActivityEnvironment({ attempt: i + 1 })
        .run(activities.deliverWebhook, { deliveryId: delivery.id })
        .catch((err: unknown) => err);
      expect((failure as ApplicationFailure).nextRetryDelay).toBe(delay);
      const row = await h.db.webhookDelivery.findUniqueOrThrow({ where: { id: delivery.id } });
      expect(row).toMatchObject({ status: 'pending', attempts: i + 1, lastResponseStatus: 503 });
      expect(row.nextAttemptAt!.getTime() - started).toBeGreaterThanOrEqual(delay - 1_000);
      expect(row.nextAttemptAt!.getTime() - started).toBeLessThanOrEqual(delay + 5_000);
    }
    const last = await new MockActivityEnvironment({ attempt: 8 }).run(activities.deliverWebhook, {
      deliveryId: delivery.id,
    });
    expect(last).toBe('failed');
    const [listed] = (await get(`/v1/webhook-endpoints/${endpoint.id}/deliveries`, token)).body.data;
    expect(listed).toMatchObject({ status: 'failed', attempts: 8, lastResponseStatus: 503, nextAttemptAt: null });
  });

  it('refuses, at delivery, a name that resolves to a loopback address (DNS rebinding), and sends nothing', async () => {
    // An endpoint as it might be stored after a DNS change: the check at creation saw a public address.
    const { path, delivery } = await parkedDelivery((p) => `https://localhost:${new URL(receiver.url).port}${p}`);
    const strict = createActivities({
      db: h.db,
      outbound: { ...outboundDeps({ mailFrom: 'x@y.test', secretKey: webhookSecretKey({}), allowPrivate: false }) },
    });
    // The first attempt asks Temporal to retry in 5 s (API.md's schedule); the eighth gives up.
    const first = await new MockActivityEnvironment({ attempt: 1 })
      .run(strict.deliverWebhook, { deliveryId: delivery.id })
      .catch((err: unknown) => err);
    expect(first).toBeInstanceOf(ApplicationFailure);
    expect((first as ApplicationFailure).nextRetryDelay).toBe(5_000);
    const last = await new MockActivityEnvironment({ attempt: 8 }).run(strict.deliverWebhook, {
      deliveryId: delivery.id,
    });
    expect(last).toBe('failed');
    const row = await h.db.webhookDelivery.findUniqueOrThrow({ where: { id: delivery.id } });
    expect(row).toMatchObject({ status: 'failed', lastResponseStatus: null });
    expect(row.lastError).toMatch(/not allowed|private|loopback/);
    expect(at(path)).toHaveLength(0);
  });
});

describe('e-mails (API.md v1.2)', () => {
  it("sends one mail per notification, in the user's language, with a Message-ID from the notification", async () => {
    const fr = await accountWithEndpoint({ locale: 'fr' });
    const view = await h.accept(h.request({ ...fr.seed }, {}));
    await h.handle(view).executeUpdate(withdrawUpdate, { args: [{ actor: `user:${fr.seed.userId}` }] });
    const en = await accountWithEndpoint({ openInvoiceCents: 500 });
    expect((await h.submit(h.request(en.seed))).accepted).toBe(false);
    await deliveredAll(fr.seed.accountId);
    await deliveredAll(en.seed.accountId);

    const notifications = await h.db.notification.findMany({
      where: { accountId: { in: [fr.seed.accountId, en.seed.accountId] } },
    });
    expect(notifications.map((n) => n.template).sort()).toEqual([
      'cancellation_refused',
      'cancellation_scheduled',
      'cancellation_withdrawn',
    ]);
    for (const n of notifications) {
      const mails = await Promise.all(
        sink.mails.filter((m) => m.raw.includes(`<${n.id}@cancellations.test>`)).map((m) => simpleParser(m.raw)),
      );
      expect(mails).toHaveLength(1);
      const [mail] = mails;
      expect(mail.messageId).toBe(`<${n.id}@cancellations.test>`);
      expect(mail.to && !Array.isArray(mail.to) ? mail.to.text : '').toBe(n.recipient);
      expect(n).toMatchObject({ status: 'sent', attempts: 1, lastError: null });
      expect(n.sentAt).not.toBeNull();
      expect(mail.text).toBeTruthy();
      expect(mail.html).toBeTruthy();
      if (n.accountId === fr.seed.accountId) {
        expect(n.locale).toBe('fr');
        expect(`${mail.subject} ${mail.text}`).toMatch(/résiliation/i);
      } else {
        expect(n.locale).toBe('en');
        expect(`${mail.subject} ${mail.text}`).toMatch(/cancel/i);
      }
    }
    const scheduled = notifications.find((n) => n.template === 'cancellation_scheduled')!;
    const page = await get(`/v1/accounts/${fr.seed.accountId}/notifications`, fr.token);
    expect(page.body.data.find((n) => n.id === scheduled.id)).toMatchObject({
      locale: 'fr',
      status: 'sent',
      attempts: 1,
      lastError: null,
    });
  });

  it("hands an e-mail the SMTP server refused at the first attempt to the event's workflow, which sends it 30 s later", async () => {
    const a = await accountWithEndpoint();
    sink.refuseNext = 1;
    await h.accept(h.request(a.seed));
    const refused = await eventually(
      () => h.db.notification.findFirstOrThrow({ where: { accountId: a.seed.accountId } }),
      (n) => n.attempts === 1,
    );
    expect(refused).toMatchObject({ status: 'pending', lastError: expect.stringMatching(/451|busy/) });
    const [event] = await eventually(
      () => h.db.outboxEvent.findMany({ where: { accountId: a.seed.accountId } }),
      (rows) => rows.every((e) => e.dispatchedAt !== null),
    );
    expect(await hasWorkflow(event.id)).toBe(true);
    // The webhook went at the first attempt: the workflow retries the e-mail alone, after 30 s.
    expect(at(a.path)).toHaveLength(1);
    await waitingOnTimer(event.id);
    await h.env.sleep('31s');
    await deliveredAll(a.seed.accountId);
    const sent = await h.db.notification.findUniqueOrThrow({ where: { id: refused.id } });
    expect(sent).toMatchObject({ status: 'sent', attempts: 2, lastError: null });
    expect(sink.mails.filter((m) => m.raw.includes(`<${sent.id}@`))).toHaveLength(1);
    expect(at(a.path)).toHaveLength(1);
  });

  it('never sends a notification twice: a second run of its outbox workflow skips what was sent', async () => {
    const a = await accountWithEndpoint();
    await h.accept(h.request(a.seed));
    const [event] = await deliveredAll(a.seed.accountId);
    const before = sink.mails.length;
    const hooks = at(a.path).length;
    // What the sweep does for an event whose start it believes lost: the workflow again (a new id here).
    await results.workflow.execute('outboxEventWorkflow', {
      workflowId: `${outboxWorkflowId(event.id)}-again`,
      taskQueue: outboundTaskQueueOf(h.taskQueue),
      args: [{ eventId: event.id }],
    });
    expect(sink.mails.length).toBe(before);
    expect(at(a.path)).toHaveLength(hooks);
  });
});
