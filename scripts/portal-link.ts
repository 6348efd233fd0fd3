/**
 * `npm run portal:link -- <userId> [--return-url <url>]`: prints a fresh portal link for the user (single use,
 * valid 5 minutes), asking the running API (API_URL, default http://127.0.0.1:$PORT) with a service token
 * (PORTAL_SERVICE_TOKEN, default the demo's).
 */
import { DEFAULT_API_PORT } from '../config';
import { DEMO_TOKENS } from './demo-fixture';
import { PortalLinkError, requestPortalLink } from './lib/portal-links';

const USAGE = 'usage: npm run portal:link -- <userId> [--return-url <url>]\n';

async function main(args: string[]): Promise<number> {
  let userId: string | undefined;
  let returnUrl: string | undefined;
  for (let i = 0; i < args.length; i++) {
    if (args[i] === '--return-url' && args[i + 1]) returnUrl = args[++i];
    else if (!args[i].startsWith('-') && userId === undefined) userId = args[i];
    else {
      process.stderr.write(USAGE);
      return 2;
    }
  }
  if (!userId) {
    process.stderr.write(USAGE);
    return 2;
  }
  // An empty variable counts as unset, as it does for the API's own settings.
  const port = process.env.PORT || DEFAULT_API_PORT;
  const apiUrl = (process.env.API_URL || `http://127.0.0.1:${port}`).replace(/\/+$/, '');
  const token = process.env.PORTAL_SERVICE_TOKEN || DEMO_TOKENS.adminConsole;
  try {
    const link = await requestPortalLink(apiUrl, token, userId, returnUrl);
    process.stdout.write(`${link.url}\n(single use, until ${link.expiresAt})\n`);
    return 0;
  } catch (err) {
    if (!(err instanceof PortalLinkError)) throw err;
    process.stderr.write(`${err.message}\n`);
    return 1;
  }
}

main(process.argv.slice(2)).then(
  (code) => process.exit(code),
  (err: unknown) => {
    process.stderr.write(`${(err as Error).message}\n`);
    process.exit(1);
  },
);
