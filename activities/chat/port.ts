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

/** A file handed over in chat: a document, or a picture (charts) shown inline. */
export interface ChatFile {
  /** A path the chat worker can read; the bytes never pass through workflow history. */
  path: string;
  /** The name people see and download it as. */
  name: string;
  kind: 'document' | 'photo';
}

export interface ChatMessage {
  /** The text, or the file's caption when there is a file. */
  text: string;
  /** Rows of buttons. An empty list removes the buttons on edit. */
  buttons?: ChatButton[][];
  /** Only on new messages: files are sent, never edited. */
  file?: ChatFile;
}

export interface ChatOutbound {
  /** Platforms that accept one use the key so a retried send returns the first message instead of posting twice. */
  send(chat: ChatRef, message: ChatMessage, idempotencyKey: string): Promise<{ messageId: string }>;
  edit(chat: ChatRef, messageId: string, message: ChatMessage): Promise<void>;
}

/** The platform asked us to slow down (HTTP 429); retry after this long. */
export class RateLimited extends Error {
  override name = 'RateLimited';
  constructor(
    message: string,
    readonly retryAfterMs: number,
  ) {
    super(message);
  }
}

/** A file upload did not finish in the configured time: retried, then the message goes without the file. */
export class UploadTimedOut extends Error {
  override name = 'UploadTimedOut';
}

/** The platform refused for good (unknown chat, bot removed, malformed message): retrying cannot help. */
export class DeliveryRefused extends Error {
  override name = 'DeliveryRefused';
}
