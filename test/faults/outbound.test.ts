/**
 * Issue 14 under faults, on real processes (the Temporal dev server, worker processes, the API), a real HTTP
 * receiver and a real SMTP server:
 * - the worker SIGKILLed while a webhook request is in flight (the relay's first attempt, worker/outbox-relay.ts):
 *   a new worker's sweep gives the event its workflow, which delivers it (the same webhook-id, a valid signature);
 * - the worker stopped and started again: no e-mail is sent twice, every notification is `sent` once.
 */
import { Webhook } from 'standardwebhooks';
import { startMailSink, type MailSink } from '../../scripts/lib/mail-sink';
import { eventually } from '../helpers/eventually';
import { START_TIMEOUT_MS, type ServiceProcess } from '../helpers/stack';
import { startWebhookReceiver, type WebhookReceiver } from '../helpers/webhook-receiver';
import { requestCancellation, seedCustomers, startFaultStack, type Customer, type FaultStack } from './harness';

let stack: FaultStack;
let api: ServiceProcess;
let worker: ServiceProcess;
let sink: MailSink;
let receiver: WebhookReceiver;
/** The worker's outbound settings: this test's SMTP server, receivers on this machine. */
const outboundEnv = () => ({ SMTP_URL: sink.url, WEBHOOK_ALLOW_PRIVATE: 'true' });

beforeAll(async () => {
  sink = await startMailSink();
  receiver = await startWebhookReceiver();
  stack = await startFaultStack('faults-outbound');
  [worker, api] = await Promise.all([
    stack.startWorker(outboundEnv()),
    stack.startApi({ WEBHOOK_ALLOW_PRIVATE: 'true' }),
  ]);
}, START_TIMEOUT_MS + 30_000);

afterAll(async () => {
  await stack?.stop();
  await sink?.close();
  await receiver?.close();
}, 60_000);

async function endpointFor(customer: Customer): Promise<{ path: string; secret: string }> {
  const path = `/hooks/${customer.accountId}`;
  const res = await fetch(`${api.url}/v1/webhook-endpoints`, {
    method: 'POST',
    headers: { authorization: `Bearer ${customer.token}`, 'content-type': 'application/json' },
    body: JSON.stringify({ url: `${receiver.url}${path}`, events: ['cancellation.scheduled'] }),
  });
  expect(res.status).toBe(201);
  return { path, secret: ((await res.json()) as { secret: string }).secret };
}

it('delivers a webhook whose request was in flight when the worker was killed, with the same webhook-id', async () => {
  const [customer] = await seedCustomers(stack, 'hook', 1, new Date(Date.now() + 20 * 86_400_000));
  const { path, secret } = await endpointFor(customer);
  receiver.answers.set(path, ['hold', 200]);
  expect((await requestCancellation(api, customer)).status).toBe(201);
  await eventually(
    async () => receiver.at(path).length,
    (n) => n === 1,
    30_000,
  );
  worker.process.child.kill('SIGKILL');
  await worker.process.exited;
  const killedAt = Date.now();
  worker = await stack.startWorker(outboundEnv());
  // The event was never marked dispatched: 30 s after its commit the new worker's sweep starts its workflow.
  await eventually(
    async () => receiver.at(path).length,
    (n) => n === 2,
    90_000,
  );
  const [lost, delivered] = receiver.at(path);
  expect(delivered.headers['webhook-id']).toBe(lost.headers['webhook-id']);
  expect(() => new Webhook(secret).verify(delivered.body, delivered.headers)).not.toThrow();
  const delivery = await eventually(
    () => stack.testDb.db.webhookDelivery.findFirstOrThrow({ where: { endpoint: { accountId: customer.accountId } } }),
    (d) => d.status === 'succeeded',
  );
  expect(delivery.lastResponseStatus).toBe(200);
  process.stdout.write(`redelivered ${Math.round((Date.now() - killedAt) / 1000)} s after the kill\n`);
}, 150_000);

it('sends each e-mail once across a worker restart, each notification marked sent once', async () => {
  const customers = await seedCustomers(stack, 'mail', 5, new Date(Date.now() + 20 * 86_400_000));
  const answers = await Promise.all(customers.map((c) => requestCancellation(api, c)));
  expect(answers.map((a) => a.status)).toEqual(customers.map(() => 201));
  const accountIds = customers.map((c) => c.accountId);
  const notifications = () => stack.testDb.db.notification.findMany({ where: { accountId: { in: accountIds } } });
  await eventually(notifications, (rows) => rows.length === 5 && rows.every((n) => n.status === 'sent'), 30_000);

  // A graceful restart, then long enough for the new worker's first outbox sweep (every 30 s).
  await worker.stop(40_000);
  worker = await stack.startWorker(outboundEnv());
  await new Promise((resolve) => setTimeout(resolve, 35_000));

  for (const n of await notifications()) {
    expect(n).toMatchObject({ status: 'sent', attempts: 1, lastError: null });
    expect(sink.mails.filter((m) => m.raw.includes(`Message-ID: <${n.id}@`))).toHaveLength(1);
  }
  const dispatched = await stack.testDb.db.outboxEvent.count({
    where: { accountId: { in: accountIds }, dispatchedAt: null },
  });
  expect(dispatched).toBe(0);
}, 150_000);
