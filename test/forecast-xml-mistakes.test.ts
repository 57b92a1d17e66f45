/** Mistakes in a request's subtask XML: each refused with what is wrong, the line and column, and what to do. */
import { refusal } from './helpers/task-xml-expect';
import { t } from '../lib/i18n';
import { taskXmlErrorText } from '../lib/messages/forecast';

describe('malformed XML is refused with the line and column of the mistake', () => {
  test('a tag never closed, on line 4', () => {
    const err = refusal(`<request id="R">
  <sequence name="Load">
    <task id="a" type="t"/>
    <task id="b" type="t">
  </sequence>
</request>`);
    expect(err).toMatchObject({ code: 'unclosedTag', line: 4, column: 5, vars: { tag: 'task', line: 4, column: 5 } });
    expect(err.message).toBe('Line 4, column 5: <task> is never closed. Close it with </task> after its content, or write it as <task … /> if it has none.');
  });

  test('a document cut short names the innermost open tag', () => {
    expect(refusal('<request>\n  <parallel>\n    <task id="a" type="t"/>\n')).toMatchObject({ code: 'unclosedTag', line: 2, column: 3, vars: { tag: 'parallel' } });
  });

  test('an attribute without quotes, a stray closing tag, a second root, a bare &', () => {
    const unquoted = refusal('<request>\n  <task id="a"\n        type=load/>\n</request>');
    expect(unquoted).toMatchObject({ code: 'malformed', line: 3, column: 9 });
    expect(unquoted.message).toBe("Line 3, column 9: the XML is not well-formed: Attribute 'type' is without value. Fix the XML and send it again.");
    expect(refusal('<request>\n  <task id="a" type="t"/>\n  </sequence>\n</request>')).toMatchObject({ code: 'malformed', line: 3, column: 3 });
    expect(refusal('<request>\n  <task id="a" type="t"/>\n</request>\n<request/>')).toMatchObject({
      code: 'malformed',
      line: 4,
      column: 1,
      message: expect.stringContaining('a second root element <request>'),
    });
    expect(refusal('<request>\n  <task id="a" type="t"/> Load & check\n</request>')).toMatchObject({ code: 'malformed', line: 2, column: 32 });
    expect(refusal('<request><!-- never closed\n<task id="a" type="t"/></request>')).toMatchObject({ code: 'malformed', line: 1, column: 10, message: expect.stringContaining('<!-- is never closed') });
  });
});

