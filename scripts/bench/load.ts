/**
 * The two load generators of the benchmark, both outside the processes they measure:
 *   - `closedLoop`: `clients` loops, each sending its next request as soon as the last answered (the
 *     Temporal client's Update-with-Start, for the ceiling and for starting pending cancellations);
 *   - `httpLoad`: autocannon against the API, `clients` connections, one request in flight on each.
 */
import autocannon from 'autocannon';

export interface LoadResult {
  clients: number;
  requests: number;
  ok: number;
  errors: number;
  seconds: number;
  perSecond: number;
  p50: number;
  p95: number;
  p99: number;
}

const percentile = (sorted: number[], p: number) =>
  sorted.length ? sorted[Math.min(sorted.length - 1, Math.ceil((p / 100) * sorted.length) - 1)] : NaN;

/** Runs `send(i)` for i in [0, requests) on `clients` concurrent loops; a throw counts as an error. */
export async function closedLoop(
  clients: number,
  requests: number,
  send: (i: number) => Promise<unknown>,
): Promise<LoadResult> {
  const latencies: number[] = [];
  let next = 0;
  let errors = 0;
  let firstError: unknown;
  const t0 = performance.now();
  await Promise.all(
    Array.from({ length: clients }, async () => {
      while (next < requests) {
        const i = next++;
        const began = performance.now();
        try {
          await send(i);
          latencies.push(performance.now() - began);
        } catch (err) {
          errors++;
          firstError ??= err;
        }
      }
    }),
  );
  const seconds = (performance.now() - t0) / 1000;
  if (firstError) process.stderr.write(`first error of ${errors}: ${String(firstError)}\n`);
  latencies.sort((a, b) => a - b);
  return {
    clients,
    requests,
    ok: latencies.length,
    errors,
    seconds,
    perSecond: latencies.length / seconds,
    p50: percentile(latencies, 50),
    p95: percentile(latencies, 95),
    p99: percentile(latencies, 99),
  };
}

export interface HttpRequestSpec {
  path: string;
  headers: Record<string, string>;
  body: string;
}

/** POSTs `requests` requests, the i-th built by `request(i)`, over `clients` connections; 201 counts as ok. */
export async function httpLoad(
  baseUrl: string,
  clients: number,
  requests: number,
  request: (i: number) => HttpRequestSpec,
): Promise<LoadResult> {
  let next = 0;
  const latencies: number[] = [];
  const statuses = new Map<number, number>();
  const t0 = performance.now();
  // Until the last answer (or failed request), as the ceiling's load counts: autocannon reports the end of a
  // run with `amount` on its once-a-second tick, which rounded every phase up to a whole number of seconds
  // (8.01, 9.02, 10.02 s for 300 requests) and understated the rate by up to a second's worth.
  let lastAnswer = t0;
  await new Promise<void>((resolve, reject) => {
    const instance = autocannon(
      {
        url: baseUrl,
        connections: clients,
        pipelining: 1,
        amount: requests,
        timeout: 30,
        requests: [
          {
            method: 'POST',
            setupRequest: (req) => {
              const spec = request(next++);
              return { ...req, method: 'POST', path: spec.path, headers: spec.headers, body: spec.body };
            },
          },
        ],
      },
      (err) => (err ? reject(err) : resolve()),
    );
    instance.on('reqError', () => {
      lastAnswer = performance.now();
    });
    instance.on('response', (_client, statusCode, _bytes, responseTime) => {
      lastAnswer = performance.now();
      statuses.set(statusCode, (statuses.get(statusCode) ?? 0) + 1);
      if (statusCode === 201) latencies.push(responseTime);
    });
  });
  const seconds = Math.max(lastAnswer - t0, 1) / 1000;
  const others = [...statuses].filter(([code]) => code !== 201);
  if (others.length) process.stderr.write(`answers other than 201: ${JSON.stringify(Object.fromEntries(others))}\n`);
  latencies.sort((a, b) => a - b);
  return {
    clients,
    requests,
    ok: latencies.length,
    errors: requests - latencies.length,
    seconds,
    perSecond: latencies.length / seconds,
    p50: percentile(latencies, 50),
    p95: percentile(latencies, 95),
    p99: percentile(latencies, 99),
  };
}
