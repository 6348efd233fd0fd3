/**
 * Webhook endpoints and their deliveries (API.md v1.2). Secrets arrive sealed (outbound/webhooks/secret-box.ts):
 * this module never sees one in clear.
 */
import type { Db } from './client';
import type { WebhookDelivery, WebhookEndpoint } from './generated/sqlite/client';
import { newestFirst, paginate, type Page, type PageRequest } from './pagination';

export type { WebhookDelivery, WebhookEndpoint };

export function createWebhookEndpoint(
  db: Db,
  data: {
    id: string;
    accountId: string;
    url: string;
    events: string[];
    description: string | null;
    secretSealed: string;
    createdByUserId: string;
    createdAt: Date;
  },
): Promise<WebhookEndpoint> {
  return db.webhookEndpoint.create({ data: { ...data, events: JSON.stringify(data.events) } });
}

/** The account's enabled endpoints with the event types each subscribes to (JSON), read for every outbox event. */
export function enabledEndpoints(db: Db, accountId: string): Promise<{ id: string; events: string }[]> {
  // Hand-written (db/sql.ts): once per event.
  return db.$queryRaw`SELECT "id", "events" FROM "WebhookEndpoint" WHERE "accountId" = ${accountId} AND "status" = 'enabled'`;
}

/** The endpoint, if it belongs to the account (another account's answers like a missing one). */
export function findWebhookEndpoint(db: Db, accountId: string, id: string): Promise<WebhookEndpoint | null> {
  return db.webhookEndpoint.findFirst({ where: { id, accountId } });
}

export function listWebhookEndpoints(db: Db, accountId: string, request: PageRequest): Promise<Page<WebhookEndpoint>> {
  return paginate(
    request,
    (id) => db.webhookEndpoint.findFirst({ where: { id, accountId }, select: { id: true, createdAt: true } }),
    (after, take) =>
      db.webhookEndpoint.findMany({ where: { AND: [{ accountId }, after] }, orderBy: newestFirst, take }),
  );
}

/** Deletes the endpoint and its deliveries; false when the account has no such endpoint. */
export async function deleteWebhookEndpoint(db: Db, accountId: string, id: string): Promise<boolean> {
  const { count } = await db.webhookEndpoint.deleteMany({ where: { id, accountId } });
  return count === 1;
}

/** A new secret; the current one keeps signing until `previousExpiresAt`. */
export function rotateWebhookSecret(
  db: Db,
  endpoint: WebhookEndpoint,
  secretSealed: string,
  previousExpiresAt: Date,
): Promise<WebhookEndpoint> {
  return db.webhookEndpoint.update({
    where: { id: endpoint.id },
    data: {
      secretSealed,
      previousSecretSealed: endpoint.secretSealed,
      previousSecretExpiresAt: previousExpiresAt,
    },
  });
}

export function listWebhookDeliveries(
  db: Db,
  endpointId: string,
  request: PageRequest,
): Promise<Page<WebhookDelivery>> {
  return paginate(
    request,
    (id) => db.webhookDelivery.findFirst({ where: { id, endpointId }, select: { id: true, createdAt: true } }),
    (after, take) =>
      db.webhookDelivery.findMany({ where: { AND: [{ endpointId }, after] }, orderBy: newestFirst, take }),
  );
}

/** The delivery, if its endpoint belongs to the account. */
export function findWebhookDelivery(db: Db, accountId: string, id: string): Promise<WebhookDelivery | null> {
  return db.webhookDelivery.findFirst({ where: { id, endpoint: { accountId } } });
}

/** `POST …/retry`: pending again, its next attempt now. */
export function requeueWebhookDelivery(db: Db, id: string, at: Date): Promise<WebhookDelivery> {
  return db.webhookDelivery.update({ where: { id }, data: { status: 'pending', nextAttemptAt: at } });
}
