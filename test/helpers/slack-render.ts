/**
 * What Slack would make of a mrkdwn text: its control sequences (<…>) read
 * as Slack reads them, mentions and broadcasts (<@U1>, <#C1>, <!channel>)
 * apart from links (<url> or <url|label>), and the text people see, with
 * &amp; &lt; &gt; decoded (https://docs.slack.dev/messaging/formatting-message-text).
 */
export interface SlackRendering {
  text: string;
  links: { url: string; label: string }[];
  mentions: string[];
}

const decode = (s: string) => s.replace(/&lt;/g, '<').replace(/&gt;/g, '>').replace(/&amp;/g, '&');

export function slackRender(mrkdwn: string): SlackRendering {
  const links: SlackRendering['links'] = [];
  const mentions: string[] = [];
  const shown = mrkdwn.replace(/<([^<>]*)>/g, (_whole, inner: string) => {
    const bar = inner.indexOf('|');
    const target = bar < 0 ? inner : inner.slice(0, bar);
    const label = bar < 0 ? undefined : inner.slice(bar + 1);
    if (/^[!@#]/.test(target)) {
      mentions.push(inner);
      return label ?? target;
    }
    links.push({ url: decode(target), label: decode(label ?? target) });
    return label ?? target;
  });
  return { text: decode(shown), links, mentions };
}

/** The mrkdwn of a chat.postMessage or chat.update: the top-level text and every section. */
export function mrkdwnOf(message: { text: string; blocks: { type: string; text?: { text: string } }[] }): string[] {
  return [message.text, ...message.blocks.filter((b) => b.type === 'section' && b.text).map((b) => b.text!.text)];
}
