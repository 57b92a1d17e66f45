/**
 * How the console page shows a message, as a tree of plain nodes
 * ({ tag, attrs, text, children, press }), never an HTML string: every
 * piece of text (names, message texts, file names, button labels) ends up a
 * text node, links are elements whose href is http(s) or the console's own
 * files, and toDom builds the elements with createElement alone.
 * Plain JavaScript so the browser runs this very file (served at
 * /console/message-view.js) and the tests require it in node.
 */
(function (root, factory) {
  if (typeof module === 'object' && module.exports) module.exports = factory(require('../../lib/messages/text-links.js'));
  else root.dutydeskMessageView = factory(root.dutydeskTextLinks);
})(typeof self !== 'undefined' ? self : this, function (links) {
  'use strict';
  var TAGS = ['div', 'span', 'a', 'img', 'button'];
  var ATTRS = ['class', 'href', 'src', 'alt', 'target', 'rel', 'title', 'data-id'];
  var OWN_FILE = /^\/console\/files\/[A-Za-z0-9._%-]+$/;

  /** An address a link or picture may have: the console's own files, or absolute http(s). */
  function safeUrl(value) {
    var url = String(value);
    if (OWN_FILE.test(url)) return url;
    return links.httpHref(url);
  }

  /** A text as text nodes, its http(s) links as <a> elements. */
  function textView(text) {
    return links.textParts(String(text == null ? '' : text)).map(function (part) {
      if (!part.href) return { text: part.text };
      return { tag: 'a', attrs: { href: part.href, target: '_blank', rel: 'noopener noreferrer' }, text: part.text };
    });
  }

  function fileView(attachment) {
    var url = '/console/files/' + encodeURIComponent(String(attachment.fileId));
    if (attachment.kind === 'photo') {
      return { tag: 'div', children: [{ tag: 'a', attrs: { href: url, target: '_blank', rel: 'noopener noreferrer' }, children: [{ tag: 'img', attrs: { src: url, alt: String(attachment.name), class: 'picture' } }] }] };
    }
    return { tag: 'div', children: [{ text: '📎 ' }, { tag: 'a', attrs: { href: url }, text: String(attachment.name) }] };
  }

  function timeOf(ms) {
    var when = new Date(Number(ms));
    return isNaN(when.getTime()) ? '' : when.toLocaleTimeString();
  }

  /** One message: who and when, the text, a file, rows of buttons (press: what to send when pressed). */
  function messageView(m, users) {
    var fromBot = m.from === 'bot';
    var person = (users || []).find(function (u) { return u.id === m.userId; });
    var who = fromBot ? 'dutydesk' : person ? person.name : String(m.userId == null ? '?' : m.userId);
    var meta = who + ' · ' + timeOf(m.editedAt != null ? m.editedAt : m.createdAt) + (m.editedAt != null ? ' · edited' : '');
    var children = [
      { tag: 'div', attrs: { class: 'meta' }, text: meta },
      { tag: 'div', attrs: { class: 'text' }, children: textView(m.text) },
    ];
    if (m.attachment) children.push(fileView(m.attachment));
    (Array.isArray(m.buttons) ? m.buttons : []).forEach(function (row) {
      children.push({
        tag: 'div',
        attrs: { class: 'buttons' },
        children: (Array.isArray(row) ? row : []).map(function (b) {
          return { tag: 'button', text: String(b.label), press: { messageId: String(m.id), action: String(b.action) } };
        }),
      });
    });
    return { tag: 'div', attrs: { class: fromBot ? 'msg bot' : 'msg user', 'data-id': String(m.id) }, children: children };
  }

  /** Elements from a tree, with doc's createElement and createTextNode only; onPress(press) for buttons. */
  function toDom(node, doc, onPress) {
    if (node.tag === undefined) return doc.createTextNode(String(node.text));
    if (TAGS.indexOf(node.tag) < 0) throw new Error('the console does not show <' + node.tag + '>');
    var el = doc.createElement(node.tag);
    var attrs = node.attrs || {};
    Object.keys(attrs).forEach(function (name) {
      var value = attrs[name];
      if (value === undefined) return;
      if (ATTRS.indexOf(name) < 0) throw new Error('the console sets no attribute ' + name);
      if (name === 'href' || name === 'src') value = safeUrl(value);
      if (value !== undefined) el.setAttribute(name, String(value));
    });
    if (node.text !== undefined) el.appendChild(doc.createTextNode(String(node.text)));
    (node.children || []).forEach(function (child) {
      el.appendChild(toDom(child, doc, onPress));
    });
    if (node.press && onPress) {
      el.addEventListener('click', function () {
        onPress(node.press);
      });
    }
    return el;
  }

  return { messageView: messageView, textView: textView, toDom: toDom, safeUrl: safeUrl };
});
