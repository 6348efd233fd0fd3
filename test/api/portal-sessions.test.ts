/**
 * API.md v1.2, portal sessions: POST /v1/portal-sessions (service tokens only), the single-use link it answers,
 * and the session the link opens (cookie, idle timeout, sign-out, CSRF), on a real HTTP server with an
 * injected clock. The pages themselves are tested in a real browser (test/browser).
 */
import { execFile } from 'node:child_process';
import { randomUUID } from 'node:crypto';
import path from 'node:path';
import { promisify } from 'node:util';
import { buildDemoFixture, DEMO_TOKENS } from '../../scripts/demo-fixture';
import { PortalIdleTimeoutMs, PortalLinkTtlMs } from '../../domain/portal';
import {
  bearer,
  databaseWith,
  expectError,
  listen,
  memoryLogger,
  noTemporalGateway,
  type LogLine,
  type RunningApi,
} from './harness';
import type { TestDatabase } from '../helpers/db';

let tdb: TestDatabase;
let api: RunningApi;
let onPublicUrl: RunningApi;
let logs: LogLine[];
let now = new Date('2026-11-28T10:00:00Z');
const SERVICE = DEMO_TOKENS.adminConsole;

beforeAll(async () => {
  tdb = await databaseWith('api_portal_sessions', buildDemoFixture(now));
  const memory = memoryLogger();
  logs = memory.lines;
  const deps = { db: tdb.db, workflows: noTemporalGateway(), logger: memory.logger, clock: () => now };
  api = await listen(deps);
  onPublicUrl = await listen({ ...deps, publicUrl: 'https://billing.example.com' });
});

afterAll(async () => {
  await api?.close();
  await onPublicUrl?.close();
  await tdb?.drop();
});

const mint = (body: unknown, headers: Record<string, string> = bearer(SERVICE), on = api) =>
  fetch(`${on.url}/v1/portal-sessions`, {
    method: 'POST',
    headers: { 'content-type': 'application/json', ...headers },
    body: JSON.stringify(body),
  }).then(async (res) => ({
    status: res.status, // eslint-disable-next-line @typescript-eslint/no-explicit-any -- a response body, checked field by field
    body: (await res.json()) as any,
  }));

async function link(userId = 'usr_ada'): Promise<string> {
  const res = await mint({ userId });
  expect(res.status).toBe(201);
  return res.body.url as string;
}

const open = (url: string) => fetch(url.replace(/^https?:\/\/[^/]+/, api.url), { redirect: 'manual' });
const cookieOf = (res: Response) => (res.headers.get('set-cookie') ?? '').split(';')[0];
const page = (path: string, cookie: string, init: RequestInit = {}) =>
  fetch(`${api.url}${path}`, { redirect: 'manual', ...init, headers: { cookie, ...(init.headers ?? {}) } });
const codeOf = async (res: Response) => /data-code="([^"]+)"/.exec(await res.text())?.[1];

async function signIn(userId = 'usr_ada'): Promise<{ cookie: string; csrf: string }> {
  const res = await open(await link(userId));
  const cookie = cookieOf(res);
  const html = await (await page('/portal', cookie)).text();
  const csrf = /name="_csrf" value="([^"]+)"/.exec(html)?.[1];
  if (!csrf) throw new Error('no CSRF token on /portal');
  return { cookie, csrf };
}

