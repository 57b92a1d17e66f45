/**
 * Finds the http(s) links in a message's plain text. Plain JavaScript on
 * purpose: the console page runs this very file in the browser (served at
 * /console/text-links.js) and the Slack adapter requires it, so both decide
 * alike what is a link. Anything else (javascript:, data:, a "|" that Slack
 * would read as a label) is left as text.
 */
(function (root, factory) {
  if (typeof module === 'object' && module.exports) module.exports = factory();
  else root.dutydeskTextLinks = factory();
})(typeof self !== 'undefined' ? self : this, function () {
  'use strict';
  // Stops at what ends a link in text, and at characters that are markup on some platform.
  var LINK = /https?:\/\/[^\s<>"'`|\\]+/gi;
  // Sentence punctuation after a link is not part of it.
  var TRAILING = /[.,;:!?)\]}]+$/;

  /** The URL, normalised, when it is an absolute http(s) URL with a host; else undefined. */
  function httpHref(candidate) {
    var url;
    // As written, not as URL() would repair it (leading spaces, "//host").
    if (!/^https?:\/\/[^\s]/i.test(String(candidate))) return undefined;
    try {
      url = new URL(String(candidate));
    } catch (err) {
      return undefined;
    }
    return (url.protocol === 'http:' || url.protocol === 'https:') && url.hostname ? url.href : undefined;
  }

  /** The text cut into parts: { text } as it is, and { text, href } for each link. */
  function textParts(text) {
    var source = String(text);
    var parts = [];
    var last = 0;
    LINK.lastIndex = 0;
    var match;
    while ((match = LINK.exec(source)) !== null) {
      var shown = match[0].replace(TRAILING, '');
      var href = httpHref(shown);
      if (!href) continue;
      if (match.index > last) parts.push({ text: source.slice(last, match.index) });
      parts.push({ text: shown, href: href });
      last = match.index + shown.length;
      LINK.lastIndex = last;
    }
    if (last < source.length) parts.push({ text: source.slice(last) });
    return parts;
  }

  return { textParts: textParts, httpHref: httpHref };
});
