/**
 * Turns what a user typed or pressed into a command or button handler, after
 * checking who they are and what their roles allow. Every platform (web
 * console, Telegram, Slack) feeds this same dispatcher.
 */
import { can, findUser } from '../config/access';
import type { LoadedConfig } from '../config/load';
import type { ChatMessage } from '../activities/chat/port';
import { supportedLanguage, t } from '../lib/i18n';
import type { ChatRef } from '../workflows/restart/definitions';
import type { IncomingFile } from './incoming-files';
import type { AuditOutcome, AuditTrail } from './audit';
import { auditCommand } from './commands/audit';
import { consoleCommand } from './commands/console';
import type { ButtonHandler, Command, CommandContext, ReplyHandler, Services } from './commands/context';
import { deadlinesCommand, olaCommand, remindCommand } from './commands/deadlines';
import { dumpButtons, dumpCommand } from './commands/dumps';
import { forecastButtons, forecastCommand } from './commands/forecast';
import { actionButtons, refuseAction, runAction } from './commands/actions';
import { findAction, mayRunAction } from '../lib/actions/catalog';
import { actionsInReach } from '../config/teams';
import { helpCommand } from './commands/help';
import { homeCommands } from './commands/home';
import { cancelCommand, hostsCommand, restartButtons, restartCommand, statusCommand } from './commands/restart';
import { ticketButtons, ticketCommand } from './commands/tickets';
import { healthCommand, incidentButtons } from './commands/incidents';
import { echoed } from '../lib/messages/clip';
import type { FailureReport } from '../activities/failures/report';
import { metrics } from '../lib/metrics';

/** How long the bot waits for an answer it asked for (e.g. a ticket's text). */
const REPLY_WAIT_MS = 10 * 60_000;

export interface Incoming {
  /** The dutydesk user id the platform identity maps to; for strangers, "<platform>:<their id>". */
  userId: string;
  /** The platform's idea of the person's language (e.g. Telegram's language_code). */
  locale?: string;
  /** A name to show admins when the person is unknown. */
  displayName?: string;
  chat: ChatRef;
  /**
   * The platform's identity of the message, the same when the platform delivers it again
   * (Telegram "<chat id>:<message_id>", Slack "<channel>:<ts>" or "command:<trigger_id>",
   * the console "<message id>@<its time>"); undefined for a button press.
   */
  messageId?: string;
  /** A file sent with the message, already saved where the worker can read it. */
  file?: IncomingFile;
  /**
   * In a direct chat only: sends straight to the person through the platform,
   * not through the outbox, for what must stay out of workflow history (a sign-in link).
   */
  sendPrivately?: (text: string) => Promise<void>;
  reply(message: ChatMessage | string): Promise<void>;
}

export class Dispatcher {
  readonly commands: Command[];
  private readonly buttons: ButtonHandler[] = [...restartButtons, ...ticketButtons, ...dumpButtons, ...forecastButtons, ...incidentButtons, ...actionButtons];
  /** Answers the bot asked for, by "<user> <platform>:<chat>"; in memory, as a conversation is short. */
  private readonly awaiting = new Map<string, { handler: ReplyHandler; until: number; dropped?: string }>();

  constructor(
    private readonly config: LoadedConfig,
    private readonly services: Services,
    private readonly log: (line: string) => void = console.error,
    private readonly notifyAdmins?: (stranger: Incoming) => Promise<void>,
    private readonly audit?: AuditTrail,
    /** A one-time sign-in link to the web console for this person (signIn chat). */
    readonly signInLink?: (userId: string) => string,
    /** Reports what failed unexpectedly to the ops chat and a ticket (README, "Failures reported"). */
    private readonly reportFailure?: (report: FailureReport) => Promise<void>,
  ) {
    this.commands = [helpCommand(() => this.commands), ...homeCommands(() => this.commands), hostsCommand, statusCommand, healthCommand, restartCommand, cancelCommand, ticketCommand, deadlinesCommand, remindCommand, olaCommand, dumpCommand, forecastCommand, auditCommand, consoleCommand];
  }

  /** One line in the audit trail; a failing trail never stops the answer. */
  private note(incoming: Incoming, who: string, what: string, outcome: AuditOutcome, detail?: string) {
    metrics.chatActions().inc({ outcome });
    void this.audit?.record({ who, platform: incoming.chat.platform, chat: incoming.chat.chatId, what, outcome, ...(detail ? { detail } : {}) });
  }

  private context(incoming: Incoming): CommandContext | undefined {
    const user = findUser(this.config, incoming.userId);
    if (!user) return undefined;
    const language = user.language ?? supportedLanguage(incoming.locale);
    const key = `${user.id} ${incoming.chat.platform}:${incoming.chat.chatId}`;
    return {
      user: { ...user, language },
      chat: incoming.chat,
      messageId: incoming.messageId,
      config: this.config,
      ...this.services,
      file: incoming.file,
      reply: incoming.reply,
      expectReply: (handler, dropped) => void this.awaiting.set(key, { handler, until: Date.now() + REPLY_WAIT_MS, dropped }),
      audit: this.audit,
      signInLink: this.signInLink,
      sendPrivately: incoming.sendPrivately,
    };
  }

  /** A polite refusal; the admins hear of each stranger once (the outbox drops repeated keys). */
  private async refuseStranger(incoming: Incoming): Promise<void> {
    const language = supportedLanguage(incoming.locale);
    await incoming.reply(t(language, 'error.unknownUser'));
    if (this.notifyAdmins) await this.notifyAdmins(incoming);
  }

