/**
 * Portal links for the demo and for operators: POST /v1/portal-sessions (API.md v1.2) on a running API, with a
 * service token, as the provider's console does it.
 */
import { buildDemoFixture, DEMO_TOKENS } from '../demo-fixture';

export interface PortalLink {
  url: string;
  expiresAt: string;
}

export class PortalLinkError extends Error {}

export async function requestPortalLink(
  apiUrl: string,
  token: string,
  userId: string,
  returnUrl?: string,
): Promise<PortalLink> {
  let res: Response;
  try {
    res = await fetch(`${apiUrl}/v1/portal-sessions`, {
      method: 'POST',
      headers: { authorization: `Bearer ${token}`, 'content-type': 'application/json' },
      body: JSON.stringify({ userId, ...(returnUrl ? { returnUrl } : {}) }),
      signal: AbortSignal.timeout(15_000),
    });
  } catch (err) {
    throw new PortalLinkError(
      `The API at ${apiUrl} does not answer (${(err as Error).message}): is \`npm start\` running?`,
    );
  }
  const body = (await res.json().catch(() => null)) as
    (PortalLink & { error?: undefined }) | { error: { code: string; message: string } } | null;
  if (res.status === 201 && body && !body.error) return { url: body.url, expiresAt: body.expiresAt };
  const why = body?.error ? `${body.error.code}: ${body.error.message}` : `HTTP ${res.status}`;
  if (res.status === 401)
    throw new PortalLinkError(
      `The service token was refused (${why}). A database seeded before service tokens existed lacks the demo's: ` +
        'start afresh with `rm -rf .data`, or set PORTAL_SERVICE_TOKEN to a service token of yours.',
    );
  if (res.status === 403)
    throw new PortalLinkError(
      `The token is not a service token (${why}): set PORTAL_SERVICE_TOKEN to one (a fixture's serviceTokens).`,
    );
  throw new PortalLinkError(`No link for ${userId} (${why}).`);
}

/** One link per demo customer user, for `npm start`'s closing lines (asked for first, then said together). */
export async function sayDemoPortalLinks(say: (line: string) => void, apiUrl: string): Promise<void> {
  const users = (buildDemoFixture().accounts ?? []).flatMap((a) => a.users ?? []);
  const lines: string[] = [];
  for (const user of users) {
    try {
      const link = await requestPortalLink(apiUrl, DEMO_TOKENS.adminConsole, user.id);
      lines.push(`    ${`${user.email} (${user.id})`.padEnd(34)} ${link.url}`);
    } catch (err) {
      lines.push(`    ${(err as Error).message}`);
      break;
    }
  }
  say(
    '  Self-service portal (each link signs in once, within 5 minutes; `npm run portal:link -- <userId>` for another):',
  );
  for (const line of lines) say(line);
}
