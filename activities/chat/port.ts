/**
 * The outbound side of every chat platform: send a message, edit it later.
 * Telegram and Slack adapters implement the same port as the web console.
 */
import type { ChatRef } from '../../workflows/restart/definitions';

export interface ChatButton {
  label: string;
  /** What the gateway does when it is pressed, e.g. "restart.cancel:restart-web1". */
  action: string;
}

export interface ChatMessage {
  text: string;
  /** Rows of buttons. An empty list removes the buttons on edit. */
  buttons?: ChatButton[][];
}

export interface ChatOutbound {
  /** The key makes a retried send (after a worker crash) return the first message instead of posting twice. */
  send(chat: ChatRef, message: ChatMessage, idempotencyKey: string): Promise<{ messageId: string }>;
  edit(chat: ChatRef, messageId: string, message: ChatMessage): Promise<void>;
}
