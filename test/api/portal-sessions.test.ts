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
import { sayDemoPortalLinks } from '../../scripts/lib/portal-links';
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

/** Opens a link on `on`, whatever origin it names (PUBLIC_URL is a proxy's, which these tests do without). */
const open = (url: string, on = api) => fetch(url.replace(/^https?:\/\/[^/]+/, on.url), { redirect: 'manual' });
const cookieOf = (res: Response) => (res.headers.get('set-cookie') ?? '').split(';')[0];
const page = (path: string, cookie: string, init: RequestInit = {}, on = api) =>
  fetch(`${on.url}${path}`, { redirect: 'manual', ...init, headers: { cookie, ...(init.headers ?? {}) } });
/** A portal form as the browser sends it. */
const submit = (path: string, cookie: string, fields: Record<string, string>, headers = {}, on = api) =>
  page(
    path,
    cookie,
    {
      method: 'POST',
      headers: { 'content-type': 'application/x-www-form-urlencoded', ...headers },
      body: new URLSearchParams(fields).toString(),
    },
    on,
  );
const codeOf = async (res: Response) => /data-code="([^"]+)"/.exec(await res.text())?.[1];

/** The CSRF token of the forms on /portal for the session `cookie` names. */
async function csrfOf(cookie: string, on = api): Promise<string> {
  const csrf = /name="_csrf" value="([^"]+)"/.exec(await (await page('/portal', cookie, {}, on)).text())?.[1];
  if (!csrf) throw new Error('no CSRF token on /portal');
  return csrf;
}

