/** What a signed-in portal request carries, for the routes and the pages. */
import type { UserPrincipal } from '../api/auth';
import type { Services } from '../api/services/context';
import type { PortalSessionRecord } from '../db/portal';
import type { Chrome, FormSecrets } from './html';
import type { Say } from './views/common';

/** What a signed-in request carries (res.locals.portal). */
export interface Portal {
  services: Services;
  session: PortalSessionRecord;
  principal: UserPrincipal;
  s: Say;
  secrets: FormSecrets;
  chrome: Chrome;
}

declare module 'express-serve-static-core' {
  interface Locals {
    portal?: Portal;
  }
}
