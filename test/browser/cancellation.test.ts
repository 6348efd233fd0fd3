/**
 * The portal's flows that change something, in Chromium against the real stack: a whole cancellation from the
 * link to `completed` (P1, P2, P6, P7, P3's "discover"), a double-sent confirmation that cancels once, the roles'
 * buttons and the server's refusals of forged posts (P6–P10), and a withdrawal.
 */
import type { Page } from 'playwright-core';
import { START_TIMEOUT_MS } from '../helpers/stack';
import { browserFixture } from './fixture';
import {
  expectAccessible,
  formSecrets,
  screenshot,
  seed,
  signedIn,
  startPortalStack,
  type PortalStack,
} from './harness';

/** The webinar's period ends this long after seeding: long enough to clear the checklist, short enough to wait. */
const SOON_MS = 100_000;

let portal: PortalStack;

beforeAll(async () => {
  portal = await startPortalStack('browser-cancellation');
  const now = new Date();
  await seed(portal.stack, browserFixture(now, new Date(now.getTime() + SOON_MS)));
}, START_TIMEOUT_MS + 60_000);

afterAll(() => portal?.stop(), 60_000);

const stageOf = (page: Page) => page.locator('[data-testid="stage"]').getAttribute('data-stage');
const itemDone = (page: Page, item: string) => page.locator(`[data-item="${item}"]`).getAttribute('data-done');
const db = () => portal.stack.testDb.db;

/** Chooses a reason, reviews, and confirms; answers the cancellation page's id. */
async function cancelThroughThePage(page: Page, subscriptionId: string): Promise<string> {
  await page.goto(`${new URL(page.url()).origin}/portal/subscriptions/${subscriptionId}`);
  await page.locator('input[name="reasonCode"][value="not_used"]').check();
  await page.locator('#comment').fill('We moved to <another> tool & stopped using it.');
  await page.locator('[data-testid="cancel-form"] button[type="submit"]').click();
  await page.locator('[data-testid="confirm"]').waitFor();
  await page.locator('[data-testid="confirm-form"] button[type="submit"]').click();
  await page.waitForURL(/\/portal\/cancellations\/[^/?]+\?done=cancelled$/);
  return new URL(page.url()).pathname.split('/').pop()!;
}