describe('POST /v1/portal-sessions', () => {
  it('answers 201 with a link on the API’s origin, valid 5 minutes', async () => {
    const res = await mint({ userId: 'usr_ada', returnUrl: 'https://console.example.com/billing' });
    expect(res.status).toBe(201);
    expect(Object.keys(res.body).sort()).toEqual(['expiresAt', 'url']);
    expect(res.body.url).toMatch(new RegExp(`^${api.url}/portal/login/[A-Za-z0-9_-]{43}$`));
    expect(res.body.expiresAt).toBe(new Date(now.getTime() + PortalLinkTtlMs).toISOString());
  });

  it('builds the link on PUBLIC_URL when it is set, and an https one makes the cookie Secure', async () => {
    const res = await mint({ userId: 'usr_ada' }, bearer(SERVICE), onPublicUrl);
    expect(res.body.url).toMatch(/^https:\/\/billing\.example\.com\/portal\/login\/[A-Za-z0-9_-]{43}$/);
    // TLS ended by a proxy in front: this hop is plain HTTP, the browser's is not.
    const opened = await fetch(res.body.url.replace('https://billing.example.com', onPublicUrl.url), {
      redirect: 'manual',
    });
    expect(opened.headers.get('set-cookie')).toMatch(/; SameSite=Strict; Secure$/);
  });

  it('P12: refuses customer users and support agents (403): only a service token mints links', async () => {
    for (const token of [DEMO_TOKENS.acmeBillingAdmin, DEMO_TOKENS.supportAgent]) {
      const res = await mint({ userId: 'usr_ada' }, bearer(token));
      expectError(res, 403, 'permission_error', 'permission_denied');
    }
    expectError(await mint({ userId: 'usr_ada' }, {}), 401, 'authentication_error');
  });

  it('answers 404 for an unknown user, 400 for a bad body or returnUrl', async () => {
    expect(expectError(await mint({ userId: 'usr_nobody' }), 404, 'not_found', 'resource_missing').param).toBe(
      'userId',
    );
    for (const returnUrl of ['ftp://console.example.com', '/relative', 'javascript:alert(1)', 'https://a b']) {
      const error = expectError(await mint({ userId: 'usr_ada', returnUrl }), 400, 'invalid_request_error');
      expect([returnUrl, error.param]).toEqual([returnUrl, 'returnUrl']);
    }
    expectError(await mint({}), 400, 'invalid_request_error');
    expectError(await mint({ userId: 'usr_ada', extra: 1 }), 400, 'invalid_request_error');
  });

  it('never replays a link for a repeated Idempotency-Key: each answer is a new link', async () => {
    const key = randomUUID();
    const headers = { ...bearer(SERVICE), 'Idempotency-Key': key };
    const [a, b] = [await mint({ userId: 'usr_ada' }, headers), await mint({ userId: 'usr_ada' }, headers)];
    expect([a.status, b.status]).toEqual([201, 201]);
    expect(a.body.url).not.toBe(b.body.url);
  });
});

