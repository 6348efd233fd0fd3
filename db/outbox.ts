/** The outbox of events (API.md v1.2): the writes its relay and its workflows make on every event. */
import type { Db } from './client';
import { updateRow } from './sql';

/** The event's first attempts are made or handed over: the sweeps leave it alone (P2025 when it does not exist). */
export function markEventDispatched(db: Db, eventId: string, at: Date): Promise<void> {
  // Hand-written (db/sql.ts): once per event.
  return updateRow(db, 'OutboxEvent', eventId, { dispatchedAt: at });
}
