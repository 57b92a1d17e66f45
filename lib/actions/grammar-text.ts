/**
 * What is wrong with a typed line, in a reader's language: the one wording of
 * the grammar's problems (English, from the same catalogue, for logs and refusals).
 */
import { t } from '../i18n';
import type { GrammarProblem, ParamType } from './grammar';

/** A type as the reader's language names it. */
function typeText(lang: string, type: ParamType): string {
  switch (type.kind) {
    case 'int':
      return type.max === Number.MAX_SAFE_INTEGER ? t(lang, 'grammar.type.intFrom', { min: type.min }) : t(lang, 'grammar.type.intRange', { min: type.min, max: type.max });
    case 'choice':
      return t(lang, 'grammar.type.choice', { options: type.options.join(', ') });
    case 'pattern':
      return t(lang, 'grammar.type.pattern', { pattern: `/${type.source}/` });
    default:
      return t(lang, `grammar.type.${type.kind}`);
  }
}

/** What is wrong with a typed line, in the reader's language. */
export function grammarProblemText(lang: string, why: GrammarProblem): string {
  switch (why.code) {
    case 'expected':
      return why.found === undefined ? t(lang, 'grammar.expectedEnd', { literal: why.literal }) : t(lang, 'grammar.expected', { literal: why.literal, found: why.found });
    case 'missing':
      return t(lang, 'grammar.missing', { param: why.param });
    case 'notType':
      return t(lang, 'grammar.notType', { value: why.value, type: typeText(lang, why.type) });
    case 'dash':
      return t(lang, 'grammar.dash', { value: why.value });
    case 'tooLong':
      return t(lang, 'grammar.tooLong', { param: why.param, max: why.max });
    case 'extra':
      return t(lang, 'grammar.extra', { rest: why.rest });
  }
}
