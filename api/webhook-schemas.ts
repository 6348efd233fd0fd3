import { z } from 'zod';
import { EventTypes } from '../domain/events';
import { request, response, text, timestamp } from './schemas';

/** The zod schemas of API.md v1.2's webhook endpoints and deliveries (see api/schemas.ts for the registries). */

export const WebhookEventType = z.enum(EventTypes);

export const CreateWebhookEndpointBody = request(
  'CreateWebhookEndpointRequest',
  z.strictObject({
    // An absolute URI (the document says so); whether it is allowed (scheme, what its host resolves to) is
    // checked by the service: 400 `invalid_url`.
    url: text(2048, { minLength: 1 }).meta({
      format: 'uri',
      description: '`https://` only, never a private, loopback or link-local address (checked again at each delivery).',
    }),
    events: z
      .array(WebhookEventType)
      .min(1)
      .max(EventTypes.length)
      .refine((events) => new Set(events).size === events.length, 'expected each event type once')
      // The document says what the refinement checks (API.md: schemas as strict as the validation).
      .meta({ uniqueItems: true, description: 'The event types to receive, each once.' }),
    description: text(500).optional(),
  }),
);

const endpointShape = {
  id: z.string(),
  url: z.string(),
  events: z.array(WebhookEventType),
  description: z.string().nullable(),
  status: z.enum(['enabled', 'disabled']).describe('`disabled` after a receiver answered 410.'),
  createdAt: timestamp,
};

export const WebhookEndpoint = response(
  'WebhookEndpoint',
  z.object(endpointShape),
  "A receiver of the account's events.",
);

export const WebhookEndpointWithSecret = response(
  'WebhookEndpointWithSecret',
  z.object({
    ...endpointShape,
    secret: z
      .string()
      .regex(/^whsec_[A-Za-z0-9+/=]+$/)
      .describe('The signing secret, shown this once.'),
  }),
  'The endpoint with its signing secret (`whsec_…`): shown when created and when rotated, never again.',
);

export const WebhookEndpointList = response(
  'WebhookEndpointList',
  z.object({ data: z.array(WebhookEndpoint), hasMore: z.boolean() }),
  'Newest first; no secrets.',
);

export const WebhookDelivery = response(
  'WebhookDelivery',
  z.object({
    id: z.string(),
    eventId: z.string().describe('The `webhook-id` header of every attempt.'),
    eventType: WebhookEventType,
    status: z.enum(['pending', 'succeeded', 'failed']),
    attempts: z.number().int().min(0).describe('Every attempt, the first included.'),
    lastResponseStatus: z.number().int().nullable(),
    lastError: z.string().nullable(),
    lastLatencyMs: z.number().int().nullable().describe('How long the last attempt took.'),
    nextAttemptAt: timestamp.nullable(),
    createdAt: timestamp,
  }),
  'One event for one endpoint; retried 5 s, 5 min, 30 min, 2 h, 5 h, 10 h and 10 h after each failure, then `failed`.',
);

export const WebhookDeliveryList = response(
  'WebhookDeliveryList',
  z.object({ data: z.array(WebhookDelivery), hasMore: z.boolean() }),
  'Newest first.',
);
