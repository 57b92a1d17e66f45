/**
 * The Slack App Home tab's blocks: open incidents, the user's open tickets,
 * running operations, the actions they may run (buttons for those that take
 * no values: pressed, they run in the person's direct messages with the app)
 * and what they may do. Ticket titles, urgencies, links, host and
 * people's names come from outside, so they are escaped as mrkdwn; lists
 * with no markup of ours are plain_text.
 */
import type { types } from '@slack/bolt';
import { t } from '../../lib/i18n';
import { escapeMrkdwn, mrkdwnLink } from '../../lib/messages/slack-mrkdwn';
import { dateTimeUtc } from '../../lib/messages/tickets';
import { runActionButton, type HomeContent } from '../../lib/messages/home';

/** The App Home button's action id: a view action, so it carries no channel and is handled apart from message buttons. */
export const CONSOLE_SIGNIN_ACTION = 'console-signin';

type Block = types.KnownBlock;
const mrkdwn = (text: string): Block => ({ type: 'section', text: { type: 'mrkdwn', text, verbatim: true } });
const plain = (text: string): Block => ({ type: 'section', text: { type: 'plain_text', text, emoji: false } });
const heading = (text: string) => mrkdwn(`*${escapeMrkdwn(text)}*`);

export function homeBlocks(home: HomeContent): Block[] {
  const lang = home.language;
  const ticketLine = (tk: NonNullable<HomeContent['tickets']>[number]) =>
    `• ${mrkdwnLink(tk.url, `#${tk.id}`)} ${escapeMrkdwn(tk.title)}${tk.urgency ? ` (${escapeMrkdwn(tk.urgency)})` : ''}${tk.due ? ` · ${escapeMrkdwn(t(lang, 'ticket.due', { due: dateTimeUtc(tk.due, lang) }))}` : ''}`;
  const running = home.running.map((r) => `• ${r.what}${r.requestedBy ? ` (${r.requestedBy})` : ''}`).join('\n') || t(lang, 'home.nothingRunning');
  const runnable = home.actions.filter((a) => a.runnable).slice(0, 25);
  return [
    { type: 'header', text: { type: 'plain_text', text: t(lang, 'home.title', { name: home.name }) } },
    ...(home.tickets ? [mrkdwn(`*${escapeMrkdwn(t(lang, 'home.tickets'))}*\n${home.tickets.map(ticketLine).join('\n') || escapeMrkdwn(t(lang, 'home.noTickets'))}`)] : []),
    ...(home.incidents ? [plain(home.incidents.total ? t(lang, 'home.incidents', { count: home.incidents.total, subjects: home.incidents.subjects.join(', ') }) : t(lang, 'home.noIncidents'))] : []),
    heading(t(lang, 'home.running')),
    plain(running),
    ...(home.actions.length ? [heading(t(lang, 'help.actions')), plain(home.actions.map((a) => `• ${a.usage} — ${a.title}`).join('\n'))] : []),
    ...(runnable.length
      ? [{ type: 'actions', elements: runnable.map((a, i) => ({ type: 'button', action_id: `dutydesk-home-${i}`, value: runActionButton(a.id), text: { type: 'plain_text', text: `▶ ${a.title}`.slice(0, 75) } })) } as Block]
      : []),
    heading(t(lang, 'home.youCan')),
    plain(home.youCan.map((line) => `• ${line}`).join('\n') || '–'),
    ...(home.consoleButton ? [{ type: 'actions', elements: [{ type: 'button', action_id: CONSOLE_SIGNIN_ACTION, text: { type: 'plain_text', text: t(lang, 'home.console') } }] } as Block] : []),
  ];
}

/** What a person not in the configuration sees. */
export function strangerHomeBlocks(): Block[] {
  return [plain(t('en', 'error.unknownUser'))];
}
