import { metricMeter } from '@temporalio/workflow';

/**
 * Exported through the worker runtime's Prometheus exporter (not emitted during replay), so operators
 * see stage changes and outcomes per channel and product family.
 */
export const stageChanges = metricMeter.createCounter(
  'cancellation_stage_changes',
  'cancellations',
  'Cancellations entering a stage (refused, conflict, unavailable, awaiting_prerequisites, scheduled, deactivating, completed, withdrawn, failed)',
);
