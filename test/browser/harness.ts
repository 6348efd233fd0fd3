/**
 * The portal in a real browser: the stack on free ports (a Temporal dev server, a worker, the API; test/faults'
 * harness, with the workflow bundle built once), Debian's Chromium driven by playwright-core, a link per user
 * minted through POST /v1/portal-sessions with a service token, and the checks every page gets (axe, no
 * horizontal scroll on a phone, a screenshot).
 */
import fs from 'node:fs';
import path from 'node:path';
import AxeBuilder from '@axe-core/playwright';
import { chromium, type Browser, type BrowserContext, type Page } from 'playwright-core';
import { loadFixture, parseFixture, type FixtureInput } from '../../db/fixtures';
import { startFaultStack, type FaultStack } from '../faults/harness';
import type { ServiceProcess } from '../helpers/stack';

export const SERVICE_TOKEN = 'browser-suite-service-token';
export const SCREENSHOTS = path.resolve(__dirname, 'screenshots');
export const PHONE = { width: 375, height: 740 };
export const DESKTOP = { width: 1280, height: 900 };

export interface PortalStack {
  stack: FaultStack;
  api: ServiceProcess;
  browser: Browser;
  stop(): Promise<void>;
}

export async function startPortalStack(label: string): Promise<PortalStack> {
  const stack = await startFaultStack(label);
  let browser: Browser | undefined;
  try {
    const [, api] = await Promise.all([stack.startWorker(), stack.startApi()]);
    browser = await launchChromium();
    const opened = browser;
    return {
      stack,
      api,
      browser: opened,
      stop: async () => {
        await opened.close();
        await stack.stop();
      },
    };
  } catch (err) {
    await browser?.close();
    await stack.stop();
    throw err;
  }
}

/** Debian's Chromium (CHROMIUM_PATH to use another), headless; the flags keep it off the network it cannot reach. */
export function launchChromium(): Promise<Browser> {
  return chromium.launch({
    executablePath: process.env.CHROMIUM_PATH ?? '/usr/bin/chromium',
    headless: true,
    args: [
      '--no-sandbox',
      '--disable-background-networking',
      '--disable-component-update',
      '--no-first-run',
      '--disable-dev-shm-usage',
    ],
  });
}

/** Loads the suite's fixture, with the service client its links are minted by. */
export async function seed(stack: FaultStack, fixture: FixtureInput): Promise<void> {
  const withService = {
    ...fixture,
    serviceTokens: [{ id: 'svc_browser_suite', name: 'browser suite', token: SERVICE_TOKEN }],
  };
  await loadFixture(stack.testDb.db, parseFixture(withService));
}

/** A fresh single-use link for the user (API.md v1.2). */
export async function portalLink(api: ServiceProcess, userId: string): Promise<string> {
  const res = await fetch(`${api.url}/v1/portal-sessions`, {
    method: 'POST',
    headers: { authorization: `Bearer ${SERVICE_TOKEN}`, 'content-type': 'application/json' },
    body: JSON.stringify({ userId }),
  });
  const body = (await res.json()) as { url: string; expiresAt: string };
  if (res.status !== 201) throw new Error(`POST /v1/portal-sessions answered ${res.status}: ${JSON.stringify(body)}`);
  return body.url;
}

export interface Visitor {
  context: BrowserContext;
  page: Page;
}

/** A browser context of its own (cookies, language, screen), signed in as the user by a fresh link. */
export async function signedIn(
  portal: PortalStack,
  userId: string,
  options: { locale?: string; viewport?: { width: number; height: number } } = {},
): Promise<Visitor> {
  const context = await portal.browser.newContext({
    locale: options.locale ?? 'en-GB',
    viewport: options.viewport ?? DESKTOP,
  });
  const page = await context.newPage();
  const res = await page.goto(await portalLink(portal.api, userId));
  if (res?.status() !== 200 || new URL(page.url()).pathname !== '/portal')
    throw new Error(`the link led to ${page.url()} (${res?.status()})`);
  return { context, page };
}

/** axe on the page as it is: no serious or critical violation (issue 15). */
export async function expectAccessible(page: Page): Promise<void> {
  const { violations } = await new AxeBuilder({ page }).analyze();
  const bad = violations
    .filter((v) => v.impact === 'serious' || v.impact === 'critical')
    .map((v) => ({ id: v.id, impact: v.impact, nodes: v.nodes.map((n) => n.target.join(' ')) }));
  expect({ url: page.url(), violations: bad }).toEqual({ url: page.url(), violations: [] });
}

/** Nothing wider than the screen: the page scrolls only vertically. */
export async function expectNoHorizontalScroll(page: Page): Promise<void> {
  const widths = (await page.evaluate(
    '({ scroll: document.documentElement.scrollWidth, client: document.documentElement.clientWidth })',
  )) as { scroll: number; client: number };
  expect(widths.scroll).toBeLessThanOrEqual(widths.client);
}

export async function screenshot(page: Page, name: string): Promise<void> {
  fs.mkdirSync(SCREENSHOTS, { recursive: true });
  await page.screenshot({ path: path.join(SCREENSHOTS, `${name}.png`), fullPage: true });
}

/** The form's hidden fields as the page rendered them (a forged POST needs the session's CSRF token). */
export async function formSecrets(page: Page): Promise<{ _csrf: string; idempotencyKey: string }> {
  const form = page.locator('form[data-testid="language-form"]');
  return {
    _csrf: await form.locator('input[name="_csrf"]').inputValue(),
    idempotencyKey: await form.locator('input[name="idempotencyKey"]').inputValue(),
  };
}

/** The error a page shows: its status and the API's code (data-status, data-code). */
export async function shownError(page: Page): Promise<{ status: string | null; code: string | null }> {
  const box = page.locator('[data-testid="error"]');
  return { status: await box.getAttribute('data-status'), code: await box.getAttribute('data-code') };
}
