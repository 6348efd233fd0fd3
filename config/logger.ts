import pino, { type Logger } from 'pino';

export type { Logger };

/**
 * One structured JSON logger per process. Tokens, authorization headers and addresses are redacted
 * wherever they appear, so a secret never reaches a log line.
 */
export function createLogger(options: { level: string; name: string }): Logger {
  return pino({
    name: options.name,
    level: options.level,
    base: { service: options.name },
    timestamp: pino.stdTimeFunctions.isoTime,
    redact: {
      paths: [
        'req.headers.authorization',
        'req.headers.cookie',
        'headers.authorization',
        'authorization',
        'token',
        '*.token',
        'apiKey',
        '*.apiKey',
        'billingAddress',
        '*.billingAddress',
        'verification',
        '*.verification',
      ],
      censor: '[redacted]',
    },
  });
}
