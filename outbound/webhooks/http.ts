// One delivery attempt of a webhook: a single POST, its outcome reported as data. Retries, backoff and what counts as
// delivered belong to the caller, which is why nothing here throws.
//
// node:http rather than fetch: fetch cannot take a custom DNS lookup, and the lookup is where the address actually
// connected to is checked (DNS rebinding: a name that resolved to a public address when the URL was registered may
// resolve to 127.0.0.1 now).

import { lookup as dnsLookup } from 'node:dns';
import { request as httpRequest, type ClientRequest, type IncomingMessage } from 'node:http';
import { request as httpsRequest } from 'node:https';
import { isIP, type LookupFunction } from 'node:net';
import { performance } from 'node:perf_hooks';

import { hostOf, isPublicAddress, schemeError } from './address';

export interface PostWebhookInput {
  url: string | URL;
  headers: Record<string, string>;
  body: string;
  /** Development and tests only: allows http and private, loopback and link-local addresses. */
  allowPrivate: boolean;
  /** Bounds the whole attempt, connection included, so that a slow receiver cannot hold a worker. */
  timeoutMs?: number;
  /** How much of the response body is kept, for showing the subscriber what its endpoint answered. */
  maxResponseBytes?: number;
}

export interface DeliveryAttempt {
  /** The HTTP status, whenever the receiver answered one (even if the attempt then failed, e.g. timed out). */
  status: number | null;
  /** Why the attempt did not complete: refused by us, a network failure, a timeout. Null when it completed. */
  error: string | null;
  latencyMs: number;
  /** At most maxResponseBytes of the response body, decoded as UTF-8. */
  responseBody: string;
}

/**
 * Resolves the name as Node would, then refuses the connection unless every address is public: with `all: true`
 * Node may try each of them in turn, and refusing on any keeps this in line with checkWebhookUrl.
 */
const publicOnlyLookup: LookupFunction = (hostname, options, callback) => {
  dnsLookup(hostname, { ...options, all: true }, (err, addresses) => {
    if (err) return callback(err, '');
    const refused = addresses.find(({ address }) => !isPublicAddress(address));
    if (refused) return callback(new Error(`address not allowed: ${refused.address}`), '');
    if (addresses.length === 0) return callback(new Error(`${hostname} did not resolve`), '');
    if (options.all) return callback(null, addresses);
    return callback(null, addresses[0].address, addresses[0].family);
  });
};

/** A short message for a failed attempt. Node's AggregateError (one failure per address tried) has no message. */
function describe(err: unknown): string {
  if (err instanceof AggregateError && err.message === '') {
    return [...new Set(err.errors.map(describe))].join('; ');
  }
  if (err instanceof Error) return err.message || (err as NodeJS.ErrnoException).code || err.name;
  return String(err);
}

/** POSTs `body` to `url` once, never follows a redirect (a 3xx is just a status), and never throws. */
export function postWebhook({
  url,
  headers,
  body,
  allowPrivate,
  timeoutMs = 10_000,
  maxResponseBytes = 1024,
}: PostWebhookInput): Promise<DeliveryAttempt> {
  const started = performance.now();
  const outcome = (status: number | null, error: string | null, responseBody = ''): DeliveryAttempt => ({
    status,
    error,
    latencyMs: Math.round(performance.now() - started),
    responseBody,
  });

  let target: URL;
  try {
    target = new URL(url);
  } catch {
    return Promise.resolve(outcome(null, 'invalid url'));
  }
  const scheme = schemeError(target, allowPrivate);
  if (scheme !== null) return Promise.resolve(outcome(null, scheme));
  // Node skips the lookup for an IP literal, so the address is checked here instead.
  const host = hostOf(target);
  if (!allowPrivate && isIP(host) !== 0 && !isPublicAddress(host)) {
    return Promise.resolve(outcome(null, `address not allowed: ${host}`));
  }

  return new Promise((resolve) => {
    let settled = false;
    let status: number | null = null;
    const kept: Buffer[] = [];
    let keptBytes = 0;
    let timer: NodeJS.Timeout | undefined;
    const finish = (error: string | null): void => {
      if (settled) return;
      settled = true;
      clearTimeout(timer);
      resolve(outcome(status, error, Buffer.concat(kept).toString('utf8')));
    };

    const onResponse = (res: IncomingMessage): void => {
      status = res.statusCode ?? null;
      res.on('data', (chunk: Buffer) => {
        const room = maxResponseBytes - keptBytes;
        if (room > 0) {
          const part = chunk.subarray(0, room);
          kept.push(part);
          keptBytes += part.length;
        }
        // Enough kept: the rest is not read, so that an endless body costs nothing more.
        if (keptBytes >= maxResponseBytes) {
          finish(null);
          req.destroy();
        }
      });
      res.on('end', () => finish(null));
      res.on('error', (err) => finish(describe(err)));
      res.on('close', () => finish(res.complete ? null : 'connection closed before the response ended'));
    };

    const options = {
      method: 'POST',
      headers: { ...headers, 'content-length': String(Buffer.byteLength(body)) },
      // A fresh connection per attempt: a pooled one could have been opened by an allowPrivate request, or to an
      // address the name no longer resolves to, and would skip the lookup check.
      agent: false as const,
      ...(allowPrivate ? {} : { lookup: publicOnlyLookup }),
    };
    let req: ClientRequest;
    try {
      req =
        target.protocol === 'https:'
          ? httpsRequest(target, options, onResponse)
          : httpRequest(target, options, onResponse);
    } catch (err) {
      // Node validates headers synchronously (e.g. a newline in a value).
      finish(describe(err));
      return;
    }
    req.on('error', (err) => finish(describe(err)));
    timer = setTimeout(() => {
      finish(`timed out after ${timeoutMs} ms`);
      req.destroy();
    }, timeoutMs);
    req.end(body);
  });
}
