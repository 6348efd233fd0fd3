import { temporal } from '@temporalio/proto';

type History = temporal.api.history.v1.IHistory;
const E = temporal.api.enums.v1.EventType;
const EventType = {
  started: E.EVENT_TYPE_WORKFLOW_EXECUTION_STARTED,
  activityScheduled: E.EVENT_TYPE_ACTIVITY_TASK_SCHEDULED,
  activityStarted: E.EVENT_TYPE_ACTIVITY_TASK_STARTED,
  timerStarted: E.EVENT_TYPE_TIMER_STARTED,
  signaled: E.EVENT_TYPE_WORKFLOW_EXECUTION_SIGNALED,
  marker: E.EVENT_TYPE_MARKER_RECORDED,
  upsert: E.EVENT_TYPE_UPSERT_WORKFLOW_SEARCH_ATTRIBUTES,
  updateAccepted: E.EVENT_TYPE_WORKFLOW_EXECUTION_UPDATE_ACCEPTED,
} as const;

export interface ActionCount {
  total: number;
  start: number;
  updates: number;
  signals: number;
  activities: number;
  localActivityTasks: number;
  timers: number;
  upserts: number;
}

/**
 * The Temporal Cloud billable actions a recorded history shows (issue 11): the start (its search
 * attributes are free), each accepted update, each signal, each activity attempt, each timer, each
 * search-attribute upsert, and each workflow task that ran local activities. Queries and rejected
 * updates are billed too but leave no event: the API makes none on these paths.
 */
export function billableActions(history: History): ActionCount {
  const events = history.events ?? [];
  const type = (e: (typeof events)[number]) => Number(e.eventType);
  const count = (t: number) => events.filter((e) => type(e) === t).length;
  const retries = events
    .filter((e) => type(e) === EventType.activityStarted)
    .reduce((sum, e) => sum + Math.max(0, (e.activityTaskStartedEventAttributes?.attempt ?? 1) - 1), 0);
  const localActivityTasks = new Set(
    events
      .filter((e) => type(e) === EventType.marker)
      .filter((e) => e.markerRecordedEventAttributes?.markerName === 'core_local_activity')
      .map((e) => String(e.markerRecordedEventAttributes?.workflowTaskCompletedEventId)),
  ).size;
  const counts = {
    start: count(EventType.started),
    updates: count(EventType.updateAccepted),
    signals: count(EventType.signaled),
    activities: count(EventType.activityScheduled) + retries,
    localActivityTasks,
    timers: count(EventType.timerStarted),
    upserts: count(EventType.upsert),
  };
  return { total: Object.values(counts).reduce((a, b) => a + b, 0), ...counts };
}
