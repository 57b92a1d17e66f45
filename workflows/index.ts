/** Entry point of the workflow bundle: every workflow the worker runs. */
export { restartWorkflow } from './restart/restart-workflow';
export { outboxWorkflow } from './outbox/outbox-workflow';
export { ticketWorkflow } from './ticket/ticket-workflow';
export { ticketPollerWorkflow } from './ticket/poller-workflow';
export { newTicketWorkflow } from './ticket/new-ticket-workflow';
export { deadlineReminderWorkflow, personalDeadlinesWorkflow } from './deadlines/reminder-workflow';
export { olaReportWorkflow } from './deadlines/ola-workflow';
export { dumpWorkflow } from './dump/dump-workflow';
export { forecastWorkflow } from './forecast/forecast-workflow';
export { incidentWorkflow } from './incident/incident-workflow';
export { incidentReconcilerWorkflow } from './incident/reconciler-workflow';
export { incidentDigestWorkflow } from './incident/digest-workflow';
export { failureWorkflow } from './failure/failure-workflow';
export { actionWorkflow } from './action/action-workflow';
export { inventoryPublishWorkflow } from './inventory/publish-workflow';
