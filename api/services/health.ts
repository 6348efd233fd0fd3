import { pingDatabase } from '../../db/health';
import { ApiError, UNAVAILABLE_RETRY_AFTER_S } from '../errors';
import type { Services } from './context';

const CHECK_TIMEOUT_MS = 2_000;

function withTimeout<T>(promise: Promise<T>, ms: number): Promise<T> {
  let timer: NodeJS.Timeout | undefined;
  const timeout = new Promise<never>((_, reject) => {
    timer = setTimeout(() => reject(new Error(`no answer within ${ms} ms`)), ms);
  });
  return Promise.race([promise, timeout]).finally(() => clearTimeout(timer));
}

/**
 * Ready when the database answers `SELECT 1` and the Temporal frontend answers GetSystemInfo. The
 * answer says which dependency is down, never why (the log line does).
 */
export async function readiness(services: Services) {
  const [database, temporal] = await Promise.allSettled([
    withTimeout(pingDatabase(services.db), CHECK_TIMEOUT_MS),
    // The deadline bounds the call; the timeout also bounds a first (lazy) connection attempt.
    withTimeout(
      (async () => {
        const { client } = services.workflows;
        await client.connection.withDeadline(Date.now() + CHECK_TIMEOUT_MS, () =>
          client.workflowService.getSystemInfo({}),
        );
      })(),
      CHECK_TIMEOUT_MS,
    ),
  ]);
  const checks = {
    database: database.status === 'fulfilled' ? ('ok' as const) : ('unavailable' as const),
    temporal: temporal.status === 'fulfilled' ? ('ok' as const) : ('unavailable' as const),
  };
  if (checks.database === 'ok' && checks.temporal === 'ok') {
    return { status: 'ready' as const, checks: { database: 'ok' as const, temporal: 'ok' as const } };
  }
  services.logger.warn(
    {
      database: database.status === 'rejected' ? String(database.reason) : 'ok',
      temporal: temporal.status === 'rejected' ? String(temporal.reason) : 'ok',
    },
    'not ready',
  );
  const down = Object.entries(checks)
    .filter(([, v]) => v !== 'ok')
    .map(([k]) => k);
  throw new ApiError('api_error', 'not_ready', `Not ready: ${down.join(' and ')} unreachable.`, {
    status: 503,
    details: { checks },
    retryAfterSeconds: UNAVAILABLE_RETRY_AFTER_S,
  });
}
