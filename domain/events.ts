/**
 * The outbound event catalogue (API.md v1.2): what other systems (billing, CRM, provisioning) are told,
 * by webhook, about cancellations. Each type announces one audit event of the same name; the e-mail
 * notification of the same change (if the change has one) goes out with it.
 */
export const EventTypes = [
  'cancellation.scheduled',
  'cancellation.refused',
  'cancellation.reminder',
  'cancellation.withdrawn',
  'cancellation.rescheduled',
  'cancellation.completed',
  'cancellation.failed',
] as const;
export type EventType = (typeof EventTypes)[number];

export const isEventType = (value: string): value is EventType => (EventTypes as readonly string[]).includes(value);

/** `cancellation_completed` (the audit event's type) → `cancellation.completed`; null for audit-only events. */
export function eventTypeOfAuditType(auditType: string): EventType | null {
  const type = auditType.replace('_', '.');
  return isEventType(type) ? type : null;
}

/** The body of a webhook (API.md v1.2): `{ id, type, createdAt, data: { object } }`. */
export interface EventBody {
  id: string;
  type: EventType;
  createdAt: string;
  data: { object: unknown };
}

/**
 * API.md v1.2: a delivery that fails is retried this long after the previous attempt, then it is `failed`:
 * eight attempts in all over about 32 hours.
 */
export const WebhookRetryDelaysMs = [
  5_000,
  5 * 60_000,
  30 * 60_000,
  2 * 3_600_000,
  5 * 3_600_000,
  10 * 3_600_000,
  10 * 3_600_000,
] as const;
export const WebhookMaxAttempts = WebhookRetryDelaysMs.length + 1;

/** An e-mail the SMTP server refused is tried again 30 s later, then after doubling delays (workflows/outbox.ts). */
export const MailFirstRetryMs = 30_000;

/** The outbox workflow of an event; the id makes a second start of it (the sweep's) a no-op. */
export const outboxWorkflowId = (eventId: string) => `outbox-${eventId}`;

/** The outbound channels' own task queue, so slow receivers never hold the cancellations' activity slots. */
export const outboundTaskQueueOf = (taskQueue: string) => `${taskQueue}-outbound`;

/** After a rotation, the previous signing secret keeps signing this long alongside the new one. */
export const SecretOverlapMs = 24 * 3_600_000;
