/** A request's subtask XML: the published example, the format, and refusing what could hurt the worker (mistakes: forecast-xml-mistakes.test.ts). */
import { readFileSync } from 'node:fs';
import path from 'node:path';
import type { TaskNode } from '../lib/forecast/model';
import { DEFAULT_TASK_XML_LIMITS, parseTaskXml } from '../lib/forecast/task-xml';
import { syntheticRequestXml } from './helpers/synthetic-request';
import { findTask, leaves, nestedXml, outline, refusal, timed, where } from './helpers/task-xml-expect';

const EXAMPLE_PATH = path.resolve(__dirname, '../config/forecast/REQ-2041.xml');

describe('the published example (config/forecast/REQ-2041.xml)', () => {
  const text = readFileSync(EXAMPLE_PATH, 'utf8');
  const tree = parseTaskXml(text);

  test('reads as the nightly load: 25 subtasks, the request plus four levels of groups', () => {
    expect(tree.request).toBe('REQ-2041');
    expect(tree.title).toBe('Nightly price and stock load');
    expect(tree.subtaskCount).toBe(25);
    expect(tree.depth).toBe(5);
    expect(leaves(tree.root)).toHaveLength(25);
  });

  test('keeps the order and the modes as written, with the <include> expanded in place and the <define> not run by itself', () => {
    expect(outline(tree.root)).toEqual({
      sequence: [
        'freeze-catalog',
        {
          'parallel "Extract"': [
            'extract-prices-eu',
            'extract-prices-us',
            'extract-promotions',
            'extract-stock',
            {
              'sequence "Partner feeds"': [
                'fetch-partner-list',
                { 'parallel "Partner downloads"': ['fetch-acme', 'fetch-globex', { 'sequence "Initech (token first)"': ['initech-token', 'fetch-initech'] }] },
                'merge-partner-feeds',
              ],
            },
          ],
        },
        { 'sequence "Validate and stage"': [{ 'parallel "Checks"': ['validate-schema', 'validate-prices', 'validate-stock'] }, 'stage-tables'] },
        {
          'parallel "Load"': [
            { 'sequence "Prices"': ['load-prices-eu', 'load-prices-us', 'reprice-promotions'] },
            { 'sequence "Stock"': ['load-stock', 'recompute-availability'] },
          ],
        },
        { 'parallel "Publish"': ['refresh-search-index', 'warm-cache', 'export-marketplaces'] },
        'unfreeze-catalog',
        'send-report',
      ],
    });
  });

  test('gives each subtask its type, its name and the line it is written on', () => {
    expect(findTask(tree, 'freeze-catalog')).toEqual({
      kind: 'task',
      id: 'freeze-catalog',
      type: 'freeze-catalog',
      name: 'Freeze the catalogue',
      line: where(text, 'id="freeze-catalog"').line,
    });
    expect(findTask(tree, 'fetch-initech')).toMatchObject({ type: 'partner-fetch', name: 'Download the Initech feed', line: where(text, 'id="fetch-initech"').line });
    // A subtask that comes through an <include> keeps the line it is written on, inside the <define>.
    expect(findTask(tree, 'validate-schema').line).toBe(where(text, 'id="validate-schema"').line);
    // The group an <include> makes runs where the <include> is, so it has that line.
    expect(tree.root.children[2]).toMatchObject({ kind: 'group', name: 'Validate and stage', line: where(text, '<include ref="validate-and-stage"/>').line });
    expect(tree.root.line).toBe(where(text, '<request id="REQ-2041"').line);
  });

  test('uses each subtask type the forecast will look up, and every id once', () => {
    const tasks = leaves(tree.root).map((node) => (node.kind === 'task' ? node : undefined));
    expect(new Set(tasks.map((task) => task?.id)).size).toBe(25);
    expect(tasks.filter((task) => task?.type === 'partner-fetch').map((task) => task?.id)).toEqual(['fetch-acme', 'fetch-globex', 'fetch-initech']);
  });
});

