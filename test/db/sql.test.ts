/**
 * The hand-written statements of the hot paths (db/sql.ts) against Prisma's own: the same rows, the same
 * stored formats, the same errors, on SQLite and (CI's second pass) PostgreSQL.
 */
import fs from 'node:fs';
import path from 'node:path';
import { accountBalanceCents, userLocaleByEmail, userRoles } from '../../db/accounts';
import {
  findCancellationsByIdOrWorkflowId,
  insertCancellation,
  nextGeneration,
  updateCancellation,
} from '../../db/cancellations';
import { CLIENT_STAMPS, findRow, insertRow, isUniqueViolation, keyExists, updateRow, type Table } from '../../db/sql';
import {
  claimForCancellation,
  findSubscription,
  listAccountSubscriptions,
  markSubscriptionCancelled,
  unassignAllLicenses,
} from '../../db/subscriptions';
import { isDataError } from '../../activities/store';
import { markEventDispatched } from '../../db/outbox';
import { createTestDatabase, type TestDatabase } from '../helpers/db';
import { seedAccount } from '../helpers/fixtures';

let t: TestDatabase;
beforeAll(async () => {
  t = await createTestDatabase('sql');
});
afterAll(() => t.drop());

const day = 86_400_000;

function cancellationValues(
  seed: { accountId: string; subscriptionId: string; userId: string; email: string },
  id: string,
) {
  return {
    id,
    workflowId: `wf-${id}`,
    subscriptionId: seed.subscriptionId,
    accountId: seed.accountId,
    stage: 'awaiting_prerequisites',
    channel: 'online',
    requestedByUserId: seed.userId,
    requestedByEmail: seed.email,
    supportAgentId: null,
    reasonCode: 'too_expensive',
    reasonComment: null,
    requestedAt: new Date('2026-01-31T23:59:59.999Z'),
    effectiveAt: new Date('2026-02-28T00:00:00.000Z'),
    balanceClear: true,
    licensesUnassigned: false,
    currency: 'EUR',
    remainingCents: 4900,
    refundCents: 0,
    chargeLines: '[]',
  };
}

