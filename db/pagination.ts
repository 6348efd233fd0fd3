/**
 * Cursor pagination shared by the list endpoints (API.md "Lists"): newest first, ordered by
 * (createdAt desc, id desc) so rows written in the same millisecond still have one stable order;
 * `startingAfter` is the id of the last row of the previous page.
 */
export interface PageRequest {
  limit: number;
  startingAfter?: string;
}

export interface Page<T> {
  data: T[];
  hasMore: boolean;
}

/** The `startingAfter` id names no row the caller may list. */
export class CursorNotFoundError extends Error {
  override name = 'CursorNotFoundError';
  constructor(readonly cursor: string) {
    super(`No object with id ${cursor} to start after`);
  }
}

export const newestFirst = [{ createdAt: 'desc' as const }, { id: 'desc' as const }];

/** The rows strictly after the cursor row in newestFirst order. */
export function afterCursor(cursor: { id: string; createdAt: Date }) {
  return {
    OR: [{ createdAt: { lt: cursor.createdAt } }, { createdAt: cursor.createdAt, id: { lt: cursor.id } }],
  };
}

/**
 * One page of a list: `cursor` finds the `startingAfter` row among the rows the caller may list (none: the
 * cursor names nothing, a 400), `rows` reads `take` rows after it (`after` is the filter to AND in).
 */
export async function paginate<T>(
  request: PageRequest,
  cursor: (id: string) => Promise<{ id: string; createdAt: Date } | null>,
  rows: (after: object, take: number) => Promise<T[]>,
): Promise<Page<T>> {
  let after = {};
  if (request.startingAfter) {
    const found = await cursor(request.startingAfter);
    if (!found) throw new CursorNotFoundError(request.startingAfter);
    after = afterCursor(found);
  }
  return toPage(await rows(after, request.limit + 1), request.limit);
}

/** Rows were fetched with `take: limit + 1`: the extra one only tells whether another page exists. */
export function toPage<T>(rows: T[], limit: number): Page<T> {
  return { data: rows.slice(0, limit), hasMore: rows.length > limit };
}
