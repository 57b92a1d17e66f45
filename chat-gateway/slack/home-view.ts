/**
 * The Slack App Home tab's blocks: the user's open tickets, running
 * operations and what they may do. Ticket titles, urgencies, links, host and
 * people's names come from outside, so they are escaped as mrkdwn; lists
 * with no markup of ours are plain_text.
 */
import type { types } from '@slack/bolt';
import { t } from '../../lib/i18n';
import { escapeMrkdwn, mrkdwnLink } from '../../lib/messages/slack-mrkdwn';
import { dateTimeUtc } from '../../lib/messages/tickets';

export interface HomeTicket {
  id: string;
  title: string;
  url: string;
  urgency?: string;
  due?: string;
}

export interface HomeContent {
  name: string;
  language: string;
  /** Undefined when no ticket system is configured. */
  tickets?: HomeTicket[];
  running: { host: string; requestedBy: string }[];
  /** Help lines of the commands the user may use. */
  youCan: string[];
  /** A button that sends a sign-in link for the web console to the person's direct messages (console sign-in by chat). */
  consoleButton?: boolean;
}

/** The App Home button's action id: a view action, so it carries no channel and is handled apart from message buttons. */
export const CONSOLE_SIGNIN_ACTION = 'console-signin';

type Block = types.KnownBlock;
const mrkdwn = (text: string): Block => ({ type: 'section', text: { type: 'mrkdwn', text, verbatim: true } });
const plain = (text: string): Block => ({ type: 'section', text: { type: 'plain_text', text, emoji: false } });
const heading = (text: string) => mrkdwn(`*${escapeMrkdwn(text)}*`);

export function homeBlocks(home: HomeContent): Block[] {
  const lang = home.language;
  const ticketLine = (tk: HomeTicket) =>
    `• ${mrkdwnLink(tk.url, `#${tk.id}`)} ${escapeMrkdwn(tk.title)}${tk.urgency ? ` (${escapeMrkdwn(tk.urgency)})` : ''}${tk.due ? ` · ${escapeMrkdwn(t(lang, 'ticket.due', { due: dateTimeUtc(tk.due, lang) }))}` : ''}`;
  const running = home.running.map((r) => `• ${r.host} (${r.requestedBy})`).join('\n') || t(lang, 'home.nothingRunning');
  return [
    { type: 'header', text: { type: 'plain_text', text: t(lang, 'home.title', { name: home.name }) } },
    ...(home.tickets ? [mrkdwn(`*${escapeMrkdwn(t(lang, 'home.tickets'))}*\n${home.tickets.map(ticketLine).join('\n') || escapeMrkdwn(t(lang, 'home.noTickets'))}`)] : []),
    heading(t(lang, 'home.running')),
    plain(running),
    heading(t(lang, 'home.youCan')),
    plain(home.youCan.map((line) => `• ${line}`).join('\n') || '–'),
    ...(home.consoleButton ? [{ type: 'actions', elements: [{ type: 'button', action_id: CONSOLE_SIGNIN_ACTION, text: { type: 'plain_text', text: t(lang, 'home.console') } }] } as Block] : []),
  ];
}

/** What a person not in the configuration sees. */
export function strangerHomeBlocks(): Block[] {
  return [plain(t('en', 'error.unknownUser'))];
}
