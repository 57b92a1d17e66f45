/** What every command and button handler gets: who is speaking, where, and how to answer. */
import type { LoadedConfig } from '../../config/load';
import type { Capability, UserConfig } from '../../config/schema';
import type { Language } from '../../lib/i18n';
import type { ChatMessage } from '../../activities/chat/port';
import type { ChatRef } from '../../workflows/restart/definitions';
import type { RestartClient } from '../restart/restart-client';
import type { DeadlineClient } from '../deadlines/deadline-client';
import type { DumpClient } from '../dumps/dump-client';
import type { ForecastClient } from '../forecast/forecast-client';
import type { TicketClient } from '../tickets/ticket-client';
import type { IncidentClient } from '../incidents/incident-client';
import type { ActionClient } from '../actions/action-client';
import type { IncomingFile } from '../incoming-files';
import type { AuditTrail } from '../audit';

/** Takes the speaker's next message in this chat instead of a command (e.g. a ticket's text). */
export type ReplyHandler = (ctx: CommandContext, text: string) => Promise<void>;

export interface CommandContext {
  /** The speaker, with the language resolved (config, else platform locale, else English). */
  user: UserConfig & { language: Language };
  chat: ChatRef;
  /** The platform's identity of the message being handled (see Incoming.messageId); undefined for a press. */
  messageId?: string;
  /** A file sent with the message (a request's XML for forecast), saved where the worker can read it. */
  file?: IncomingFile;
  config: LoadedConfig;
  restarts: RestartClient;
  tickets: TicketClient;
  deadlines: DeadlineClient;
  dumps: DumpClient;
  forecasts: ForecastClient;
  incidents: IncidentClient;
  actions: ActionClient;
  reply(message: ChatMessage | string): Promise<void>;
  /**
   * The next message from this person in this chat goes to the handler (for 10 minutes), unless it is a
   * /command (in a group, the next thing someone types is often one): that runs, and `dropped` is said first.
   */
  expectReply(handler: ReplyHandler, dropped?: string): void;
  /** The audit trail, for the `audit` command; absent where none is kept. */
  audit?: AuditTrail;
  /** A one-time link that signs this person in to the web console. */
  signInLink?: (userId: string) => string;
  /** In a direct chat: sends to the person through the platform itself, never through workflow history. */
  sendPrivately?: (text: string) => Promise<void>;
}

/** The gateway's clients of Temporal, one per feature. */
export interface Services {
  restarts: RestartClient;
  tickets: TicketClient;
  deadlines: DeadlineClient;
  dumps: DumpClient;
  forecasts: ForecastClient;
  incidents: IncidentClient;
  actions: ActionClient;
}

/** A chat command as data: the dispatcher checks the capability, the handler does the work. */
export interface Command {
  name: string;
  /** Needed to see and use the command; undefined means everyone known to dutydesk. */
  capability?: Capability;
  helpKey: Parameters<typeof import('../../lib/i18n').t>[1];
  /** Left out of help (an alias a platform sends by itself, such as Telegram's /start). */
  unlisted?: boolean;
  /** args: the words after the command; raw: the whole message as typed. */
  run(ctx: CommandContext, args: string[], raw: string): Promise<void>;
}

/** A button: action "verb:argument", e.g. "restart.cancel:restart-web1". */
export interface ButtonHandler {
  verb: string;
  /** Checked on every press, so a forwarded button does nothing for someone without it. */
  capability?: Capability;
  run(ctx: CommandContext, argument: string): Promise<void>;
}
