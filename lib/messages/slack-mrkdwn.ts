/**
 * Slack's side of the one rule for chat text: messages are plain text
 * everywhere inside dutydesk (ticket titles, names, echoed commands and our
 * own templates alike), and each platform adapter turns them into what the
 * platform reads. For Slack that is mrkdwn: &, < and > escaped as Slack
 * documents (https://docs.slack.dev/messaging/formatting-message-text#escaping),
 * so no outside text can make a link with a label, a mention or an
 * @channel; links are only bare http(s) URLs, shown as themselves.
 * Sections are sent with verbatim: true so Slack does not turn plain words
 * into mentions or channel links either.
 */
import { textParts } from './text-links';

export function escapeMrkdwn(text: string): string {
  return text.replace(/&/g, '&amp;').replace(/</g, '&lt;').replace(/>/g, '&gt;');
}

/** Plain text as mrkdwn: every character escaped, http(s) URLs as links that show their own address. */
export function mrkdwnFromPlain(text: string): string {
  return textParts(text)
    .map((part) => (part.href ? `<${escapeMrkdwn(part.href)}>` : escapeMrkdwn(part.text)))
    .join('');
}

/** A link with a label of our choosing; an address that is not plain http(s) shows as text, never as a link. */
export function mrkdwnLink(url: string, label: string): string {
  const parts = textParts(url);
  const href = parts.length === 1 && parts[0].text === url ? parts[0].href : undefined;
  return href ? `<${escapeMrkdwn(href)}|${escapeMrkdwn(label)}>` : `${escapeMrkdwn(label)} ${mrkdwnFromPlain(url)}`;
}

/** At most `limit` characters of mrkdwn, never ending inside an entity or a link. */
export function cutMrkdwn(mrkdwn: string, limit: number): string {
  if (mrkdwn.length <= limit) return mrkdwn;
  let cut = mrkdwn.slice(0, limit);
  if (cut.lastIndexOf('&') > cut.lastIndexOf(';')) cut = cut.slice(0, cut.lastIndexOf('&'));
  if (cut.lastIndexOf('<') > cut.lastIndexOf('>')) cut = cut.slice(0, cut.lastIndexOf('<'));
  return cut;
}

/**
 * Text as Slack sends it to the app (mrkdwn: entities, <@U1>, <!channel>,
 * <url|label>) as the plain text the person typed: a link becomes its
 * address (a label can hide where it goes), mentions their @name.
 */
export function plainFromSlack(text: string): string {
  return text
    .replace(/<([^<>]*)>/g, (_whole, inner: string) => {
      const bar = inner.indexOf('|');
      const target = bar < 0 ? inner : inner.slice(0, bar);
      const label = bar < 0 ? undefined : inner.slice(bar + 1);
      if (target.startsWith('@') || target.startsWith('#')) return label ? `${target[0]}${label.replace(/^[@#]/, '')}` : target;
      if (target.startsWith('!')) return label ?? `@${target.slice(1).split('^')[0]}`;
      return target;
    })
    .replace(/&lt;/g, '<')
    .replace(/&gt;/g, '>')
    .replace(/&amp;/g, '&');
}