  /** What a person typed. Never rejects: a failure (Temporal away, a platform down) is logged, and the gateway stays up. */
  text(incoming: Incoming, text: string): Promise<void> {
    return this.safely('message', incoming, () => this.handleText(incoming, text));
  }

  /** A button pressed. Never rejects, as text. */
  press(incoming: Incoming, action: string): Promise<void> {
    return this.safely('button', incoming, () => this.handlePress(incoming, action));
  }

  private async safely(what: string, incoming: Incoming, work: () => Promise<void>): Promise<void> {
    try {
      await work();
    } catch (err) {
      this.log(`dutydesk gateway: a ${what} from ${incoming.userId.slice(0, 100)} on ${incoming.chat.platform} could not be handled: ${(err as Error)?.message ?? String(err)}`);
    }
  }

  private async handleText(incoming: Incoming, text: string): Promise<void> {
    // The first line is what was asked (a ticket's text on the next lines stays out of the trail).
    const asked = text.trim().split('\n')[0] ?? '';
    const ctx = this.context(incoming);
    if (!ctx) {
      this.note(incoming, incoming.userId, asked, 'refused', 'unknown person');
      return this.refuseStranger(incoming);
    }
    const key = `${ctx.user.id} ${incoming.chat.platform}:${incoming.chat.chatId}`;
    const awaited = this.awaiting.get(key);
    const [word = '', ...args] = text.trim().replace(/^\//, '').split(/\s+/);
    const name = word.toLowerCase() || 'help';
    const command = this.commands.find((c) => c.name === name);
    if (awaited) {
      this.awaiting.delete(key);
      const isCommand = command !== undefined && text.trim().startsWith('/');
      if (awaited.until > Date.now() && !isCommand) return this.guard(incoming, ctx, 'the answer to a question', 'answer', () => awaited.handler(ctx, text));
      if (awaited.until > Date.now() && awaited.dropped) await ctx.reply(awaited.dropped);
    }
    if (!command) {
      // Not a built-in command: perhaps a runbook action's words.
      // With teams, only the actions of the teams this chat reaches: another team's are not there at all.
      const found = findAction(actionsInReach(this.config, ctx.user, ctx.chat), text.trim().replace(/^\//, ''));
      if (found && !mayRunAction(found.action, ctx.user.roles)) {
        this.note(incoming, ctx.user.id, asked, 'refused', `lacks a role of action ${found.id}`);
        return refuseAction(ctx, found.action);
      }
      if (found) return this.guard(incoming, ctx, asked, `action ${found.id}`, () => runAction(ctx, found));
      this.note(incoming, ctx.user.id, asked, 'unknown');
      return ctx.reply(t(ctx.user.language, 'error.unknownCommand', { command: echoed(word) }));
    }
    if (command.capability && !can(this.config, ctx.user, command.capability)) {
      this.note(incoming, ctx.user.id, asked, 'refused', `lacks "${command.capability}"`);
      return ctx.reply(t(ctx.user.language, 'error.notAllowed', { command: name }));
    }
    await this.guard(incoming, ctx, asked, command.name, () => command.run(ctx, args, text.trim()));
  }

  private async handlePress(incoming: Incoming, action: string): Promise<void> {
    const what = `button ${action}`;
    const ctx = this.context(incoming);
    if (!ctx) {
      this.note(incoming, incoming.userId, what, 'refused', 'unknown person');
      return this.refuseStranger(incoming);
    }
    const split = action.indexOf(':');
    const verb = split < 0 ? action : action.slice(0, split);
    const handler = this.buttons.find((b) => b.verb === verb);
    if (!handler) {
      this.note(incoming, ctx.user.id, what, 'unknown');
      return ctx.reply(t(ctx.user.language, 'error.unknownCommand', { command: echoed(verb) }));
    }
    if (handler.capability && !can(this.config, ctx.user, handler.capability)) {
      this.note(incoming, ctx.user.id, what, 'refused', `lacks "${handler.capability}"`);
      return ctx.reply(t(ctx.user.language, 'error.notAllowedButton'));
    }
    await this.guard(incoming, ctx, what, `button ${handler.verb}`, () => handler.run(ctx, action.slice(split + 1)));
  }

  /**
   * Unexpected errors are answered, logged without secrets, never swallowed; every outcome goes into the audit trail.
   * `step` is our own name for what ran (a command's, a button's verb), never the person's text: a failure's fingerprint
   * must not vary with what they typed.
   */
  private async guard(incoming: Incoming, ctx: CommandContext, what: string, step: string, work: () => Promise<void>) {
    try {
      await work();
      this.note(incoming, ctx.user.id, what, 'done');
    } catch (err) {
      const message = (err as Error).message ?? String(err);
      this.note(incoming, ctx.user.id, what, 'failed', message.split('\n')[0]);
      this.log(`dutydesk gateway: "${what}" by ${ctx.user.id} failed: ${message}`);
      void this.reportFailure?.({ source: 'gateway', workflowType: 'chat command', step, error: err, person: { id: ctx.user.id, name: ctx.user.name } });
      await ctx.reply(t(ctx.user.language, 'error.internal', { error: message.split('\n')[0].slice(0, 200) }));
    }
  }
}
