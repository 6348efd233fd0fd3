// A webhook URL is chosen by a customer, and the request to it is made from inside our network. Without these
// checks a URL could make us call our own services, a cloud metadata endpoint (169.254.169.254) or anything else
// only reachable from here (server-side request forgery). Names are checked when registered (checkWebhookUrl) and
// again when connected to (http.ts), since a name's DNS answer can change in between.

import { promises as dns } from 'node:dns';
import { BlockList, isIP } from 'node:net';

const MAX_URL_LENGTH = 2048;

/** Addresses that are not on the public internet: private, shared, loopback, link-local, documentation, multicast… */
const nonPublicRanges = {
  ipv4: [
    ['0.0.0.0', 8], // "this network"
    ['10.0.0.0', 8], // private
    ['100.64.0.0', 10], // carrier-grade NAT
    ['127.0.0.0', 8], // loopback
    ['169.254.0.0', 16], // link-local, where cloud metadata services live
    ['172.16.0.0', 12], // private
    ['192.0.0.0', 24], // IETF protocol assignments
    ['192.0.2.0', 24], // documentation
    ['192.168.0.0', 16], // private
    ['198.18.0.0', 15], // benchmarking
    ['198.51.100.0', 24], // documentation
    ['203.0.113.0', 24], // documentation
    ['224.0.0.0', 4], // multicast
    ['240.0.0.0', 4], // reserved, and the broadcast address 255.255.255.255
  ],
  ipv6: [
    ['::', 128], // unspecified
    ['::1', 128], // loopback
    ['fc00::', 7], // unique local
    ['fe80::', 10], // link-local
    ['ff00::', 8], // multicast
    ['2001:db8::', 32], // documentation
    ['64:ff9b::', 96], // NAT64: reaches IPv4 addresses through a translator, private ones included
  ],
} as const;

const nonPublic = new BlockList();
for (const family of ['ipv4', 'ipv6'] as const) {
  for (const [network, prefix] of nonPublicRanges[family]) nonPublic.addSubnet(network, prefix, family);
}

/**
 * The IPv4 address inside an IPv4-mapped IPv6 address (`::ffff:a.b.c.d`), in whichever of its spellings
 * (`::ffff:7f00:1`, `0:0:0:0:0:ffff:127.0.0.1`, …); null for any other address. The URL parser gives the one
 * canonical spelling, so only that needs matching. Node 20's BlockList happens to match these against IPv4 rules
 * too, but its documentation does not promise it, so the rule does not rest on it.
 */
function mappedIPv4(ipv6: string): string | null {
  const canonical = new URL(`http://[${ipv6}]/`).hostname;
  const match = /^\[::ffff:([0-9a-f]{1,4}):([0-9a-f]{1,4})\]$/.exec(canonical);
  if (!match) return null;
  const high = parseInt(match[1], 16);
  const low = parseInt(match[2], 16);
  return [high >> 8, high & 0xff, low >> 8, low & 0xff].join('.');
}

/** Whether `ip` is an address on the public internet. Anything that is not an IP address is not. */
export function isPublicAddress(ip: string): boolean {
  const family = isIP(ip);
  if (family === 4) return !nonPublic.check(ip, 'ipv4');
  if (family !== 6) return false;
  // A zone id (fe80::1%eth0) only exists for scoped, hence non-public, addresses.
  if (ip.includes('%')) return false;
  const embedded = mappedIPv4(ip);
  if (embedded !== null) return isPublicAddress(embedded);
  return !nonPublic.check(ip, 'ipv6');
}

/** The URL's host as an address or name: IPv6 literals come bracketed from the URL parser. */
export function hostOf(url: URL): string {
  return url.hostname.startsWith('[') ? url.hostname.slice(1, -1) : url.hostname;
}

/**
 * Why the URL's scheme is refused, or null: https only, and plain http too when private addresses are allowed
 * (development and tests, where the receiver runs on this machine).
 */
export function schemeError(url: URL, allowPrivate: boolean): string | null {
  if (url.protocol === 'https:' || (allowPrivate && url.protocol === 'http:')) return null;
  return allowPrivate ? 'url must use http or https' : 'url must use https';
}

export type WebhookUrlCheck = { ok: true; url: URL } | { ok: false; message: string };

/**
 * Whether a customer's webhook URL may be registered. `allowPrivate` is for development and tests, where the
 * receiver runs on this machine over plain http. Messages are meant for the API's error answer.
 */
export async function checkWebhookUrl(
  raw: string,
  { allowPrivate }: { allowPrivate: boolean },
): Promise<WebhookUrlCheck> {
  if (raw.length > MAX_URL_LENGTH) return { ok: false, message: `url must be at most ${MAX_URL_LENGTH} characters` };
  let url: URL;
  try {
    url = new URL(raw);
  } catch {
    return { ok: false, message: 'url must be a valid absolute url' };
  }
  // Credentials in a URL end up in logs and in our database in clear; receivers authenticate us by the signature.
  if (url.username !== '' || url.password !== '') {
    return { ok: false, message: 'url must not contain a username or password' };
  }
  const scheme = schemeError(url, allowPrivate);
  if (scheme !== null) return { ok: false, message: scheme };
  if (allowPrivate) return { ok: true, url };

  const host = hostOf(url);
  if (isIP(host) !== 0) {
    return isPublicAddress(host)
      ? { ok: true, url }
      : { ok: false, message: 'url points to a private, loopback or link-local address' };
  }
  const addresses = await dns.lookup(host, { all: true }).catch(() => []);
  if (addresses.length === 0) return { ok: false, message: 'url host does not resolve' };
  // Any one private address is enough to refuse: which of them a connection uses is not ours to choose.
  if (!addresses.every(({ address }) => isPublicAddress(address))) {
    return { ok: false, message: 'url resolves to a private, loopback or link-local address' };
  }
  return { ok: true, url };
}
