/**
 * API.md "who" for the follow-ups of a cancellation, as a table: every role (and no role) and support, on a
 * Connect plan (P8), a sales-rep purchase (P9) and any other plan (P10), for withdraw, data-backup and
 * unassign-all. Allowed calls do what they say; refused ones answer 403 and change nothing. Real dev server,
 * worker and database.
 */
import type { FixtureInput } from '../../db/fixtures';
import { monthlySubscription } from '../helpers/fixtures';
import { eventually, getAs, postAs, startLiveStack, type LiveStack } from './live-stack';

const DAY = 86_400_000;
const users = {
  super: { id: 'usr_perm_super', roles: ['super_admin'] },
  billing: { id: 'usr_perm_billing', roles: ['billing_admin'] },
  product: { id: 'usr_perm_product', roles: ['product_admin'] },
  contact: { id: 'usr_perm_contact', roles: ['authorized_billing_contact'] },
  none: { id: 'usr_perm_none', roles: [] },
} as const;
type Actor = keyof typeof users | 'support';
const token = (actor: Actor) => `test-permissions-${actor}-token`;
const SUPPORT = 'test-permissions-support-agent';

const plans = {
  connect: { rule: 'P8', sub: 'sub_perm_connect', family: 'connect', channel: 'online', canceller: 'super' },
  sales_rep: { rule: 'P9', sub: 'sub_perm_sales', family: 'webinar', channel: 'sales_rep', canceller: 'product' },
  other: { rule: 'P10', sub: 'sub_perm_other', family: 'meeting', channel: 'online', canceller: 'billing' },
} as const;
type Plan = keyof typeof plans;
type Action = 'withdraw' | 'data-backup' | 'unassign-all';

/** Who may, written out from API.md (not computed by the code under test). */
const allowed: Record<Plan, Record<Action, Actor[]>> = {
  connect: {
    withdraw: ['super', 'support'],
    'data-backup': ['super'],
    'unassign-all': ['super', 'product'],
  },
  sales_rep: {
    withdraw: ['product', 'contact', 'support'],
    'data-backup': ['product', 'contact'],
    'unassign-all': ['product', 'contact'],
  },
  other: {
    withdraw: ['super', 'billing', 'support'],
    'data-backup': ['super', 'billing'],
    'unassign-all': ['super', 'billing', 'product'],
  },
};

const actors: Actor[] = ['super', 'billing', 'product', 'contact', 'none', 'support'];
const actions: Action[] = ['withdraw', 'data-backup', 'unassign-all'];
// Refusals first, so each allowed withdrawal is the last thing that happens to its cancellation.
const rows = (Object.keys(plans) as Plan[]).flatMap((plan) =>
  actions
    .flatMap((action) =>
      actors.map((actor) => ({
        plan,
        rule: plans[plan].rule,
        action,
        actor,
        ok: allowed[plan][action].includes(actor),
      })),
    )
    .sort((a, b) => Number(a.ok) - Number(b.ok)),
);

function fixture(now: Date): FixtureInput {
  const start = new Date(now.getTime() - 5 * DAY);
  return {
    accounts: [
      {
        id: 'acc_perm',
        name: 'Permissions',
        paymentMethod: {
          last4: '9999',
          billingAddress: { line1: '2 rue Rôle', city: 'Lille', postalCode: '59000', country: 'FR' },
        },
        users: (Object.keys(users) as (keyof typeof users)[]).map((k) => ({
          id: users[k].id,
          email: `${k}@perm.test`,
          roles: [...users[k].roles],
          token: token(k),
        })),
        subscriptions: (Object.keys(plans) as Plan[]).map((plan) => ({
          ...monthlySubscription(
            plans[plan].sub,
            plans[plan].family,
            { start, end: new Date(start.getTime() + 30 * DAY) },
            [users.super.id, users.none.id],
          ),
          purchaseChannel: plans[plan].channel,
        })),
      },
    ],
    supportAgents: [{ id: 'agt_perm', email: 'agent@support.test', token: SUPPORT }],
  };
}

