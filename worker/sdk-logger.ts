import type { LogLevel, LogMetadata, Logger as TemporalLogger } from '@temporalio/common';
import type { Logger } from '../config/logger';

const LEVELS: Record<LogLevel, 'trace' | 'debug' | 'info' | 'warn' | 'error'> = {
  TRACE: 'trace',
  DEBUG: 'debug',
  INFO: 'info',
  WARN: 'warn',
  ERROR: 'error',
};

/**
 * Temporal's Logger interface on top of pino, for `Runtime.install({ logger })`: the SDK's own
 * messages, the Rust core's (forwarded) and those of workflow `log` / activity `log` all become
 * JSON lines of the worker's logger, carrying the SDK's metadata (`workflowId`, `runId`,
 * `activityType`, `sdkComponent`, …) as fields so they correlate with the API's lines.
 */
export function temporalLoggerFor(logger: Logger): TemporalLogger {
  const sdk = logger.child({ component: 'temporal-sdk' });
  const log = (level: LogLevel, message: string, meta?: LogMetadata) =>
    sdk[LEVELS[level] ?? 'info'](meta ?? {}, message);
  return {
    log,
    trace: (message, meta) => log('TRACE', message, meta),
    debug: (message, meta) => log('DEBUG', message, meta),
    info: (message, meta) => log('INFO', message, meta),
    warn: (message, meta) => log('WARN', message, meta),
    error: (message, meta) => log('ERROR', message, meta),
  };
}