describe('hand-written statements (db/sql.ts)', () => {
  it.each(['sqlite', 'postgresql'])(
    'lists exactly the columns the %s schema has Prisma stamp on the client',
    (kind) => {
      const schema = fs.readFileSync(path.join(__dirname, '..', '..', 'prisma', kind, 'schema.prisma'), 'utf8');
      for (const table of Object.keys(CLIENT_STAMPS) as Table[]) {
        const block = schema.match(new RegExp(`^model ${table} \\{([\\s\\S]*?)^\\}`, 'm'))?.[1];
        expect(block).toBeDefined();
        expect({
          table,
          createdAt: /^\s*createdAt\s+DateTime\s+@default\(now\(\)\)/m.test(block!),
          updatedAt: /^\s*updatedAt\s+DateTime\s+@updatedAt/m.test(block!),
        }).toEqual({ table, ...CLIENT_STAMPS[table] });
      }
    },
  );

  it('writes a cancellation that Prisma reads exactly as one it created itself, dates and booleans included', async () => {
    const seed = await seedAccount(t.db);
    const now = new Date('2026-03-01T10:00:00.000Z');
    const byHand = await insertCancellation(t.db, {
      ...cancellationValues(seed, 'can_sql_hand'),
      createdAt: now,
      updatedAt: now,
    });
    const [other] = await Promise.all([seedAccount(t.db)]);
    const byPrisma = await t.db.cancellation.create({
      data: { ...cancellationValues(other, 'can_sql_prisma'), createdAt: now, updatedAt: now },
    });
    const typedRead = await t.db.cancellation.findUnique({ where: { id: 'can_sql_hand' } });
    expect(typedRead).toEqual(byHand);
    const strip = (row: Record<string, unknown>) => {
      const { id, workflowId, subscriptionId, accountId, requestedByUserId, requestedByEmail, ...rest } = row;
      void [id, workflowId, subscriptionId, accountId, requestedByUserId, requestedByEmail];
      return rest;
    };
    expect(strip(byHand)).toEqual(strip(byPrisma));
    expect(await findRow(t.db, 'Cancellation', 'can_sql_prisma')).toEqual(byPrisma);
    // Stored in the same text format: Prisma's own filters on the dates find both rows.
    const found = await t.db.cancellation.findMany({
      where: { effectiveAt: { lte: new Date('2026-02-28T00:00:00.000Z'), gte: new Date('2026-02-28T00:00:00.000Z') } },
      select: { id: true },
      orderBy: { id: 'asc' },
    });
    expect(found.map((r) => r.id)).toEqual(['can_sql_hand', 'can_sql_prisma']);
    expect((await findCancellationsByIdOrWorkflowId(t.db, 'can_none', 'wf-can_sql_prisma')).map((r) => r.id)).toEqual([
      'can_sql_prisma',
    ]);
  });

  it('stamps a row it inserts and the updatedAt of a row it updates, as Prisma does', async () => {
    const seed = await seedAccount(t.db);
    const before = new Date();
    // As Prisma: a stamp given as undefined is stamped too.
    await insertRow(t.db, 'Cancellation', { ...cancellationValues(seed, 'can_sql_stamped'), createdAt: undefined });
    const row = await t.db.cancellation.findUniqueOrThrow({ where: { id: 'can_sql_stamped' } });
    expect(row.createdAt.getTime()).toBeGreaterThanOrEqual(before.getTime());
    expect(row.updatedAt).toEqual(row.createdAt);
    expect(row.warnings).toBe('[]');
    expect(row.dataBackedUp).toBe(false);
    // An explicit updatedAt is kept, as Prisma keeps it; an update without one stamps it.
    const old = new Date('2026-01-01T00:00:00.000Z');
    expect(await updateCancellation(t.db, 'can_sql_stamped', { updatedAt: old })).toMatchObject({ updatedAt: old });
    const later = new Date(Date.now() + day);
    const updated = await updateCancellation(t.db, 'can_sql_stamped', { stage: 'completed', completedAt: later });
    expect(updated).toMatchObject({ stage: 'completed', completedAt: later, createdAt: row.createdAt });
    expect(updated.updatedAt.getTime()).toBeGreaterThanOrEqual(before.getTime());
  });

  it("answers a missing row with Prisma's own data error, and a broken foreign key as a data error too", async () => {
    const missing = await updateRow(t.db, 'Subscription', 'sub_missing', { autoRenew: true }).catch((e: unknown) => e);
    expect((missing as { code?: string }).code).toBe('P2025');
    expect(isDataError(missing)).toBe(true);
    const orphan = await insertRow(t.db, 'Notification', {
      id: 'ntf_sql_orphan',
      key: 'sql:orphan',
      accountId: 'acc_missing',
      cancellationId: null,
      template: 'cancellation_completed',
      recipient: 'nobody@example.test',
    }).catch((e: unknown) => e);
    expect(orphan).toBeInstanceOf(Error);
    expect(isDataError(orphan)).toBe(true);
    const seed = await seedAccount(t.db);
    const noActor = await insertRow(t.db, 'CancellationEvent', {
      key: 'sql:no-actor',
      subscriptionId: seed.subscriptionId,
      accountId: seed.accountId,
      actor: null as unknown as string,
      type: 'cancellation_refused',
    }).catch((e: unknown) => e);
    expect(noActor).toBeInstanceOf(Error);
    expect(isDataError(noActor)).toBe(true);
    expect(isUniqueViolation(noActor)).toBe(false);
    const undispatchable = await markEventDispatched(t.db, 'evt_missing', new Date()).catch((e: unknown) => e);
    expect((undispatchable as { code?: string }).code).toBe('P2025');
  });

  it('keeps a duplicate key retryable (a concurrent attempt of the same step won) and finds the key', async () => {
    const seed = await seedAccount(t.db);
    const event = {
      key: 'sql:dup',
      cancellationId: null,
      subscriptionId: seed.subscriptionId,
      accountId: seed.accountId,
      actor: 'system',
      type: 'cancellation_refused',
    };
    expect(await keyExists(t.db, 'CancellationEvent', 'sql:dup')).toBe(false);
    await insertRow(t.db, 'CancellationEvent', event);
    expect(await keyExists(t.db, 'CancellationEvent', 'sql:dup')).toBe(true);
    const dup = await insertRow(t.db, 'CancellationEvent', event).catch((e: unknown) => e);
    expect(dup).toBeInstanceOf(Error);
    expect(isDataError(dup)).toBe(false);
    expect(isUniqueViolation(dup)).toBe(true);
    expect(await t.db.cancellationEvent.count({ where: { key: 'sql:dup' } })).toBe(1);
  });

  it('reads a subscription with its licence counts as the typed read does, and its roles, balance and locale (P4, P6)', async () => {
    const seed = await seedAccount(t.db, {
      assignedLicenses: 2,
      openInvoiceCents: 1234,
      roles: ['billing_admin', 'super_admin'],
      locale: 'fr',
    });
    const [typed] = await listAccountSubscriptions(t.db, seed.accountId);
    const raw = await findSubscription(t.db, seed.subscriptionId);
    expect(raw).toEqual(typed);
    expect(raw?.licenseCounts).toEqual({ total: 3, assigned: 2 });
    expect(await findSubscription(t.db, 'sub_missing')).toBeNull();
    expect((await userRoles(t.db, seed.userId)).sort()).toEqual(['billing_admin', 'super_admin']);
    expect(await accountBalanceCents(t.db, seed.accountId)).toBe(1234);
    expect(await accountBalanceCents(t.db, 'acc_missing')).toBe(0);
    expect(await userLocaleByEmail(t.db, seed.email)).toBe('fr');
    expect(await userLocaleByEmail(t.db, 'nobody@example.test')).toBeNull();
  });

  it('claims an active subscription once (P1), deactivates it and releases its licences once (P3, P6)', async () => {
    const seed = await seedAccount(t.db, { assignedLicenses: 2 });
    expect(await nextGeneration(t.db, seed.subscriptionId)).toBe(1);
    const old = new Date('2026-01-01T00:00:00.000Z');
    await updateRow(t.db, 'Subscription', seed.subscriptionId, { updatedAt: old });
    expect(await claimForCancellation(t.db, seed.subscriptionId)).toBe(true);
    expect(await claimForCancellation(t.db, seed.subscriptionId)).toBe(false);
    const claimed = await t.db.subscription.findUniqueOrThrow({ where: { id: seed.subscriptionId } });
    expect(claimed).toMatchObject({ status: 'cancellation_scheduled', autoRenew: false });
    expect(claimed.updatedAt.getTime()).toBeGreaterThan(old.getTime());
    await updateRow(t.db, 'Subscription', seed.subscriptionId, { updatedAt: old });
    expect(await unassignAllLicenses(t.db, seed.subscriptionId)).toBe(2);
    expect(await unassignAllLicenses(t.db, seed.subscriptionId)).toBe(0);
    const at = new Date('2026-02-28T00:00:00.000Z');
    await markSubscriptionCancelled(t.db, seed.subscriptionId, at);
    const cancelled = await t.db.subscription.findUniqueOrThrow({ where: { id: seed.subscriptionId } });
    expect(cancelled).toMatchObject({ status: 'cancelled', autoRenew: false, cancelledAt: at });
    expect(cancelled.updatedAt.getTime()).toBeGreaterThan(old.getTime());
    await insertCancellation(t.db, { ...cancellationValues(seed, 'can_sql_closed'), stage: 'completed' });
    expect(await nextGeneration(t.db, seed.subscriptionId)).toBe(2);
  });
});
