/**
 * Portal links and sessions in the database (db/portal.ts, API.md v1.2): a link opens one session however many
 * times it is opened at once, only digests are stored, the idle timeout, and an operator's sign-out everywhere.
 */
import { execFile } from 'node:child_process';
import path from 'node:path';
import { promisify } from 'node:util';
import { loadFixture, parseFixture } from '../../db/fixtures';
import {
  createPortalLink,
  endUserPortalSessions,
  findPortalSession,
  openPortalLink,
  type OpenedLink,
} from '../../db/portal';
import { PortalIdleTimeoutMs } from '../../domain/portal';
import { createTestDatabase, type TestDatabase } from '../helpers/db';

const run = promisify(execFile);
const ROOT = path.resolve(__dirname, '..', '..');
let t: TestDatabase;
const now = new Date('2026-11-28T10:00:00Z');

beforeAll(async () => {
  t = await createTestDatabase('portal');
  await loadFixture(
    t.db,
    parseFixture({
      accounts: [
        {
          id: 'acc_1',
          name: 'One',
          paymentMethod: {
            last4: '4242',
            billingAddress: { line1: 'x', city: 'Paris', postalCode: '75002', country: 'FR' },
          },
          users: [{ id: 'usr_1', email: 'one@one.test', roles: ['billing_admin'] }],
          subscriptions: [],
        },
      ],
      serviceTokens: [{ id: 'svc_1', name: 'console', token: 'service-token-for-db-tests' }],
    }),
  );
});

afterAll(() => t?.drop());

const link = () => createPortalLink(t.db, { userId: 'usr_1', serviceClientId: 'svc_1', returnUrl: null, now });
const opened = (o: OpenedLink) => (o.kind === 'opened' ? o : null);

it('opens one session of a link opened ten times at once, and stores digests only', async () => {
  const { token } = await link();
  const outcomes = await Promise.all(Array.from({ length: 10 }, () => openPortalLink(t.db, token, now)));
  const sessions = outcomes.map(opened).filter((o) => o !== null);
  expect(sessions).toHaveLength(1);
  const rows = await t.db.portalSession.findMany({ where: { userId: 'usr_1' } });
  expect(rows).toHaveLength(1);
  const stored = JSON.stringify([rows, await t.db.portalLink.findMany()]);
  expect(stored).not.toContain(token);
  expect(stored).not.toContain(sessions[0]!.sessionToken);
});

it('ends a session after an hour without a request, not before', async () => {
  const { token } = await link();
  const session = opened(await openPortalLink(t.db, token, now))!;
  const justBefore = new Date(now.getTime() + PortalIdleTimeoutMs - 1_000);
  expect(await findPortalSession(t.db, session.sessionToken, justBefore)).toMatchObject({ userId: 'usr_1' });
  // That request moved the last activity on: an hour after it, not after the sign-in.
  const later = new Date(justBefore.getTime() + PortalIdleTimeoutMs - 1_000);
  expect(await findPortalSession(t.db, session.sessionToken, later)).not.toBeNull();
  expect(
    await findPortalSession(t.db, session.sessionToken, new Date(later.getTime() + PortalIdleTimeoutMs)),
  ).toBeNull();
});

it('signs a user out everywhere: `npm run portal:sign-out -- <userId>`', async () => {
  const a = opened(await openPortalLink(t.db, (await link()).token, now))!;
  const b = opened(await openPortalLink(t.db, (await link()).token, now))!;
  const { stdout } = await run(process.execPath, ['--import', 'tsx', 'scripts/portal-sign-out.ts', 'usr_1'], {
    cwd: ROOT,
    env: { ...process.env, DATABASE_URL: t.url },
  });
  expect(stdout).toMatch(/^Ended [2-9]\d* open portal session\(s\) of usr_1\./);
  for (const s of [a, b]) expect(await findPortalSession(t.db, s.sessionToken, now)).toBeNull();
  expect(await endUserPortalSessions(t.db, 'usr_1', now)).toBe(0);
  const unknown = await run(process.execPath, ['--import', 'tsx', 'scripts/portal-sign-out.ts', 'usr_nobody'], {
    cwd: ROOT,
    env: { ...process.env, DATABASE_URL: t.url },
  }).catch((err: { code: number; stderr: string }) => err);
  expect(unknown).toMatchObject({ code: 1, stderr: 'No user usr_nobody.\n' });
});
