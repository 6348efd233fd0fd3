import { z } from 'zod';
import { parseDatabaseUrl } from '../db/url';
import { DEVELOPMENT_SECRET_KEY, parseSecretKey } from '../outbound/webhooks/secret-box';
import { DEFAULT_WORKFLOW_STACK_TRACE_LIMIT, MAX_WORKFLOW_STACK_TRACE_LIMIT } from '../worker/workflow-bundle';

/**
 * The only module that reads process.env. Each process parses its own slice once at start-up and
 * stops with a message naming the variable when a value is bad.
 */

const logLevel = z.enum(['fatal', 'error', 'warn', 'info', 'debug', 'trace', 'silent']);
const port = z.coerce.number().int().min(0).max(65535);
/** A whole number in range; a variable set but empty counts as unset (its default), never as 0. */
const wholeNumber = <T extends z.ZodType<number | undefined>>(schema: (n: z.ZodCoercedNumber) => T) =>
  z.preprocess((v) => (v === '' ? undefined : v), schema(z.coerce.number().int()));
const optionalString = z
  .string()
  .optional()
  .transform((v) => (v === '' ? undefined : v));

const databaseUrl = z
  .string()
  .default('file:./.data/dev.db')
  .superRefine((value, ctx) => {
    try {
      parseDatabaseUrl(value);
    } catch (err) {
      ctx.addIssue({ code: 'custom', message: (err as Error).message });
    }
  });

const temporalShape = {
  TEMPORAL_ADDRESS: z.string().min(1).default('127.0.0.1:7233'),
  TEMPORAL_NAMESPACE: z.string().min(1).default('default'),
  TEMPORAL_TASK_QUEUE: z.string().min(1).default('cancellations'),
  /** Temporal Cloud API key; enables TLS unless TEMPORAL_TLS=false. */
  TEMPORAL_API_KEY: optionalString,
  TEMPORAL_TLS: z.enum(['true', 'false']).optional(),
  /** mTLS client certificate and key (PEM file paths), e.g. for Temporal Cloud with certificates. */
  TEMPORAL_TLS_CERT_PATH: optionalString,
  TEMPORAL_TLS_KEY_PATH: optionalString,
  /** Overrides the server name checked against the server's certificate. */
  TEMPORAL_TLS_SERVER_NAME: optionalString,
};

const commonShape = {
  DATABASE_URL: databaseUrl,
  LOG_LEVEL: logLevel.default('info'),
  ...temporalShape,
  NODE_ENV: optionalString,
};

/**
 * Webhooks (API.md v1.2), for the API (creating and rotating endpoints) and the worker (signing deliveries).
 * WEBHOOK_SECRET_KEY seals the signing secrets at rest (32 bytes, hex or base64); unset, a development key
 * is used, which NODE_ENV=production refuses. WEBHOOK_ALLOW_PRIVATE=true allows http:// and private,
 * loopback and link-local addresses (`npm start` and the tests set it; never in production).
 */
const webhookShape = {
  WEBHOOK_SECRET_KEY: optionalString.superRefine((value, ctx) => {
    if (value === undefined) return;
    try {
      parseSecretKey(value);
    } catch (err) {
      ctx.addIssue({ code: 'custom', message: (err as Error).message });
    }
  }),
  WEBHOOK_ALLOW_PRIVATE: z.enum(['true', 'false']).default('false'),
};

type WebhookEnv = { NODE_ENV?: string; WEBHOOK_SECRET_KEY?: string };
const productionKeyIsSet = (c: WebhookEnv) =>
  c.NODE_ENV !== 'production' ||
  (c.WEBHOOK_SECRET_KEY !== undefined && c.WEBHOOK_SECRET_KEY !== DEVELOPMENT_SECRET_KEY);
const productionKeyRule = {
  message: 'WEBHOOK_SECRET_KEY must be set to a key of your own when NODE_ENV=production',
  path: ['WEBHOOK_SECRET_KEY'],
};

/** The key that seals webhook secrets: WEBHOOK_SECRET_KEY, or the development default outside production. */
export const webhookSecretKey = (c: WebhookEnv): Buffer =>
  parseSecretKey(c.WEBHOOK_SECRET_KEY ?? DEVELOPMENT_SECRET_KEY);

/** The API's port when PORT is unset (also where `npm run portal:link` looks for it). */
export const DEFAULT_API_PORT = 3000;

