import type { Db } from './client';
import type { Notification } from './generated/sqlite/client';
import { newestFirst, paginate, type Page, type PageRequest } from './pagination';

/** The account's notifications as queued in the outbox, newest first. */
export function listNotifications(db: Db, accountId: string, page: PageRequest): Promise<Page<Notification>> {
  return paginate(
    page,
    (id) => db.notification.findFirst({ where: { id, accountId }, select: { id: true, createdAt: true } }),
    (after, take) => db.notification.findMany({ where: { AND: [{ accountId }, after] }, orderBy: newestFirst, take }),
  );
}

/** The notifications one cancellation queued, oldest first (the portal's "e-mails sent"; a cancellation has few). */
export function listCancellationNotifications(db: Db, cancellationId: string, take = 50): Promise<Notification[]> {
  return db.notification.findMany({ where: { cancellationId }, orderBy: [{ createdAt: 'asc' }, { id: 'asc' }], take });
}
