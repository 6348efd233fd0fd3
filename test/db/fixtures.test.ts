import { execFile } from 'node:child_process';
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { promisify } from 'node:util';
import { FixtureError, loadFixture, parseFixture, type FixtureInput } from '../../db/fixtures';
import { accountBalanceCents } from '../../db/accounts';
import { findPrincipalByToken } from '../../db/principals';
import { hashToken } from '../../db/tokens';
import { buildDemoFixture, DEMO_TOKENS } from '../../scripts/demo-fixture';
import { createTestDatabase, type TestDatabase } from '../helpers/db';

const run = promisify(execFile);
const ROOT = path.resolve(__dirname, '..', '..');
const BAD_BILLING = 'accounts[0].subscriptions[1].billing: expected "monthly" | "fixed_term"';

/** The demo fixture with its second subscription's billing type misspelt. */
function fixtureWithBadBilling(): FixtureInput {
  const fixture = buildDemoFixture();
  const subscription = fixture.accounts![0].subscriptions![1] as Record<string, unknown>;
  subscription.billing = 'yearly';
  return fixture;
}

/** `npm run db:seed -- <file>` as an operator runs it: a child process on the given database. */
async function seedCommand(databaseUrl: string, fixture: unknown) {
  const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'seed-'));
  const file = path.join(dir, 'fixture.json');
  fs.writeFileSync(file, JSON.stringify(fixture));
  try {
    const { stdout, stderr } = await run('npm', ['run', '--silent', 'db:seed', '--', file], {
      cwd: ROOT,
      env: { ...process.env, DATABASE_URL: databaseUrl },
    });
    return { code: 0, stdout, stderr };
  } catch (err) {
    const e = err as { code?: number; stdout?: string; stderr?: string };
    return { code: e.code ?? 1, stdout: e.stdout ?? '', stderr: e.stderr ?? '' };
  } finally {
    fs.rmSync(dir, { recursive: true, force: true });
  }
}

