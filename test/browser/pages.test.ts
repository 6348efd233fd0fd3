/**
 * The portal's pages that change nothing, in Chromium against the real stack: every refusal with its advice
 * (P4, P8–P11), the links that no longer sign in (expired, reused, unknown), the languages (the page's switch,
 * the user's locale, Accept-Language), a 375 px phone, and signing out. axe runs on every page; the screenshots
 * for the README are taken here and in cancellation.test.ts.
 */
import type { Page } from 'playwright-core';
import { createPortalLink } from '../../db/portal';
import { START_TIMEOUT_MS } from '../helpers/stack';
import { browserFixture } from './fixture';
import {
  PHONE,
  expectAccessible,
  expectNoHorizontalScroll,
  portalLink,
  screenshot,
  seed,
  shownError,
  signedIn,
  startPortalStack,
  type PortalStack,
} from './harness';

let portal: PortalStack;
let origin: string;

beforeAll(async () => {
  portal = await startPortalStack('browser-pages');
  origin = portal.api.url;
  const now = new Date();
  await seed(portal.stack, browserFixture(now, new Date(now.getTime() + 20 * 86_400_000)));
}, START_TIMEOUT_MS + 60_000);

afterAll(() => portal?.stop(), 60_000);

const refusalsOn = async (page: Page) =>
  Object.fromEntries(
    await Promise.all(
      (await page.locator('[data-testid="eligibility"] li[data-refusal]').all()).map(async (li) => [
        await li.getAttribute('data-refusal'),
        (await li.textContent())?.replace(/\s+/g, ' ').trim(),
      ]),
    ),
  ) as Record<string, string>;

describe('P11: each refusal is shown with what to do next, and no cancel button', () => {
  it.each([
    // P8: a Connect plan is a super admin's to cancel.
    ['usr_bill', 'sub_voxa_connect', { role_not_permitted: /super admin/i }],
    // P9, P11: bought through a sales representative: the role is right, but support cancels it.
    ['usr_gil', 'sub_globex_resolve', { not_cancellable_online: /support/i }],
    // P4: the open invoice, with its amount.
    ['usr_uma', 'sub_umbrella_webinar', { outstanding_balance: /12\.00/ }],
    // P3: already cancelled.
    ['usr_ada', 'sub_acme_old', { already_cancelled: /./ }],
  ] as const)('%s on %s', async (userId, subscriptionId, expected) => {
    const { page, context } = await signedIn(portal, userId);
    await page.goto(`${origin}/portal/subscriptions/${subscriptionId}`);
    expect(await page.locator('[data-testid="eligibility"]').getAttribute('data-eligible')).toBe('false');
    const shown = await refusalsOn(page);
    expect(Object.keys(shown).sort()).toEqual(Object.keys(expected).sort());
    for (const [code, advice] of Object.entries(expected))
      expect([code, shown[code]]).toEqual([code, expect.stringMatching(advice)]);
    expect(await page.locator('[data-testid="cancel-form"]').count()).toBe(0);
    expect(await page.locator('[data-testid="no-refund"]').isVisible()).toBe(true);
    await expectAccessible(page);
    if (userId === 'usr_gil') await screenshot(page, 'refusals-desktop-en');
    await context.close();
  });
});

describe('portal links (API.md v1.2)', () => {
  it('signs in once: the same link opened again is refused', async () => {
    const url = await portalLink(portal.api, 'usr_ada');
    const first = await portal.browser.newContext();
    const firstPage = await first.newPage();
    await firstPage.goto(url);
    expect(new URL(firstPage.url()).pathname).toBe('/portal');
    const second = await portal.browser.newContext();
    const page = await second.newPage();
    const res = await page.goto(url);
    expect(res?.status()).toBe(401);
    expect(await shownError(page)).toEqual({ status: '401', code: 'link_invalid' });
    expect(await page.locator('[data-testid="language-form"]').count()).toBe(0);
    await expectAccessible(page);
    await first.close();
    await second.close();
  });

  it('refuses a link older than 5 minutes, and one that never existed', async () => {
    const { token } = await createPortalLink(portal.stack.testDb.db, {
      userId: 'usr_ada',
      serviceClientId: 'svc_browser_suite',
      returnUrl: null,
      now: new Date(Date.now() - 6 * 60_000),
    });
    const context = await portal.browser.newContext();
    const page = await context.newPage();
    for (const path of [`/portal/login/${token}`, `/portal/login/${'A'.repeat(43)}`, '/portal/login/short']) {
      const res = await page.goto(`${origin}${path}`);
      expect([path, res?.status(), await shownError(page)]).toEqual([
        path,
        401,
        { status: '401', code: 'link_invalid' },
      ]);
    }
    // Without a session, no page: 401 session_expired.
    const res = await page.goto(`${origin}/portal`);
    expect(res?.status()).toBe(401);
    expect(await shownError(page)).toEqual({ status: '401', code: 'session_expired' });
    await expectAccessible(page);
    await context.close();
  });
});

