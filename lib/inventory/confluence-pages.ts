/**
 * The published inventory in Confluence's storage format (XHTML): the hosts
 * and networks as tables, the diagram as an attached SVG with its Graphviz
 * source. Every text is escaped, characters XML cannot hold are dropped, and
 * nothing in a page changes unless the inventory does, so an unchanged
 * inventory is never published twice.
 */
import { cdata, escapeXml as xmlText } from '../xml';
import type { Cell, Table } from './tables';
import type { Diagram } from './diagram-dot';

const cell = (value: Cell) => (value === undefined || value === '' ? '' : xmlText(String(value)));

function table({ header, rows }: Table): string {
  const head = `<tr>${header.map((h) => `<th>${xmlText(h)}</th>`).join('')}</tr>`;
  return `<table><tbody>${head}${rows.map((r) => `<tr>${r.map((v) => `<td>${cell(v)}</td>`).join('')}</tr>`).join('')}</tbody></table>`;
}

const NOTE = '<p><em>Published by dutydesk from its configuration. Edit the configuration, not this page: a page edited here is no longer updated until dutydesk is told to overwrite it.</em></p>';

export function tablePage(what: string, data: Table): string {
  return `${NOTE}<p>${xmlText(`${data.rows.length} ${what}.`)}</p>${table(data)}`;
}

export const DIAGRAM_FILE = 'network-diagram.svg';

export function diagramPage(diagram: Diagram): string {
  const left = diagram.leftOut.networks || diagram.leftOut.hosts ? `<p>${xmlText(`Too large to draw whole: ${diagram.leftOut.networks} networks and ${diagram.leftOut.hosts} hosts are left out.`)}</p>` : '';
  return [
    NOTE,
    `<p>${xmlText(`${diagram.networks} networks, ${diagram.hosts} hosts.`)}</p>`,
    left,
    `<p><ac:image ac:alt="Network diagram"><ri:attachment ri:filename="${DIAGRAM_FILE}" /></ac:image></p>`,
    '<ac:structured-macro ac:name="expand"><ac:parameter ac:name="title">Graphviz source</ac:parameter><ac:rich-text-body>',
    `<ac:structured-macro ac:name="code"><ac:parameter ac:name="language">text</ac:parameter><ac:plain-text-body>${cdata(diagram.dot)}</ac:plain-text-body></ac:structured-macro>`,
    '</ac:rich-text-body></ac:structured-macro>',
  ].join('');
}