async function signIn(userId = 'usr_ada'): Promise<{ cookie: string; csrf: string }> {
  const cookie = cookieOf(await open(await link(userId)));
  return { cookie, csrf: await csrfOf(cookie) };
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
    const opened = await open(res.body.url, onPublicUrl);
    expect(opened.headers.get('set-cookie')).toMatch(/; SameSite=Strict; Secure$/);
    // The browser's forms come from the public origin, not from this hop's http://host.
    const cookie = cookieOf(opened);
    const csrf = await csrfOf(cookie, onPublicUrl);
    const form = (origin: string) =>
      submit('/portal/language', cookie, { locale: 'fr', _csrf: csrf }, { origin }, onPublicUrl);
    expect((await form('https://billing.example.com')).status).toBe(303);
    expect((await form('https://evil.example')).status).toBe(403);
  });

  it('P12: refuses customer users and support agents (403): only a service token mints links', async () => {
    for (const token of [DEMO_TOKENS.acmeBillingAdmin, DEMO_TOKENS.supportAgent]) {
      const res = await mint({ userId: 'usr_ada' }, bearer(token));
      expectError(res, 403, 'permission_error', 'permission_denied');
    }
    expectError(await mint({ userId: 'usr_ada' }, {}), 401, 'authentication_error');
  });

  it('answers 404 for an unknown user, 400 invalid_body for a bad body or returnUrl', async () => {
    expect(expectError(await mint({ userId: 'usr_nobody' }), 404, 'not_found', 'resource_missing').param).toBe(
      'userId',
    );
    for (const returnUrl of ['ftp://console.example.com', '/relative', 'javascript:alert(1)', 'https://a b']) {
      const error = expectError(await mint({ userId: 'usr_ada', returnUrl }), 400, 'invalid_request_error');
      expect([returnUrl, error.code, error.param]).toEqual([returnUrl, 'invalid_body', 'returnUrl']);
    }
    for (const [body, param] of [
      [{}, 'userId'],
      [{ userId: 42 }, 'userId'],
      [{ userId: 'usr ada' }, 'userId'],
      [{ userId: 'usr_ada', extra: 1 }, 'extra'],
    ] as const) {
      const error = expectError(await mint(body), 400, 'invalid_request_error', 'invalid_body');
      expect([body, error.param]).toEqual([body, param]);
    }
    // API.md's order: the body (400) is checked before the kind of caller (403).
    expectError(await mint({}, bearer(DEMO_TOKENS.acmeBillingAdmin)), 400, 'invalid_request_error', 'invalid_body');
  });

  it('keeps a service token to portal sessions: every other endpoint answers it 403', async () => {
    const call = (method: string, path: string, body?: unknown) =>
      fetch(`${api.url}${path}`, {
        method,
        headers: { 'content-type': 'application/json', ...bearer(SERVICE) },
        body: body === undefined ? undefined : JSON.stringify(body),
      }).then(async (res) => ({ status: res.status, body: (await res.json()) as never }));
    for (const [method, path, body] of [
      ['GET', '/v1/subscriptions/sub_acme_webinar', undefined],
      ['GET', '/v1/accounts/acc_acme/products', undefined],
      ['POST', '/v1/cancellations', { subscriptionId: 'sub_acme_webinar' }],
    ] as const) {
      const res = await call(method, path, body);
      expect([path, res.status]).toEqual([path, 403]);
      expectError(res, 403, 'permission_error', 'permission_denied');
    }
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
    const [inTime, url] = [await link(), await link()];
    now = new Date(now.getTime() + PortalLinkTtlMs - 1);
    expect((await open(inTime)).status).toBe(303);
    now = new Date(now.getTime() + 1);
    const late = await open(url);
    expect([late.status, await codeOf(late)]).toEqual([401, 'link_invalid']);
    for (const token of ['A'.repeat(43), 'short', '..%2F..%2Fetc']) {
      const res = await fetch(`${api.url}/portal/login/${token}`, { redirect: 'manual' });
      expect([token, res.status, await codeOf(res)]).toEqual([token, 401, 'link_invalid']);
    }
  });

  it('ends a session after an hour without a request (each request restarts the hour), and at sign-out', async () => {
    const idle = await signIn();
    now = new Date(now.getTime() + PortalIdleTimeoutMs - 1000);
    expect((await page('/portal', idle.cookie)).status).toBe(200);
    now = new Date(now.getTime() + PortalIdleTimeoutMs - 1000);
    expect((await page('/portal', idle.cookie)).status).toBe(200);
    now = new Date(now.getTime() + PortalIdleTimeoutMs);
    const expired = await page('/portal', idle.cookie);
    expect([expired.status, await codeOf(expired)]).toEqual([401, 'session_expired']);

    const active = await signIn();
    const out = await submit('/portal/sign-out', active.cookie, { _csrf: active.csrf });
    expect(out.status).toBe(303);
    expect(out.headers.get('location')).toBe('/portal/signed-out');
    expect(out.headers.get('set-cookie')).toMatch(
      /^portal_session=; Path=\/portal; HttpOnly; SameSite=Strict; Max-Age=0$/,
    );
    expect((await page('/portal', active.cookie)).status).toBe(401);
  });

  it('refuses a form without the session’s CSRF token, or sent from another origin (403 csrf_failed)', async () => {
    const { cookie, csrf } = await signIn();
    const post = (fields: Record<string, string>, headers = {}) => submit('/portal/language', cookie, fields, headers);
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

  it('P4, P11: refuses the review of an ineligible cancellation with the preview’s advice, in the reader’s language', async () => {
    const { cookie, csrf } = await signIn('usr_uma');
    const res = await page('/portal/subscriptions/sub_umbrella_webinar/cancel', cookie, {
      method: 'POST',
      headers: { 'content-type': 'application/x-www-form-urlencoded', 'accept-language': 'fr-FR' },
      body: new URLSearchParams({ _csrf: csrf, idempotencyKey: randomUUID(), reasonCode: 'too_expensive' }).toString(),
    });
    const html = await res.text();
    expect(res.status).toBe(422);
    expect(html).toContain('data-code="outstanding_balance" data-status="422"');
    expect(html).toContain('lang="fr"');
    const item = /<li data-refusal="outstanding_balance">([\s\S]*?)<\/li>/.exec(html)?.[1] ?? '';
    expect(item).toContain('12,00\u00a0€'); // the open invoice's amount, said the French way
  });

  it('never logs a link’s token nor the session’s, whatever the case of the path', async () => {
    const [url, shouted] = [await link(), await link()];
    const session = cookieOf(await open(url));
    await page('/portal', session);
    // Express routes ignore case: this one opens the link as well, so its token must not be logged either.
    const loud = await open(shouted.replace('/portal/login/', '/PORTAL/LOGIN/'));
    expect(loud.status).toBe(303);
    const logged = JSON.stringify(logs);
    for (const secret of [url, shouted, session].map((s) => s.split(/[/=]/).pop()!)) {
      expect(secret).toHaveLength(43);
      expect(logged).not.toContain(secret);
    }
    expect(logged).toContain('/portal/login/[redacted]');
  });
});

