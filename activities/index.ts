/**
 * Side effects of the cancellation workflow: every database read and write it needs, one module per
 * step (decision, checklist, follow-ups, deactivation), and the outbound channels (outbox, mail, webhooks). Each write is one transaction and idempotent: it
 * is keyed by an audit event (`CancellationEvent.key`, unique), so an activity retried after a crash
 * finds its own event and writes nothing twice. Every timestamp written comes from the workflow (its
 * deterministic clock), never from the activity's wall clock, so a retried activity writes the same values.
 */
import { createChecklistActivities } from './checklist';
import { createDecisionActivities } from './decision';
import { createDeactivationActivities } from './deactivation';
import { createFollowUpActivities } from './follow-ups';
import { createLegacyActivities } from './legacy';
import { createMailActivities } from './mail';
import { createOutboxActivities } from './outbound';
import { createStore, type ActivityDeps } from './store';
import { createWebhookActivities } from './webhooks';

export type { ActivityDeps, AnnouncedEvent } from './store';
export type { EligibilitySnapshot, ScheduleInput } from './decision';
export type { ChecklistInput, ReminderInput } from './checklist';
export type { RescheduleInput } from './follow-ups';
export type { NotifyInput, ProgressInput } from './legacy';
export type { OutboundDeps, OutboxPlan } from './outbound';

export function createActivities(deps: ActivityDeps) {
  const store = createStore(deps);
  return {
    ...createDecisionActivities(store),
    ...createChecklistActivities(store),
    ...createFollowUpActivities(store),
    ...createDeactivationActivities(store),
    ...createLegacyActivities(store),
    ...createOutboxActivities(store, deps.outbound),
    ...createMailActivities(store, deps.outbound),
    ...createWebhookActivities(store, deps.outbound),
  };
}

export type Activities = ReturnType<typeof createActivities>;