describe('mistakes in the format are refused with the line and column and what to do', () => {
  test('a <task> without an id or a type, or with an empty one', () => {
    const noId = refusal('<request>\n  <task id="a" type="t"/>\n    <task type="load"/>\n</request>');
    expect(noId).toMatchObject({ code: 'missingAttribute', line: 3, column: 5, vars: { element: 'task', attribute: 'id' } });
    expect(noId.message).toBe('Line 3, column 5: <task> needs a non-empty id attribute, e.g. <task id="load-eu" type="load"/>');
    expect(refusal('<request>\n<task id="a"/>\n</request>')).toMatchObject({ code: 'missingAttribute', line: 2, column: 1, vars: { attribute: 'type' } });
    expect(refusal('<request><task id=" " type="t"/></request>')).toMatchObject({ code: 'missingAttribute', vars: { attribute: 'id' } });
    expect(refusal('<request><include/></request>').message).toContain('<include> needs a non-empty ref attribute, e.g. <include ref="validate"/>');
  });

  test('the same subtask id twice names both lines', () => {
    const err = refusal(`<request>
  <task id="load" type="load"/>
  <parallel>
    <task id="check" type="check"/>
    <task id="load" type="load"/>
  </parallel>
</request>`);
    expect(err).toMatchObject({ code: 'duplicateId', line: 5, column: 5, vars: { id: 'load', firstLine: 2, firstColumn: 3 } });
    expect(err.message).toMatch(/^Line 5, column 5: subtask id "load" is already used at line 2, column 3\. /);
  });

  test('a <define> with subtasks included twice names the two <include>s and says to use separate defines', () => {
    const err = refusal(`<request>
  <include ref="validate"/>
  <task id="load" type="load"/>
  <include ref="validate"/>
  <define id="validate" mode="sequence">
    <task id="validate-schema" type="validate"/>
  </define>
</request>`);
    expect(err).toMatchObject({ code: 'duplicateId', line: 4, column: 3, vars: { id: 'validate-schema', firstLine: 2, firstColumn: 3 } });
    expect(err.message).toContain('each <include> copies its <define> with the same ids: rename one, or give each place its own <define>');
  });

  test('two defines with one id', () => {
    expect(refusal('<request>\n<define id="v" mode="sequence"/>\n<define id="v" mode="parallel"/>\n</request>')).toMatchObject({
      code: 'duplicateDefine',
      line: 3,
      vars: { id: 'v', firstLine: 2, firstColumn: 1 },
    });
  });

  test('an <include> of no <define> lists the defines there are', () => {
    const err = refusal(`<request>
  <task id="a" type="t"/>
  <include ref="validat"/>
  <define id="validate" mode="sequence"><task id="v" type="t"/></define>
  <define id="stage" mode="sequence"><task id="s" type="t"/></define>
</request>`);
    expect(err).toMatchObject({ code: 'unknownRef', line: 3, column: 3, vars: { ref: 'validat', known: '"validate", "stage"' } });
    expect(err.message).toBe(
      'Line 3, column 3: <include ref="validat"/> names no <define>. Defined: "validate", "stage". Add <define id="validat" mode="sequence">…</define> directly under <request>, or fix the ref.',
    );
  });

  test('defines including each other show the loop', () => {
    const err = refusal(`<request>
  <include ref="a"/>
  <define id="a" mode="sequence">
    <task id="t1" type="t"/>
    <include ref="b"/>
  </define>
  <define id="b" mode="parallel">
    <include ref="a"/>
  </define>
</request>`);
    expect(err).toMatchObject({ code: 'cycle', line: 8, column: 5, vars: { chain: 'a → b → a' } });
    expect(err.message).toBe('Line 8, column 5: defines include each other in a loop: a → b → a. A <define> cannot include itself, directly or through others.');
    expect(refusal('<request><task id="x" type="t"/><define id="self" mode="sequence"><include ref="self"/></define></request>').vars.chain).toBe('self → self');
  });

  test('an unknown element says which are allowed there', () => {
    const err = refusal('<request>\n  <sequence>\n    <step id="a" type="t"/>\n  </sequence>\n</request>');
    expect(err).toMatchObject({ code: 'unknownElement', line: 3, column: 5, vars: { element: 'step', parent: 'sequence' } });
    expect(err.message).toBe('Line 3, column 5: <step> is not allowed inside <sequence>. Allowed there: <task>, <sequence>, <parallel>, <group>, <include>.');
    expect(refusal('<request><tasks/></request>').message).toContain('Allowed there: <task>, <sequence>, <parallel>, <group>, <include>, <define>.');
  });

  test('a <define> below the top level, and elements inside a <task>', () => {
    expect(refusal('<request>\n  <parallel>\n    <define id="d" mode="sequence"/>\n  </parallel>\n</request>')).toMatchObject({
      code: 'misplacedDefine',
      line: 3,
      column: 5,
      message: expect.stringContaining('<define> must sit directly under <request>, not inside <parallel>'),
    });
    expect(refusal('<request>\n  <task id="a" type="t">\n    <task id="b" type="t"/>\n  </task>\n</request>')).toMatchObject({
      code: 'childInLeaf',
      line: 3,
      column: 5,
      vars: { element: 'task', child: 'task' },
    });
  });

  test('a mode other than sequence or parallel', () => {
    const err = refusal('<request>\n  <group mode="serial" name="Load"/>\n</request>');
    expect(err).toMatchObject({ code: 'badMode', line: 2, column: 3, vars: { element: 'group', mode: 'serial' } });
    expect(err.message).toBe('Line 2, column 3: <group> has mode="serial", but the mode must be "sequence" or "parallel".');
    expect(refusal('<request><define id="d" mode="Parallel"/></request>')).toMatchObject({ code: 'badMode', vars: { element: 'define' } });
    expect(refusal('<request><group name="x"/></request>')).toMatchObject({ code: 'missingAttribute', vars: { attribute: 'mode' } });
  });

  test('a root other than <request>', () => {
    expect(refusal('<?xml version="1.0"?>\n<tasks><task id="a" type="t"/></tasks>')).toMatchObject({ code: 'badRoot', line: 2, column: 1, vars: { element: 'tasks' } });
  });

  test('a request without subtasks: none at all, only empty groups, only defines never included, or no text', () => {
    const expected = { code: 'empty', message: 'The request has no subtasks. Add at least one <task id="…" type="…"/> under <request>.' };
    expect(refusal('<request id="R"/>')).toMatchObject(expected);
    expect(refusal('<request><parallel><sequence/></parallel></request>')).toMatchObject(expected);
    expect(refusal('<request><define id="d" mode="sequence"><task id="a" type="t"/></define></request>')).toMatchObject(expected);
    expect(refusal('  \n')).toMatchObject(expected);
  });

  test('the message is the English template filled with vars, and the reader gets it in their language', () => {
    const err = refusal('<request><group mode="x"/></request>');
    expect(err.message).toBe('Line 1, column 10: <group> has mode="x", but the mode must be "sequence" or "parallel".');
    expect(taskXmlErrorText('es', err)).toBe('su fichero de subtareas no es válido. ' + t('es', 'xml.badMode', { line: 1, column: 10, element: 'group', mode: 'x' }));
    expect(taskXmlErrorText('ru', err)).toMatch(/^её файл подзадач некорректен\. Строка 1, столбец 10: .*mode="x"/);
    expect(err).toBeInstanceOf(Error);
    expect(err.name).toBe('TaskXmlError');
  });
});