it('P1, P2, P6, P7: a billing admin cancels from the link to `completed`, clearing the checklist', async () => {
  const { page, context } = await signedIn(portal, 'usr_ada');
  expect(await page.locator('[data-testid="active"] [data-subscription="sub_acme_webinar"]').count()).toBe(1);
  expect(await page.locator('[data-testid="discover"] [data-product="rescue"]').count()).toBe(1);
  await expectAccessible(page);
  await screenshot(page, 'products-desktop-en');

  await page.locator('a[href="/portal/subscriptions/sub_acme_webinar"]').click();
  await expect(page.locator('[data-testid="eligibility"]').getAttribute('data-eligible')).resolves.toBe('true');
  expect(await page.locator('[data-testid="charges"] tbody tr').count()).toBe(1); // P13: the whole month
  expect(await page.locator('[data-testid="no-refund"]').isVisible()).toBe(true);
  await expectAccessible(page);
  await screenshot(page, 'subscription-desktop-en');

  // The review step restates the date and the charges before anything happens.
  await page.locator('input[name="reasonCode"][value="not_used"]').check();
  await page.locator('#comment').fill('Moving to <another> tool & team.');
  await page.locator('[data-testid="cancel-form"] button[type="submit"]').click();
  await page.locator('[data-testid="confirm"]').waitFor();
  expect((await page.locator('[data-testid="confirm"] blockquote').textContent())?.trim()).toBe(
    'Moving to <another> tool & team.',
  );
  expect(await page.locator('[data-testid="confirm"] [data-testid="charges"]').isVisible()).toBe(true);
  await expectAccessible(page);
  expect(await db().cancellation.count({ where: { subscriptionId: 'sub_acme_webinar' } })).toBe(0);

  await page.locator('[data-testid="confirm-form"] button[type="submit"]').click();
  await page.waitForURL(/\/portal\/cancellations\/[^/?]+\?done=cancelled$/);
  const cancellationId = new URL(page.url()).pathname.split('/').pop()!;
  expect((await page.locator('[data-testid="notice"]').textContent())?.trim()).toBeTruthy();
  expect(await stageOf(page)).toBe('awaiting_prerequisites');
  expect(await itemDone(page, 'licenses')).toBe('false');
  expect(await page.locator('[data-item="licenses"]').textContent()).toContain('2');
  const row = await db().cancellation.findUniqueOrThrow({ where: { id: cancellationId } });
  expect(row).toMatchObject({ channel: 'online', reasonCode: 'not_used', requestedByUserId: 'usr_ada' });
  const sub = await db().subscription.findUniqueOrThrow({ where: { id: 'sub_acme_webinar' } });
  expect(sub.autoRenew).toBe(false); // P1
  await expectAccessible(page);
  await screenshot(page, 'cancellation-desktop-en');

  await page.locator('[data-testid="unassign-form"] button[type="submit"]').click();
  await page.waitForURL(/done=unassigned&n=2$/);
  expect(await itemDone(page, 'licenses')).toBe('true');
  expect(
    await db().license.count({ where: { subscriptionId: 'sub_acme_webinar', NOT: { assignedToUserId: null } } }),
  ).toBe(0);

  await page.locator('#location').fill('s3://acme-backups/webinar');
  await page.locator('[data-testid="backup-form"] button[type="submit"]').click();
  await page.waitForURL(/done=backup$/);
  expect(await itemDone(page, 'backup')).toBe('true');
  expect(await page.locator('[data-item="backup"]').textContent()).toContain('s3://acme-backups/webinar');
  expect(await stageOf(page)).toBe('scheduled');
  await expectAccessible(page);

  // The page's script refreshes the status by itself: no reload until the product is deactivated.
  await page.locator('[data-stage="completed"]').waitFor({ timeout: SOON_MS + 60_000 });
  await page.reload();
  expect(await page.locator('[data-testid="withdraw-form"]').count()).toBe(0);
  expect(await page.locator('[data-testid="notifications"] li').first().isVisible()).toBe(true);
  await page.goto(`${new URL(page.url()).origin}/portal`);
  expect(await page.locator('[data-testid="discover"] [data-product="webinar"]').count()).toBe(1); // P3
  expect(await page.locator('[data-subscription="sub_acme_webinar"]').count()).toBe(0);
  await context.close();
});

it('cancels once when the confirmation is sent twice with the same form (Idempotency-Key)', async () => {
  const { page, context } = await signedIn(portal, 'usr_ada');
  await page.goto(`${new URL(page.url()).origin}/portal/subscriptions/sub_acme_training`);
  await page.locator('[data-testid="cancel-form"] button[type="submit"]').click();
  const form = page.locator('[data-testid="confirm-form"]');
  await form.waitFor();
  const action = new URL((await form.getAttribute('action'))!, page.url()).href;
  const fields: Record<string, string> = {};
  for (const input of await form.locator('input[type="hidden"]').all())
    fields[(await input.getAttribute('name'))!] = await input.inputValue();
  const send = () => page.request.post(action, { form: fields, maxRedirects: 0 });
  const answers = await Promise.all([send(), send()]);
  const again = await send();
  const locations = [...answers, again].map((a) => [a.status(), a.headers().location]);
  const rows = await db().cancellation.findMany({ where: { subscriptionId: 'sub_acme_training' } });
  expect(rows).toHaveLength(1);
  const expected = [303, `/portal/cancellations/${rows[0].id}?done=cancelled`];
  expect(locations).toEqual([expected, expected, expected]);
  await context.close();
});

let meetingCancellation: string;

