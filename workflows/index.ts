export { cancellationWorkflow } from './cancellation';
export { outboxEventWorkflow, webhookRedeliveryWorkflow } from './outbox';
