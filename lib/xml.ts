/** Text for XML documents (SVG, Confluence's storage format): escaped, and without what XML 1.0 cannot hold. */

// &#39;, not &apos;: Confluence's storage format is read as XHTML, where &apos; is no entity.
const ENTITIES: Record<string, string> = { '&': '&amp;', '<': '&lt;', '>': '&gt;', '"': '&quot;', "'": '&#39;' };

/** Characters XML 1.0 forbids dropped; a lone surrogate becomes U+FFFD. */
export function xmlCharacters(text: string): string {
  return text.replace(/[\u0000-\u0008\u000b\u000c\u000e-\u001f\ufffe\uffff]/g, '').replace(/[\ud800-\udbff](?![\udc00-\udfff])|(?<![\ud800-\udbff])[\udc00-\udfff]/g, '\ufffd');
}

/** Text safe inside an XML element or attribute: entities escaped, characters XML 1.0 forbids dropped. */
export function escapeXml(text: string): string {
  return xmlCharacters(text).replace(/[&<>"']/g, (c) => ENTITIES[c]);
}

/** A CDATA section holding any text: a "]]>" inside is split across two sections. */
export function cdata(text: string): string {
  return `<![CDATA[${xmlCharacters(text).replace(/]]>/g, ']]]]><![CDATA[>')}]]>`;
}
