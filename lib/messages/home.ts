/**
 * The home in a chat ("home", and Telegram's /start): the same content as
 * Slack's App Home, as one message, with a button for each action that takes
 * no values. Names and titles are plain text: each platform escapes them.
 */
import type { ChatButton, ChatMessage } from '../../activities/chat/port';
import { t } from '../i18n';
import { dateTimeUtc } from './tickets';

export interface HomeAction {
  id: string;
  title: string;
  usage: string;
  /** Takes no values: a button runs it. */
  runnable: boolean;
}

export interface HomeContent {
  name: string;
  language: string;
  /** Undefined when no ticket system is configured. */
  tickets?: { id: string; title: string; url: string; urgency?: string; due?: string }[];
  /** Undefined when monitoring is not configured. */
  incidents?: { total: number; subjects: string[] };
  running: { what: string; requestedBy: string }[];
  /** Help lines of the commands the person may use. */
  youCan: string[];
  actions: HomeAction[];
  /** A button that sends a sign-in link for the web console (console sign-in by chat). */
  consoleButton?: boolean;
}

export const runActionButton = (actionId: string) => `action.run:${actionId}`;

export function renderHome(home: HomeContent): ChatMessage {
  const lang = home.language;
  const lines = [t(lang, 'home.title', { name: home.name })];
  if (home.incidents) {
    lines.push('', home.incidents.total ? t(lang, 'home.incidents', { count: home.incidents.total, subjects: home.incidents.subjects.join(', ') }) : t(lang, 'home.noIncidents'));
  }
  if (home.tickets) {
    lines.push('', t(lang, 'home.tickets'));
    lines.push(...(home.tickets.length ? home.tickets.map((tk) => `• #${tk.id} ${tk.title}${tk.urgency ? ` (${tk.urgency})` : ''}${tk.due ? ` · ${t(lang, 'ticket.due', { due: dateTimeUtc(tk.due, lang) })}` : ''}`) : [t(lang, 'home.noTickets')]));
  }
  lines.push('', t(lang, 'home.running'));
  lines.push(...(home.running.length ? home.running.map((r) => `• ${r.what}${r.requestedBy ? ` (${r.requestedBy})` : ''}`) : [t(lang, 'home.nothingRunning')]));
  if (home.actions.length) {
    lines.push('', t(lang, 'help.actions'));
    lines.push(...home.actions.map((a) => `• ${a.usage} — ${a.title}`));
  }
  lines.push('', t(lang, 'home.youCan'), ...home.youCan.map((line) => `• ${line}`));
  const runnable = home.actions.filter((a) => a.runnable).slice(0, 12);
  const buttons: ChatButton[][] = [];
  for (let i = 0; i < runnable.length; i += 2) buttons.push(runnable.slice(i, i + 2).map((a) => ({ label: `▶ ${a.title}`, action: runActionButton(a.id) })));
  return { text: lines.join('\n'), buttons };
}