describe('the link and its session', () => {
  it('signs in once: a cookie HttpOnly, SameSite=Strict, Path=/portal; the link opened again answers 401', async () => {
    const url = await link();
    const first = await open(url);
    expect(first.status).toBe(303);
    expect(first.headers.get('location')).toBe('/portal');
    expect(first.headers.get('set-cookie')).toMatch(
      /^portal_session=[A-Za-z0-9_-]{43}; Path=\/portal; HttpOnly; SameSite=Strict$/,
    );
    const home = await page('/portal', cookieOf(first));
    expect(home.status).toBe(200);
    expect(await home.text()).toContain('ada@acme.test');
    const again = await open(url);
    expect(again.status).toBe(401);
    expect(await codeOf(again)).toBe('link_invalid');
    expect(again.headers.get('set-cookie')).toBeNull();
  });

  it('refuses a link past its 5 minutes, and tokens that were never issued', async () => {
    const url = await link();
    now = new Date(now.getTime() + PortalLinkTtlMs);
    const late = await open(url);
    expect([late.status, await codeOf(late)]).toEqual([401, 'link_invalid']);
    for (const token of ['A'.repeat(43), 'short', '..%2F..%2Fetc']) {
      const res = await fetch(`${api.url}/portal/login/${token}`, { redirect: 'manual' });
      expect([token, res.status, await codeOf(res)]).toEqual([token, 401, 'link_invalid']);
    }
  });

  it('ends a session after an hour without a request, and at sign-out', async () => {
    const idle = await signIn();
    now = new Date(now.getTime() + PortalIdleTimeoutMs);
    const expired = await page('/portal', idle.cookie);
    expect([expired.status, await codeOf(expired)]).toEqual([401, 'session_expired']);

    const active = await signIn();
    const out = await page('/portal/sign-out', active.cookie, {
      method: 'POST',
      headers: { 'content-type': 'application/x-www-form-urlencoded' },
      body: new URLSearchParams({ _csrf: active.csrf }).toString(),
    });
    expect(out.status).toBe(303);
    expect(out.headers.get('location')).toBe('/portal/signed-out');
    expect(out.headers.get('set-cookie')).toMatch(
      /^portal_session=; Path=\/portal; HttpOnly; SameSite=Strict; Max-Age=0$/,
    );
    expect((await page('/portal', active.cookie)).status).toBe(401);
  });

  it('refuses a form without the session’s CSRF token, or sent from another origin (403 csrf_failed)', async () => {
    const { cookie, csrf } = await signIn();
    const post = (fields: Record<string, string>, headers: Record<string, string> = {}) =>
      page('/portal/language', cookie, {
        method: 'POST',
        headers: { 'content-type': 'application/x-www-form-urlencoded', ...headers },
        body: new URLSearchParams(fields).toString(),
      });
    for (const [fields, headers] of [
      [{ locale: 'fr' }, {}],
      [{ locale: 'fr', _csrf: `${csrf.slice(0, -2)}xx` }, {}],
      [{ locale: 'fr', _csrf: csrf }, { origin: 'https://evil.example' }],
      [{ locale: 'fr', _csrf: csrf }, { 'sec-fetch-site': 'cross-site' }],
    ] as const) {
      const res = await post(fields, headers);
      expect([res.status, await codeOf(res)]).toEqual([403, 'csrf_failed']);
    }
    const ok = await post({ locale: 'fr', _csrf: csrf, back: '/portal' }, { origin: api.url });
    expect([ok.status, ok.headers.get('location')]).toEqual([303, '/portal']);
    expect(await (await page('/portal', cookie)).text()).toContain('lang="fr"');
    // The way back is a portal page, never another site.
    const away = await post({ locale: 'en', _csrf: csrf, back: 'https://evil.example/' });
    expect(away.headers.get('location')).toBe('/portal');
  });

  it('shows another account’s ids as missing (404), like the API', async () => {
    const { cookie } = await signIn();
    const res = await page('/portal/subscriptions/sub_voxa_connect', cookie);
    expect([res.status, await codeOf(res)]).toEqual([404, 'resource_missing']);
  });

  it('never logs a link’s token', async () => {
    const url = await link();
    await open(url);
    const token = url.split('/').pop()!;
    expect(JSON.stringify(logs)).not.toContain(token);
    expect(JSON.stringify(logs)).toContain('/portal/login/[redacted]');
  });
});

describe('npm run portal:link -- <userId>', () => {
  const portalLink = (args: string[]) =>
    promisify(execFile)(process.execPath, ['--import', 'tsx', 'scripts/portal-link.ts', ...args], {
      cwd: path.resolve(__dirname, '..', '..'),
      env: { ...process.env, API_URL: api.url },
    }).catch((err: { code: number; stdout: string; stderr: string }) => err);

  it('prints a working link, and says why when there is none', async () => {
    const printed = await portalLink(['usr_uma']);
    const url = /^(http:\S+)$/m.exec(printed.stdout)?.[1];
    expect(url).toMatch(/\/portal\/login\//);
    expect((await open(url!)).status).toBe(303);
    expect(await portalLink(['usr_nobody'])).toMatchObject({
      code: 1,
      stderr: expect.stringMatching(/No link for usr_nobody/),
    });
    expect(await portalLink([])).toMatchObject({ code: 2, stderr: expect.stringMatching(/^usage:/) });
  });
});