describe('npm run portal:link -- <userId>, and npm start’s links', () => {
  const { API_URL: _u, PORT: _p, PORTAL_SERVICE_TOKEN: _t, ...withoutSettings } = process.env;
  const portalLink = (args: string[], env: Record<string, string> = { API_URL: api.url }) =>
    promisify(execFile)(process.execPath, ['--import', 'tsx', 'scripts/portal-link.ts', ...args], {
      cwd: path.resolve(__dirname, '..', '..'),
      env: { ...withoutSettings, ...env },
    }).catch((err: { code: number; stdout: string; stderr: string }) => err);
  const failed = (code: number, stderr: RegExp) => ({ code, stderr: expect.stringMatching(stderr) });

  it('prints a working link, and says why when there is none', async () => {
    const printed = await portalLink(['usr_uma', '--return-url', 'https://console.example.com/']);
    const url = /^(http:\S+)$/m.exec(printed.stdout)?.[1];
    expect(url).toMatch(/\/portal\/login\//);
    expect(printed.stdout).toContain(`single use, until ${new Date(now.getTime() + PortalLinkTtlMs).toISOString()}`);
    expect((await open(url!)).status).toBe(303);
    const unknown = await portalLink(['usr_nobody']);
    expect(unknown).toMatchObject(failed(1, /No link for usr_nobody/));
    expect(unknown.stderr).not.toContain(SERVICE);
    expect(await portalLink([])).toMatchObject(failed(2, /^usage:/));
    expect(await portalLink(['usr_uma', '--return-url'])).toMatchObject(failed(2, /^usage:/));
  });

  it('finds the API on PORT when API_URL is unset, and says when nothing answers there', async () => {
    const printed = await portalLink(['usr_uma'], { PORT: new URL(api.url).port });
    expect(printed.stdout).toMatch(new RegExp(`^${api.url}/portal/login/`));
    const closed = await listen({ db: tdb.db, workflows: noTemporalGateway(), logger: memoryLogger().logger });
    await closed.close();
    expect(await portalLink(['usr_uma'], { API_URL: closed.url })).toMatchObject(
      failed(1, new RegExp(`The API at ${closed.url} does not answer .*npm start`)),
    );
  });

  it('names the token as the problem when it is not a service token, and never prints it', async () => {
    const customer = await portalLink(['usr_uma'], {
      API_URL: api.url,
      PORTAL_SERVICE_TOKEN: DEMO_TOKENS.acmeBillingAdmin,
    });
    expect(customer).toMatchObject(failed(1, /not a service token.*PORTAL_SERVICE_TOKEN/));
    const unknown = await portalLink(['usr_uma'], { API_URL: api.url, PORTAL_SERVICE_TOKEN: 'no-such-token-here' });
    expect(unknown).toMatchObject(failed(1, /service token was refused/));
    expect(customer.stderr + unknown.stderr).not.toMatch(/demo-acme|no-such-token/);
  });

  it('gives npm start one working link per demo customer user, or one line saying why not', async () => {
    const users = (buildDemoFixture(now).accounts ?? []).flatMap((a) => a.users ?? []);
    const said: string[] = [];
    await sayDemoPortalLinks((line) => said.push(line), api.url);
    expect(said[0]).toMatch(/signs in once, within 5 minutes; `npm run portal:link -- <userId>`/);
    expect(said).toHaveLength(users.length + 1);
    for (const [i, user] of users.entries()) {
      expect(said[i + 1]).toContain(`${user.email} (${user.id})`);
      const res = await open(/(http:\S+)$/.exec(said[i + 1])![1]);
      expect(await (await page('/portal', cookieOf(res))).text()).toContain(user.email);
    }
    const down: string[] = [];
    await sayDemoPortalLinks((line) => down.push(line), 'http://127.0.0.1:1');
    expect(down).toEqual([expect.any(String), expect.stringMatching(/does not answer/)]);
  });
});