let stack: LiveStack;
beforeAll(async () => {
  stack = await startLiveStack('permissions', fixture(new Date()));
}, 180_000);
afterAll(() => stack?.close(), 60_000);

const tokenOf = (actor: Actor) => (actor === 'support' ? SUPPORT : token(actor));

/** The subscription's open cancellation, requested anew by the plan's canceller when the last one closed. */
async function openCancellation(plan: Plan): Promise<string> {
  const { sub, canceller } = plans[plan];
  const open = await stack.tdb.db.cancellation.findFirst({
    where: { subscriptionId: sub, stage: { in: ['awaiting_prerequisites', 'scheduled'] } },
  });
  if (open) return open.id;
  const res = await postAs(stack.api, token(canceller), '/v1/cancellations', { subscriptionId: sub });
  expect(res.status).toBe(201);
  return res.body.id as string;
}

async function state(plan: Plan, cancellationId: string) {
  const row = await stack.tdb.db.cancellation.findUniqueOrThrow({ where: { id: cancellationId } });
  const sub = await stack.tdb.db.subscription.findUniqueOrThrow({ where: { id: plans[plan].sub } });
  const assigned = await stack.tdb.db.license.count({
    where: { subscriptionId: plans[plan].sub, assignedToUserId: { not: null } },
  });
  return {
    stage: row.stage,
    dataBackupLocation: row.dataBackupLocation,
    autoRenew: sub.autoRenew,
    assigned,
    events: await stack.tdb.db.cancellationEvent.count({ where: { cancellationId } }),
  };
}

function call(action: Action, actor: Actor, plan: Plan, cancellationId: string) {
  const t = tokenOf(actor);
  if (action === 'withdraw') return postAs(stack.api, t, `/v1/cancellations/${cancellationId}/withdraw`);
  if (action === 'data-backup')
    return postAs(stack.api, t, `/v1/cancellations/${cancellationId}/data-backup`, { location: `s3://${actor}` });
  return postAs(stack.api, t, `/v1/subscriptions/${plans[plan].sub}/licenses/unassign-all`);
}

it('covers every plan, actor and follow-up once', () => {
  expect(rows).toHaveLength(3 * 6 * 3);
});

it.each(rows)('$plan plan ($rule), $action by $actor: allowed $ok', async ({ plan, action, actor, ok }) => {
  const cancellationId = await openCancellation(plan);
  // Licences assigned again before each row, so an unassign (or its refusal) shows.
  await stack.tdb.db.license.updateMany({
    where: { subscriptionId: plans[plan].sub },
    data: { assignedToUserId: users.super.id },
  });
  const before = await state(plan, cancellationId);
  const res = await call(action, actor, plan, cancellationId);

  if (!ok) {
    expect(res.status).toBe(403);
    expect(res.body.error.type).toBe('permission_error');
    expect(res.body.error.code).toBe(actor === 'support' ? 'permission_denied' : 'role_not_permitted');
    expect(await state(plan, cancellationId)).toEqual(before);
    return;
  }
  expect(res.status).toBe(200);
  if (action === 'withdraw') {
    expect(res.body.stage).toBe('withdrawn');
    expect((await state(plan, cancellationId)).autoRenew).toBe(true);
  } else if (action === 'data-backup') {
    expect(res.body.checklist).toMatchObject({ dataBackedUp: true, dataBackupLocation: `s3://${actor}` });
  } else {
    expect(res.body).toEqual({ unassigned: 2 });
    const read = await eventually(
      () => getAs(stack.api, tokenOf(plans[plan].canceller), `/v1/cancellations/${cancellationId}`),
      (r) => r.body.checklist?.licensesUnassigned === true,
    );
    expect(read.body.checklist.licensesUnassigned).toBe(true);
  }
});

it('answers 404, not 403, for a well-formed unknown cancellation, whoever asks (check order 404 before 403)', async () => {
  for (const actor of ['none', 'support'] as const) {
    const res = await postAs(stack.api, tokenOf(actor), '/v1/cancellations/can_unknown/data-backup', {
      location: 's3://x',
    });
    expect(res.status).toBe(404);
  }
});
