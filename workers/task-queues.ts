/**
 * Task queues. Desk work (workflows, chat) and host operations are separate so
 * host concurrency is bounded on its own and a slow host never blocks chat.
 */
export const TASK_QUEUES = {
  desk: 'dutydesk-desk',
  hosts: 'dutydesk-hosts',
  /** Outbound chat, one queue per platform (dutydesk-chat-<platform>): see workflows/outbox. */
  chat: 'dutydesk-chat-*',
} as const;