describe('the format', () => {
  test('nests sequence and parallel groups ten deep, alternating as written', () => {
    const tree = parseTaskXml(nestedXml(10));
    expect(tree.depth).toBe(10);
    expect(tree.subtaskCount).toBe(1);
    const modes: string[] = [];
    let node: TaskNode = tree.root;
    while (node.kind === 'group') {
      modes.push(node.mode);
      node = node.children[0];
    }
    expect(modes).toEqual(['sequence', 'parallel', 'sequence', 'parallel', 'sequence', 'parallel', 'sequence', 'parallel', 'sequence', 'parallel']);
    expect(node).toMatchObject({ id: 'bottom', line: 11 });
  });

  test('<group mode> is the same as <sequence> and <parallel>; names are optional and entities in them are decoded', () => {
    const tree = parseTaskXml(`<request>
  <group mode="parallel" name="Price &amp; stock &#x2013; EU">
    <task id="a" type="load" name="Load &quot;A&quot;"/>
    <group mode="sequence"><task id="b" type="load"/></group>
  </group>
</request>`);
    expect(tree.root.children[0]).toEqual({
      kind: 'group',
      mode: 'parallel',
      name: 'Price & stock – EU',
      line: 2,
      children: [
        { kind: 'task', id: 'a', type: 'load', name: 'Load "A"', line: 3 },
        { kind: 'group', mode: 'sequence', line: 4, children: [{ kind: 'task', id: 'b', type: 'load', line: 4 }] },
      ],
    });
    expect(tree.request).toBeUndefined();
    expect(tree.title).toBeUndefined();
  });

  test('keeps empty groups (they take no time) but they do not count as subtasks', () => {
    const tree = parseTaskXml('<request><task id="a" type="t"/><parallel name="Nothing yet"/><sequence></sequence></request>');
    expect(outline(tree.root)).toEqual({ sequence: ['a', { 'parallel "Nothing yet"': [] }, { sequence: [] }] });
    expect(tree.subtaskCount).toBe(1);
    expect(tree.depth).toBe(2);
  });

  test('ignores text, comments, CDATA, an XML declaration and attributes it does not know', () => {
    const tree = parseTaskXml(`<?xml version="1.0" encoding="UTF-8"?>
<request id="R" owner="ops">
  Some notes. <!-- a comment --> <![CDATA[ <task id="not-a-task"/> ]]>
  <task id="a" type="t" retries="3">text inside a task</task>
</request>`);
    expect(outline(tree.root)).toEqual({ sequence: ['a'] });
  });

  test('counts lines the same with Windows line ends', () => {
    expect(refusal('<request>\r\n  <task id="a" type="t"/>\r\n  <task type="t"/>\r\n</request>')).toMatchObject({ code: 'missingAttribute', line: 3, column: 3 });
  });

  test('expands <define> where each <include> is, as a group with its mode and name, also inside groups and other defines', () => {
    const tree = parseTaskXml(`<request>
  <parallel name="Checks">
    <include ref="eu"/>
    <include ref="us"/>
  </parallel>
  <define id="eu" mode="sequence" name="EU checks">
    <task id="eu-1" type="check"/>
    <include ref="common"/>
  </define>
  <define id="us" mode="parallel">
    <task id="us-1" type="check"/>
  </define>
  <define id="common" mode="parallel" name="Common">
    <task id="common-1" type="check"/>
    <task id="common-2" type="check"/>
  </define>
  <define id="never-used" mode="sequence"><task id="unused" type="check"/></define>
</request>`);
    expect(outline(tree.root)).toEqual({
      sequence: [{ 'parallel "Checks"': [{ 'sequence "EU checks"': ['eu-1', { 'parallel "Common"': ['common-1', 'common-2'] }] }, { parallel: ['us-1'] }] }],
    });
    expect(tree.subtaskCount).toBe(4);
    expect(tree.depth).toBe(4);
    expect(tree.root.children[0]).toMatchObject({ children: [{ line: 3 }, { line: 4 }] });
  });

  test('the synthetic requests for benchmarks are valid, exactly as large and deep as asked, and the same for the same seed', () => {
    for (const [subtasks, depth] of [
      [1, 1],
      [7, 6],
      [500, 12],
      [10_000, 20],
    ]) {
      const xml = syntheticRequestXml({ subtasks, depth, types: 12, seed: 42 });
      const tree = parseTaskXml(xml);
      expect({ subtasks: tree.subtaskCount, depth: tree.depth }).toEqual({ subtasks, depth });
      expect(new Set(leaves(tree.root).map((node) => node.kind === 'task' && node.type)).size).toBeLessThanOrEqual(12);
    }
    const options = { subtasks: 300, depth: 8, types: 5, seed: 1 };
    expect(syntheticRequestXml(options)).toBe(syntheticRequestXml(options));
    expect(syntheticRequestXml({ ...options, seed: 2 })).not.toBe(syntheticRequestXml(options));
  });

  test('10 000 subtasks 20 levels deep parse fast', () => {
    const xml = syntheticRequestXml({ subtasks: 10_000, depth: 20, types: 30, seed: 7 });
    parseTaskXml(xml); // warm up the JIT, as a long-running worker is
    const runs = Array.from({ length: 5 }, () => timed(() => parseTaskXml(xml)));
    const fastest = Math.min(...runs.map((run) => run.ms));
    expect(runs[0].result.subtaskCount).toBe(10_000);
    // The target is 100 ms on an idle 2-core machine; the bound is looser so a busy CI box does not fail it, while anything quadratic still would.
    expect(fastest).toBeLessThan(500);
  });
});

