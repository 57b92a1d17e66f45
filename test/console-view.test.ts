/**
 * The console's message view with hostile input: names, texts, links, file
 * names and button labels from outside become text nodes, links get only
 * http(s) addresses, and the DOM is built without parsing any HTML.
 */
import { messageView, safeUrl, textView, toDom, type ViewNode } from '../chat-gateway/web-console/message-view';
import { textParts } from '../lib/messages/text-links';
import { expectInert, MiniElement, MiniText, miniDocument } from './helpers/mini-dom';

const XSS_NAME = '<img src=x onerror=alert(1)>';
const users = [{ id: 'alice', name: 'Alice' }];

function draw(node: ViewNode, onPress?: (p: { messageId: string; action: string }) => void): MiniElement {
  return toDom(node, miniDocument, onPress) as MiniElement;
}

test('a user named like an image tag shows as that text, in a text node', () => {
  const root = draw(messageView({ id: '7', from: 'user', userId: XSS_NAME, text: 'hi', buttons: [], createdAt: 0, version: 1 }, users));
  expectInert(root);
  expect(root.all().filter((el) => el.tagName === 'img')).toHaveLength(0);
  const meta = root.all().find((el) => el.attributes.get('class') === 'meta')!;
  expect(meta.children[0]).toBeInstanceOf(MiniText);
  expect(meta.textContent).toContain(XSS_NAME);
});

test('texts with markup and links that try to carry attributes stay text; links are http(s) only', () => {
  const text = [
    'Ticket: <script>alert(1)</script> & "quotes"',
    'https://evil.example/"onmouseover="alert(1)',
    "https://evil.example/a'onfocus='alert(2)",
    'javascript:alert(3) data:text/html,<b>x</b> vbscript:x',
    'HTTPS://Good.Example/run?a=1&b=2.',
  ].join('\n');
  const root = draw(messageView({ id: '8', from: 'bot', text, buttons: [], createdAt: 0, version: 1 }, users));
  expectInert(root);
  const links = root.all().filter((el) => el.tagName === 'a');
  expect(links.map((a) => a.attributes.get('href'))).toEqual(['https://evil.example/', 'https://evil.example/a', 'https://good.example/run?a=1&b=2']);
  for (const a of links) expect(a.attributes.get('rel')).toBe('noopener noreferrer');
  // Every character of the text is shown, as text.
  expect(root.all().find((el) => el.attributes.get('class') === 'text')!.textContent).toBe(text);
});

test('file names and button labels are text; a press sends only the message and its action', () => {
  const pressed: unknown[] = [];
  const m = {
    id: '9',
    from: 'bot',
    text: 'Dump ready',
    attachment: { fileId: '../../etc/passwd', name: '"><img src=x onerror=alert(1)>', kind: 'document' },
    buttons: [[{ label: '<b onclick="alert(1)">Approve</b>', action: 'restart.approve:restart-web1' }]],
    createdAt: 0,
    version: 1,
  };
  const root = draw(messageView(m, users), (p) => pressed.push(p));
  expectInert(root);
  const file = root.all().find((el) => el.tagName === 'a')!;
  expect(file.attributes.get('href')).toBe('/console/files/..%2F..%2Fetc%2Fpasswd');
  expect(file.textContent).toBe(m.attachment.name);
  const button = root.all().find((el) => el.tagName === 'button')!;
  expect(button.textContent).toBe(m.buttons[0][0].label);
  expect(button.attributes.size).toBe(0);
  button.listeners.find((l) => l.type === 'click')!.listener();
  expect(pressed).toEqual([{ messageId: '9', action: 'restart.approve:restart-web1' }]);
});

test('a picture is an <img> of the console’s own file, never of a data: or script address', () => {
  const root = draw(messageView({ id: '10', from: 'bot', text: 'Chart', attachment: { fileId: 'abc', name: 'gantt.png', kind: 'photo' }, buttons: [], createdAt: 0, version: 1 }, users));
  expectInert(root);
  expect(root.all().find((el) => el.tagName === 'img')!.attributes.get('src')).toBe('/console/files/abc');
  for (const bad of ['javascript:alert(1)', 'data:image/svg+xml,<svg onload=alert(1)>', '//evil.example/x', '/console/files/../admin', ' https://x.example']) {
    expect(safeUrl(bad)).toBeUndefined();
    const img = draw({ tag: 'img', attrs: { src: bad } });
    expect(img.attributes.has('src')).toBe(false);
  }
});

test('toDom makes no element or attribute outside its short lists', () => {
  expect(() => draw({ tag: 'script' as 'div', text: 'alert(1)' })).toThrow('does not show <script>');
  expect(() => draw({ tag: 'div', attrs: { onclick: 'alert(1)' } })).toThrow('no attribute onclick');
  expect(() => draw({ tag: 'div', attrs: { style: 'background:url(javascript:x)' } })).toThrow('no attribute style');
});

test('text-links finds http(s) links only and never swallows a "|" that Slack reads as a label', () => {
  expect(textParts('see <https://evil.example|Approve> now')).toEqual([
    { text: 'see <' },
    { text: 'https://evil.example', href: 'https://evil.example/' },
    { text: '|Approve> now' },
  ]);
  expect(textParts('ftp://x.example javascript://x.example/%0aalert(1) http://')).toEqual([{ text: 'ftp://x.example javascript://x.example/%0aalert(1) http://' }]);
  expect(textView('(https://run.example/a).')).toEqual([{ text: '(' }, { tag: 'a', attrs: { href: 'https://run.example/a', target: '_blank', rel: 'noopener noreferrer' }, text: 'https://run.example/a' }, { text: ').' }]);
});
