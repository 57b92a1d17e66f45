/** Entry point of the workflow bundle: every workflow the worker runs. */
export { restartWorkflow } from './restart/restart-workflow';
export { outboxWorkflow } from './outbox/outbox-workflow';