const apiSchema = z
  .object({
    ...commonShape,
    ...webhookShape,
    PORT: port.default(DEFAULT_API_PORT),
    /** Comma-separated origins allowed by CORS; CORS stays off when unset. */
    CORS_ORIGINS: optionalString,
    /** API.md: every request answers within this many milliseconds, with a 503 past it. */
    REQUEST_DEADLINE_MS: wholeNumber((n) => n.min(100).max(600_000).default(10_000)),
    /**
     * The API's public origin (`https://billing.example.com`), which portal links are built on. Unset, the origin
     * the request came to (its Host header) is used: set it behind a proxy that rewrites Host.
     */
    PUBLIC_URL: z
      .url({ protocol: /^https?$/, error: 'expected an http:// or https:// URL' })
      .transform((u) => u.replace(/\/+$/, ''))
      .optional(),
  })
  .refine(productionKeyIsSet, productionKeyRule);

/**
 * The Temporal runtime's own Prometheus exporter binds 127.0.0.1:<port>; the worker's /metrics reads it
 * from there. `0` or `off` turns it off (null).
 */
const sdkMetricsPort = z
  .union([z.literal('off'), port], { error: 'expected a port number (0 or "off" turns the exporter off)' })
  .default(9464)
  .transform((v) => (v === 'off' || v === 0 ? null : v));

const workerSchema = z
  .object({
    ...commonShape,
    /** Worker's own HTTP port for /healthz, /readyz and /metrics; 0 picks a free port. */
    WORKER_HTTP_PORT: port.default(3001),
    /** Internal port of the Temporal SDK's metrics exporter, appended to the worker's /metrics. */
    WORKER_SDK_METRICS_PORT: sdkMetricsPort,
    /** Load this pre-built workflow bundle instead of bundling workflows/ at start-up. */
    WORKFLOW_BUNDLE_PATH: optionalString,
    /**
     * How many workflows the worker keeps in memory between their events. A waiting cancellation needs none
     * (its timer is on the server); one evicted from the cache replays its short history when it next wakes.
     */
    WORKER_MAX_CACHED_WORKFLOWS: wholeNumber((n) => n.min(0).max(1_000_000).default(500)),
    /**
     * Frames a stack trace keeps inside the workflows' context, the `__stack_trace` query's included
     * (worker/workflow-bundle.ts). Raise it (10 is V8's default) to read whole stacks while debugging.
     */
    WORKER_WORKFLOW_STACK_TRACE_LIMIT: wholeNumber((n) =>
      n.min(0).max(MAX_WORKFLOW_STACK_TRACE_LIMIT).default(DEFAULT_WORKFLOW_STACK_TRACE_LIMIT),
    ),
    /**
     * Fault injection for the fault tests only: after a decision's transaction commits, the activity waits this
     * long before returning, so a test can kill the worker inside that window. Refused with NODE_ENV=production.
     */
    FAULT_PAUSE_AFTER_DECISION_MS: wholeNumber((n) => n.min(0).max(600_000).optional()),
    ...webhookShape,
    /**
     * Where e-mails go: an SMTP URL (`smtp://user:pass@host:587`, `smtps://…`). Unset, e-mails are not sent and
     * notifications stay `pending` (`npm start` sets it to its local sink).
     */
    SMTP_URL: optionalString,
    /** The sender of the e-mails; its domain also names their Message-IDs. */
    MAIL_FROM: z.string().min(3).default('Subscription cancellations <no-reply@cancellations.localhost>'),
  })
  .refine(productionKeyIsSet, productionKeyRule)
  .refine((c) => !(c.NODE_ENV === 'production' && c.FAULT_PAUSE_AFTER_DECISION_MS), {
    message: 'fault injection (FAULT_PAUSE_AFTER_DECISION_MS) is refused when NODE_ENV=production',
    path: ['FAULT_PAUSE_AFTER_DECISION_MS'],
  });

export type ApiConfig = z.infer<typeof apiSchema>;
export type WorkerConfig = z.infer<typeof workerSchema>;
export type TemporalConfig = Pick<ApiConfig, keyof typeof temporalShape>;

export class ConfigError extends Error {
  override name = 'ConfigError';
}

function parse<T>(schema: z.ZodType<T>, env: NodeJS.ProcessEnv): T {
  const result = schema.safeParse(env);
  if (result.success) return result.data;
  const lines = result.error.issues.map((i) => `${i.path.join('.')}: ${i.message}`);
  throw new ConfigError(`Invalid configuration:\n  ${lines.join('\n  ')}`);
}

export const loadApiConfig = (env: NodeJS.ProcessEnv = process.env): ApiConfig => parse(apiSchema, env);
export const loadWorkerConfig = (env: NodeJS.ProcessEnv = process.env): WorkerConfig => parse(workerSchema, env);
