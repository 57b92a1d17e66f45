/**
 * Outside text into Slack mrkdwn and back: escaped so that no mention,
 * broadcast or labelled link can be made from it, links only http(s) and
 * shown as their address; Slack's own mrkdwn read back as what was typed.
 * Checked by reading the result as Slack would (helpers/slack-render.ts).
 */
import { slackBlocks } from '../activities/chat/slack-outbound';
import { homeBlocks } from '../chat-gateway/slack/home-view';
import { cutMrkdwn, mrkdwnFromPlain, mrkdwnLink, plainFromSlack } from '../lib/messages/slack-mrkdwn';
import { slackRender } from './helpers/slack-render';

const HOSTILE = '<!channel> <https://evil.example|Approve> & <@U0BOSS> <#C0OPS|general> <!here> &lt; *bold* _it_';

/** Every link shows where it goes (its label is its address) and is http(s). */
function expectHonestLinks(links: { url: string; label: string }[]) {
  for (const l of links) {
    expect(l.url).toMatch(/^https?:\/\//);
    expect(l.label).toBe(l.url);
  }
}

test('outside text as mrkdwn: no mention, no broadcast, no labelled link; every character shown as written', () => {
  const seen = slackRender(mrkdwnFromPlain(HOSTILE));
  expect(seen.mentions).toEqual([]);
  expectHonestLinks(seen.links);
  expect(seen.links).toEqual([{ url: 'https://evil.example/', label: 'https://evil.example/' }]);
  expect(seen.text).toBe(HOSTILE.replace('https://evil.example', 'https://evil.example/'));
  for (const notALink of ['javascript:alert(1)', 'data:text/html,x', 'ftp://x.example', '<javascript:alert(1)|click>']) {
    expect(slackRender(mrkdwnFromPlain(notALink))).toEqual({ text: notALink, links: [], mentions: [] });
  }
});

test('what Slack sends the app is read back as what the person typed', () => {
  const sent = '<!channel> &lt;https://evil.example|Approve&gt; &amp; <@U1|bob> <@U2> <#C1|ops> <https://x.example/a?b=1&amp;c=2|click here> <!subteam^S1|@team> <!here>';
  expect(plainFromSlack(sent)).toBe('@channel <https://evil.example|Approve> & @bob @U2 #ops https://x.example/a?b=1&c=2 @team @here');
  // And what is typed goes back out inert.
  const back = slackRender(mrkdwnFromPlain(plainFromSlack(sent)));
  expect(back.mentions).toEqual([]);
  expectHonestLinks(back.links);
});

test('links with a label of ours only for http(s) addresses that hide nothing', () => {
  expect(slackRender(mrkdwnLink('https://rt.example/Ticket/Display.html?id=42&x=1', '#42')).links).toEqual([{ url: 'https://rt.example/Ticket/Display.html?id=42&x=1', label: '#42' }]);
  for (const url of ['https://x.example|Approve', 'javascript:alert(1)', 'https://x.example/>|<!channel']) {
    const seen = slackRender(mrkdwnLink(url, '#42'));
    expect(seen.mentions).toEqual([]);
    expectHonestLinks(seen.links);
  }
});

test('cutting mrkdwn never leaves half an entity or half a link', () => {
  const text = mrkdwnFromPlain('a&b https://x.example/run <c>');
  for (let limit = 1; limit < text.length; limit++) {
    const cut = cutMrkdwn(text, limit);
    expect(cut.length).toBeLessThanOrEqual(limit);
    expect(cut).not.toMatch(/&[a-z]*$|<[^>]*$/);
  }
});

test('message blocks: sections escaped, verbatim and within Slack’s 3000 characters however much escaping grows them', () => {
  const text = `${'&<>'.repeat(2500)}\n${HOSTILE}`;
  const blocks = slackBlocks({ text, buttons: [[{ label: '<!channel> Approve', action: 'x' }]] }) as { type: string; text?: { type: string; text: string; verbatim?: boolean }; elements?: { text: { type: string; text: string } }[] }[];
  const sections = blocks.filter((b) => b.type === 'section');
  expect(sections.length).toBeGreaterThan(1);
  for (const s of sections) {
    expect(s.text).toMatchObject({ type: 'mrkdwn', verbatim: true });
    expect(s.text!.text.length).toBeLessThanOrEqual(3000);
    expect(slackRender(s.text!.text).mentions).toEqual([]);
  }
  // Split where splitText splits (a line break or space may go), nothing else lost.
  const shown = sections.map((s) => slackRender(s.text!.text).text).join('');
  expect(shown.replace(/\s/g, '') === text.replace('https://evil.example', 'https://evil.example/').replace(/\s/g, '')).toBe(true);
  // Labels are plain_text: Slack parses nothing in them.
  expect(blocks.find((b) => b.type === 'actions')!.elements![0].text).toEqual({ type: 'plain_text', text: '<!channel> Approve' });
});

test('the App Home tab: hostile ticket fields and names stay text', () => {
  const blocks = homeBlocks({
    name: '<!channel>',
    language: 'en',
    tickets: [{ id: '42> <!here', title: HOSTILE, url: 'https://evil.example|Approve', urgency: '<@U0BOSS>', due: '2026-01-01T10:00:00Z' }],
    running: [{ what: 'restart of web1', requestedBy: '<!channel> *Bob*' }],
    youCan: ['status <host>: the host'],
    actions: [{ id: 'net.ok', title: '<!here> Is the network ok?', usage: 'is the network ok', runnable: true }],
  }) as { type: string; text?: { type: string; text: string }; elements?: { text: { type: string; text: string } }[] }[];
  for (const b of blocks) {
    if (b.text?.type !== 'mrkdwn') continue;
    const seen = slackRender(b.text.text);
    expect(seen.mentions).toEqual([]);
    expectHonestLinks(seen.links);
  }
  const shown = blocks.filter((b) => b.text).map((b) => (b.text!.type === 'mrkdwn' ? slackRender(b.text!.text).text : b.text!.text)).join('\n');
  // The action's button is plain text: no mention in it either.
  expect(blocks.find((b) => b.type === 'actions')!.elements![0].text).toEqual({ type: 'plain_text', text: '▶ <!here> Is the network ok?' });
  expect(shown).toContain(HOSTILE);
  expect(shown).toContain('<@U0BOSS>');
  expect(shown).toContain('<!channel> *Bob*');
  expect(shown).toContain('status <host>: the host');
});