it('P6–P10: a product admin sees only the buttons of the roles they hold, and forged posts are refused', async () => {
  const ada = await signedIn(portal, 'usr_ada');
  meetingCancellation = await cancelThroughThePage(ada.page, 'sub_acme_meeting');
  await ada.context.close();

  const { page, context } = await signedIn(portal, 'usr_pat');
  const origin = new URL(page.url()).origin;
  expect(await page.locator('[data-testid="scheduled"] [data-subscription="sub_acme_meeting"]').count()).toBe(1);
  const secrets = await formSecrets(page);
  const forge = (path: string, extra: Record<string, string> = {}) =>
    page.request.post(`${origin}${path}`, {
      form: { ...secrets, idempotencyKey: crypto.randomUUID(), ...extra },
      maxRedirects: 0,
    });

  // P10: no cancel button for a product admin, and the reason why; a forged review or confirmation is refused
  // as the API refuses it (422, role_not_permitted), and nothing is cancelled.
  await page.goto(`${origin}/portal/subscriptions/sub_acme_chat`);
  expect(await page.locator('[data-testid="eligibility"]').getAttribute('data-eligible')).toBe('false');
  expect(await page.locator('[data-refusal="role_not_permitted"]').count()).toBe(1);
  expect(await page.locator('[data-testid="cancel-form"]').count()).toBe(0);
  for (const path of [
    '/portal/subscriptions/sub_acme_chat/cancel',
    '/portal/subscriptions/sub_acme_chat/cancel/confirm',
  ]) {
    const res = await forge(path, { reasonCode: 'too_expensive' });
    const text = await res.text();
    expect([path, res.status()]).toEqual([path, 422]);
    expect(text).toContain('data-code="role_not_permitted" data-status="422"');
    expect(text).toContain('data-refusal="role_not_permitted"');
  }
  expect(await db().cancellation.count({ where: { subscriptionId: 'sub_acme_chat' } })).toBe(0);

  // The billing admin's cancellation: a product admin may unassign the licences (P6), nothing else.
  await page.goto(`${origin}/portal/cancellations/${meetingCancellation}`);
  expect(await page.locator('[data-testid="unassign-form"]').count()).toBe(1);
  expect(await page.locator('[data-testid="backup-form"]').count()).toBe(0);
  expect(await page.locator('[data-testid="withdraw-form"]').count()).toBe(0);
  await expectAccessible(page);
  for (const [path, extra] of [
    [`/portal/cancellations/${meetingCancellation}/withdraw`, {}],
    [`/portal/cancellations/${meetingCancellation}/data-backup`, { location: 's3://x' }],
  ] as const) {
    const res = await forge(path, extra);
    expect([path, res.status()]).toEqual([path, 403]);
    expect(await res.text()).toContain('data-code="role_not_permitted"');
  }
  const row = await db().cancellation.findUniqueOrThrow({ where: { id: meetingCancellation } });
  expect(row).toMatchObject({ stage: 'awaiting_prerequisites', dataBackedUp: false });

  // The session's forms without its CSRF token, or sent from another site: 403 before anything is looked at.
  const noCsrf = await page.request.post(`${origin}/portal/cancellations/${meetingCancellation}/unassign-all`, {
    form: { idempotencyKey: crypto.randomUUID() },
    maxRedirects: 0,
  });
  const crossSite = await page.request.post(`${origin}/portal/cancellations/${meetingCancellation}/unassign-all`, {
    form: { ...secrets, idempotencyKey: crypto.randomUUID() },
    headers: { origin: 'https://evil.example' },
    maxRedirects: 0,
  });
  for (const res of [noCsrf, crossSite]) {
    expect(res.status()).toBe(403);
    expect(await res.text()).toContain('data-code="csrf_failed"');
  }
  await context.close();
});

it('withdraws a cancellation: auto-renew back on, the product active again', async () => {
  const { page, context } = await signedIn(portal, 'usr_ada');
  await page.goto(`${new URL(page.url()).origin}/portal/cancellations/${meetingCancellation}`);
  await page.locator('[data-testid="withdraw-form"] button[type="submit"]').click();
  await page.waitForURL(/done=withdrawn$/);
  expect(await stageOf(page)).toBe('withdrawn');
  expect(await page.locator('[data-testid="withdraw-form"]').count()).toBe(0);
  await expectAccessible(page);
  const sub = await db().subscription.findUniqueOrThrow({ where: { id: 'sub_acme_meeting' } });
  expect(sub).toMatchObject({ status: 'active', autoRenew: true });
  await page.goto(`${new URL(page.url()).origin}/portal`);
  expect(await page.locator('[data-testid="active"] [data-subscription="sub_acme_meeting"]').count()).toBe(1);
  await context.close();
});
