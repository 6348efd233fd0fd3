// The portal's session rules (API.md v1.2, portal sessions): plain values, one home for each.

/** A portal link signs its user in once, within 5 minutes of its creation. */
export const PortalLinkTtlMs = 5 * 60 * 1000;
/** A portal session ends after an hour without a request. */
export const PortalIdleTimeoutMs = 60 * 60 * 1000;
/** A session's last activity is written at most this often, so that reading a page is not a write each time. */
export const PortalTouchIntervalMs = 60 * 1000;

export const PortalLocales = ['en', 'fr'] as const;
export type PortalLocale = (typeof PortalLocales)[number];