describe('fixture seeding', () => {
  let testDb: TestDatabase;
  beforeAll(async () => {
    testDb = await createTestDatabase('fixtures');
  });
  afterAll(() => testDb?.drop());

  const counts = async () => ({
    accounts: await testDb.db.account.count(),
    subscriptions: await testDb.db.subscription.count(),
    users: await testDb.db.user.count(),
    tokens: await testDb.db.apiToken.count(),
  });

  it('refuses an invalid file whole, naming the bad path, and writes nothing', async () => {
    let error: unknown;
    try {
      await loadFixture(testDb.db, parseFixture(fixtureWithBadBilling()));
    } catch (err) {
      error = err;
    }
    expect(error).toBeInstanceOf(FixtureError);
    expect((error as FixtureError).problems).toEqual([BAD_BILLING]);
    expect(await counts()).toEqual({ accounts: 0, subscriptions: 0, users: 0, tokens: 0 });
  });

  it('loads the demo fixture: an account per policy branch, a support agent, tokens stored hashed only', async () => {
    const loaded = await loadFixture(testDb.db, parseFixture(buildDemoFixture()));
    expect(loaded).toEqual({ accounts: 5, subscriptions: 6 });

    const subscriptions = await testDb.db.subscription.findMany();
    expect(subscriptions.some((s) => s.productFamily === 'connect')).toBe(true); // P8
    expect(subscriptions.some((s) => s.purchaseChannel === 'sales_rep' && !s.onlineCancellable)).toBe(true); // P9, P11
    expect(subscriptions.some((s) => s.billing === 'monthly' && s.purchaseChannel === 'online')).toBe(true); // P10
    expect(subscriptions.some((s) => s.billing === 'fixed_term' && s.contractEnd !== null)).toBe(true); // P2
    expect(subscriptions.every((s) => s.autoRenew && s.status === 'active')).toBe(true);
    expect(await testDb.db.invoice.count({ where: { status: 'open' } })).toBe(1); // P4
    expect(await testDb.db.supportAgent.count()).toBe(1);

    const hashes = (await testDb.db.apiToken.findMany()).map((t) => t.tokenHash).sort();
    expect(hashes).toEqual(Object.values(DEMO_TOKENS).map(hashToken).sort());
    expect(hashes).not.toContain(DEMO_TOKENS.acmeBillingAdmin);
  });

  it('refuses service tokens (API.md v1.2) with a repeated id, or a token another entry already has', () => {
    const problemsOf = (input: unknown) => {
      try {
        parseFixture(input);
        return [];
      } catch (err) {
        return (err as FixtureError).problems;
      }
    };
    const fixture = buildDemoFixture();
    const twice = {
      ...fixture,
      serviceTokens: [...fixture.serviceTokens!, { ...fixture.serviceTokens![0], token: 'x'.repeat(24) }],
    };
    expect(problemsOf(twice).join('\n')).toMatch(/serviceTokens\[1\]\.id/);
    const clash = { ...fixture, serviceTokens: [{ id: 'svc_2', name: 'clash', token: DEMO_TOKENS.acmeBillingAdmin }] };
    expect(problemsOf(clash).join('\n')).toMatch(/serviceTokens\[0\]\.token/);
    expect(problemsOf(fixture)).toEqual([]);
  });

  it('loads a service token as one, even under an id a user with a token has (ids are per kind)', async () => {
    expect(await findPrincipalByToken(testDb.db, DEMO_TOKENS.adminConsole)).toEqual({
      kind: 'service',
      serviceClientId: 'svc_console',
      name: 'Demo admin console',
    });
    const token = 'a-service-token-named-like-ada';
    await loadFixture(testDb.db, parseFixture({ serviceTokens: [{ id: 'usr_ada', name: 'Same id', token }] }));
    expect(await findPrincipalByToken(testDb.db, token)).toMatchObject({ kind: 'service', serviceClientId: 'usr_ada' });
    expect(await findPrincipalByToken(testDb.db, DEMO_TOKENS.acmeBillingAdmin)).toMatchObject({
      kind: 'user',
      userId: 'usr_ada',
    });
  });

  it('refuses, in one transaction, a file whose later part clashes with existing rows', async () => {
    const before = await counts();
    const fixture: FixtureInput = {
      accounts: [
        {
          id: 'acc_new',
          name: 'New',
          paymentMethod: {
            last4: '1234',
            billingAddress: { line1: '2 rue Neuve', city: 'Paris', postalCode: '75001', country: 'FR' },
          },
          users: [{ id: 'usr_new', email: 'new@new.test', roles: ['super_admin'] }],
        },
        { ...buildDemoFixture().accounts![0], users: [], subscriptions: [] },
      ],
    };
    await expect(loadFixture(testDb.db, parseFixture(fixture))).rejects.toThrow(
      'accounts[1].id: account acc_acme already exists',
    );
    expect(await counts()).toEqual(before);
    expect(await testDb.db.account.findUnique({ where: { id: 'acc_new' } })).toBeNull();
  });

  it('makes `npm run db:seed` exit non-zero on an invalid file, printing the bad path and writing nothing', async () => {
    const before = await counts();
    const result = await seedCommand(testDb.url, fixtureWithBadBilling());
    expect(result.code).not.toBe(0);
    expect(result.stderr).toContain(BAD_BILLING);
    expect(result.stderr).toContain('nothing was written');
    expect(await counts()).toEqual(before);
  });

  it('makes `npm run db:seed` load a valid file while the database is in use', async () => {
    const fixture: FixtureInput = {
      accounts: [],
      supportAgents: [{ id: 'agt_cli', email: 'cli@support.test', token: 'a-token-for-the-cli-test' }],
    };
    const result = await seedCommand(testDb.url, fixture);
    expect(result).toMatchObject({ code: 0 });
    expect(result.stdout).toContain('Loaded 0 account(s)');
    // The test's own client sees the new row at once (SQLite in WAL mode, or PostgreSQL).
    expect(await testDb.db.supportAgent.findUnique({ where: { id: 'agt_cli' } })).not.toBeNull();
  });

  it('accepts a credit note (a negative amountDueCents), which the balance sums like any open invoice (P4)', async () => {
    const fixture = buildDemoFixture();
    const account = { ...fixture.accounts![0], id: 'acc_credit', users: [], subscriptions: [] };
    account.invoices = [
      { id: 'inv_credit_note', amountDueCents: -2500, status: 'open' },
      { id: 'inv_credit_open', amountDueCents: 1000, status: 'open' },
    ];
    await loadFixture(testDb.db, parseFixture({ accounts: [account] }));
    expect(await accountBalanceCents(testDb.db, 'acc_credit')).toBe(-1500);
  });
});
