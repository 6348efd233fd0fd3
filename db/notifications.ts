import type { Db } from './client';
import type { Notification } from './generated/sqlite/client';
import { afterCursor, CursorNotFoundError, newestFirst, toPage, type Page, type PageRequest } from './pagination';

/** The account's notifications as queued in the outbox, newest first. */
export async function listNotifications(db: Db, accountId: string, page: PageRequest): Promise<Page<Notification>> {
  let cursorWhere = {};
  if (page.startingAfter) {
    const cursor = await db.notification.findFirst({
      where: { id: page.startingAfter, accountId },
      select: { id: true, createdAt: true },
    });
    if (!cursor) throw new CursorNotFoundError(page.startingAfter);
    cursorWhere = afterCursor(cursor);
  }
  const rows = await db.notification.findMany({
    where: { AND: [{ accountId }, cursorWhere] },
    orderBy: newestFirst,
    take: page.limit + 1,
  });
  return toPage(rows, page.limit);
}