describe('languages: the switch, then the user’s locale, then Accept-Language', () => {
  it('speaks French to a French browser, in the article’s own terms', async () => {
    const { page, context } = await signedIn(portal, 'usr_uma', { locale: 'fr-FR' });
    expect(await page.locator('html').getAttribute('lang')).toBe('fr');
    expect(await page.locator('h1').textContent()).toBe('Vos produits');
    await page.goto(`${origin}/portal/subscriptions/sub_umbrella_webinar`);
    const text = (await page.locator('main').textContent())!;
    for (const term of ['résilier', 'renouvellement automatique', 'Date d’effet', 'Aucun remboursement'])
      expect(text).toContain(term);
    await expectAccessible(page);
    await screenshot(page, 'refusals-desktop-fr');
    await context.close();
  });

  it('follows the user’s locale over the browser’s, and the page’s switch over both', async () => {
    const { page, context } = await signedIn(portal, 'usr_vera', { locale: 'en-GB' });
    expect(await page.locator('html').getAttribute('lang')).toBe('fr');
    await page.goto(`${origin}/portal/subscriptions/sub_voxa_connect`);
    await page.locator('[data-testid="language-form"] button[value="en"]').click();
    await page.waitForURL(`${origin}/portal/subscriptions/sub_voxa_connect`);
    expect(await page.locator('html').getAttribute('lang')).toBe('en');
    await page.goto(`${origin}/portal`);
    expect(await page.locator('h1').textContent()).toBe('Your products');
    expect(await page.locator('[data-testid="language-form"] button[value="en"]').getAttribute('aria-pressed')).toBe(
      'true',
    );
    await expectAccessible(page);
    await context.close();
  });
});

describe('a 375 px phone', () => {
  it.each([
    ['en', 'en-GB'],
    ['fr', 'fr-FR'],
  ] as const)('every page fits the screen (%s)', async (lang, locale) => {
    const { page, context } = await signedIn(portal, 'usr_ada', { locale, viewport: PHONE });
    expect(await page.locator('html').getAttribute('lang')).toBe(lang);
    await expectNoHorizontalScroll(page);
    await screenshot(page, `products-phone-${lang}`);
    await page.goto(`${origin}/portal/subscriptions/sub_acme_webinar`);
    await expectNoHorizontalScroll(page);
    await expectAccessible(page);
    await screenshot(page, `subscription-phone-${lang}`);
    await page.locator('[data-testid="cancel-form"] button[type="submit"]').click();
    await page.locator('[data-testid="confirm"]').waitFor();
    await expectNoHorizontalScroll(page);
    await expectAccessible(page);
    await screenshot(page, `confirm-phone-${lang}`);
    await context.close();
  });
});

it('works with the keyboard alone: the skip link first, then every control in order to the review', async () => {
  const { page, context } = await signedIn(portal, 'usr_ada');
  await page.goto(`${origin}/portal/subscriptions/sub_acme_webinar`);
  const focused = () =>
    page.evaluate(
      '(() => { const e = document.activeElement; return e ? (e.className || e.tagName) + "|" + (e.textContent || "").trim() : ""; })()',
    ) as Promise<string>;
  await page.keyboard.press('Tab');
  expect(await focused()).toMatch(/^skip\|/);
  await page.keyboard.press('Enter');
  expect(await page.evaluate('document.activeElement && document.activeElement.id')).toBe('main');
  // From the content on, Tab reaches the cancel form's button (radios, comment, then "Continue").
  let reached = false;
  for (let i = 0; i < 40 && !reached; i++) {
    await page.keyboard.press('Tab');
    reached = /^primary\|/.test(await focused());
  }
  expect(reached).toBe(true);
  await page.keyboard.press('Enter');
  await page.locator('[data-testid="confirm"]').waitFor();
  await context.close();
});

it('signs out: the session ends, and its cookie opens nothing', async () => {
  const { page, context } = await signedIn(portal, 'usr_ada');
  const cookies = await context.cookies();
  expect(cookies).toEqual([
    expect.objectContaining({ name: 'portal_session', path: '/portal', httpOnly: true, sameSite: 'Strict' }),
  ]);
  await page.locator('[data-testid="sign-out-form"] button').click();
  await page.waitForURL(`${origin}/portal/signed-out`);
  await expectAccessible(page);
  // The cookie as it was, sent again: the session is over.
  await context.addCookies(cookies);
  const res = await page.goto(`${origin}/portal`);
  expect(res?.status()).toBe(401);
  await context.close();
});
