export { cancellationWorkflow } from './cancellation';