describe('what could hurt the worker is refused before the parser sees it', () => {
  const billionLaughs = `<?xml version="1.0"?>
<!DOCTYPE lolz [
 <!ENTITY lol "lol">
 <!ENTITY lol2 "&lol;&lol;&lol;&lol;&lol;&lol;&lol;&lol;&lol;&lol;">
 <!ENTITY lol3 "&lol2;&lol2;&lol2;&lol2;&lol2;&lol2;&lol2;&lol2;&lol2;&lol2;">
 <!ENTITY lol4 "&lol3;&lol3;&lol3;&lol3;&lol3;&lol3;&lol3;&lol3;&lol3;&lol3;">
 <!ENTITY lol5 "&lol4;&lol4;&lol4;&lol4;&lol4;&lol4;&lol4;&lol4;&lol4;&lol4;">
 <!ENTITY lol6 "&lol5;&lol5;&lol5;&lol5;&lol5;&lol5;&lol5;&lol5;&lol5;&lol5;">
 <!ENTITY lol7 "&lol6;&lol6;&lol6;&lol6;&lol6;&lol6;&lol6;&lol6;&lol6;&lol6;">
 <!ENTITY lol8 "&lol7;&lol7;&lol7;&lol7;&lol7;&lol7;&lol7;&lol7;&lol7;&lol7;">
 <!ENTITY lol9 "&lol8;&lol8;&lol8;&lol8;&lol8;&lol8;&lol8;&lol8;&lol8;&lol8;">
]>
<request title="&lol9;"><task id="a" type="t" name="&lol9;"/></request>`;

  test('a billion-laughs document: refused for its DOCTYPE, at once, nothing expanded', () => {
    const { result: err, ms } = timed(() => refusal(billionLaughs));
    expect(err).toMatchObject({ code: 'doctype', line: 2, column: 1, vars: { declaration: 'DOCTYPE' } });
    expect(err.message).toContain('<!DOCTYPE …> is not accepted: DTDs and entity declarations are refused');
    expect(err.message).not.toContain('lol');
    expect(ms).toBeLessThan(50);
  });

  test('an entity declaration without a DOCTYPE is refused too', () => {
    expect(refusal('<request>\n  <!ENTITY x "y">\n  <task id="a" type="t"/>\n</request>')).toMatchObject({ code: 'doctype', line: 2, column: 3, vars: { declaration: 'ENTITY' } });
  });

  test('an undeclared entity is kept as written, never expanded (and so is a bare & in an attribute, which the validator lets by)', () => {
    const tree = parseTaskXml('<request><task id="a" type="t" name="&lol9; &amp; more"/><task id="b" type="t" name="Load & check"/></request>');
    expect(findTask(tree, 'a')).toMatchObject({ name: '&lol9; & more' });
    expect(findTask(tree, 'b')).toMatchObject({ name: 'Load & check' });
  });

  test('groups nested 100 deep: refused at the first group past the limit of 50', () => {
    const err = refusal(nestedXml(100));
    expect(err).toMatchObject({ code: 'tooDeep', line: 51, column: 101, vars: { depth: 51, maxDepth: 50 } });
    expect(err.message).toMatch(/^Line 51, column 101: groups are nested 51 deep here, more than the limit of 50 /);
  });

  test('exactly the limit is fine, one more is not, and the limit can be lowered', () => {
    expect(parseTaskXml(nestedXml(50)).depth).toBe(50);
    expect(refusal(nestedXml(51))).toMatchObject({ code: 'tooDeep', line: 51 });
    expect(parseTaskXml(nestedXml(3), { maxDepth: 3 }).depth).toBe(3);
    expect(refusal(nestedXml(4), { maxDepth: 3 })).toMatchObject({ code: 'tooDeep', line: 4, vars: { depth: 4, maxDepth: 3 } });
  });

  test('100 000 levels of nesting: refused quickly, without a stack overflow', () => {
    const levels = 100_000;
    const deep = `<request>${'<sequence>'.repeat(levels)}<task id="a" type="t"/>${'</sequence>'.repeat(levels)}</request>`;
    const { result: err, ms } = timed(() => refusal(deep));
    expect(err).toMatchObject({ code: 'tooDeep', line: 1, column: '<request>'.length + 49 * '<sequence>'.length + 1, vars: { depth: 51 } });
    expect(ms).toBeLessThan(200);
    // Unclosed, and inside a <define>, it is refused the same way.
    expect(refusal(`<request><define id="d" mode="sequence">${'<parallel>'.repeat(levels)}`).code).toBe('tooDeep');
  });

  test('nesting that only an <include> makes too deep is refused where it passes the limit', () => {
    const xml = `<request>
  <sequence>
    <include ref="deep"/>
  </sequence>
  <define id="deep" mode="parallel">
    <sequence>
      <task id="a" type="t"/>
    </sequence>
  </define>
</request>`;
    expect(parseTaskXml(xml, { maxDepth: 4 }).depth).toBe(4);
    expect(refusal(xml, { maxDepth: 3 })).toMatchObject({ code: 'tooDeep', line: 6, column: 5, vars: { depth: 4, maxDepth: 3 } });
  });

  test('over 5 MiB: refused before parsing, saying the size and the limit', () => {
    const padding = ' '.repeat(DEFAULT_TASK_XML_LIMITS.maxBytes);
    const err = refusal(`<request><task id="a" type="t"/>${padding}</request>`);
    expect(err.code).toBe('tooLarge');
    expect(err.line).toBeUndefined();
    expect(err.message).toBe(`The request XML is ${DEFAULT_TASK_XML_LIMITS.maxBytes + 42} bytes, more than the limit of 5242880 bytes (5.0 MiB). Split the request into smaller requests.`);
  });

  test('the size is counted in UTF-8 bytes', () => {
    const xml = '<request><task id="a" type="t" name="Überprüfung"/></request>';
    expect(parseTaskXml(xml, { maxBytes: Buffer.byteLength(xml) }).subtaskCount).toBe(1);
    expect(refusal(xml, { maxBytes: xml.length }).code).toBe('tooLarge');
  });

  test('more subtasks than the limit', () => {
    const xml = syntheticRequestXml({ subtasks: 11, depth: 3, types: 2, seed: 3 });
    expect(parseTaskXml(xml, { maxSubtasks: 11 }).subtaskCount).toBe(11);
    const err = refusal(xml, { maxSubtasks: 10 });
    expect(err).toMatchObject({ code: 'tooManySubtasks', vars: { maxSubtasks: 10 } });
    expect(err.message).toBe('The request has more than 10 subtasks (counting the ones each <include> brings in). Split it into smaller requests.');
  });

  test('defines that include each other twice over cannot blow up into millions of groups', () => {
    const defines = Array.from({ length: 30 }, (_, i) => `<define id="d${i}" mode="parallel"><include ref="d${i + 1}"/><include ref="d${i + 1}"/></define>`);
    const xml = `<request><task id="a" type="t"/><include ref="d0"/>${defines.join('')}<define id="d30" mode="sequence"/></request>`;
    const { result: err, ms } = timed(() => refusal(xml));
    expect(err).toMatchObject({ code: 'tooManyGroups', vars: { maxGroups: 50_000 } });
    expect(ms).toBeLessThan(1000);
  });
});
