/**
 * The configuration's actions as chat sees them: each grammar compiled once,
 * who may run which, and which action a line of chat asks for.
 */
import type { ActionConfig } from '../../config/actions-schema';
import { matchGrammar, parseGrammar, type Grammar, type GrammarMatch } from './grammar';

const grammars = new WeakMap<ActionConfig, Grammar>();

export function actionGrammar(action: ActionConfig): Grammar {
  let grammar = grammars.get(action);
  if (!grammar) grammars.set(action, (grammar = parseGrammar(action.says)));
  return grammar;
}

/** Whether the person's roles include one the action names (every known person when it names none). */
export function mayRunAction(action: ActionConfig, roles: readonly string[]): boolean {
  return !action.roles || action.roles.some((r) => roles.includes(r));
}

/** The line the grammar reads with these values: "where is 10.20.30.5". */
export function askedLine(grammar: Grammar, params: Record<string, string>): string {
  return grammar.tokens.map((t) => ('literal' in t ? t.literal : Object.hasOwn(params, t.param) ? params[t.param] : '')).join(' ');
}

/** {name} replaced by the value, encoded for where it goes. */
export function fill(template: string, params: Record<string, string>, encode: (value: string) => string = (v) => v): string {
  return template.replace(/\{([^{}]*)\}/g, (_, name: string) => encode(Object.hasOwn(params, name) ? params[name] : ''));
}

/**
 * The action a line asks for, with its match: parameters, or what is wrong with them. Grammars never
 * overlap (the configuration refuses that), so the first whose words are there is the one; among those
 * that fit only in part, the one whose leading words go furthest is the one meant.
 */
export function findAction(actions: Record<string, ActionConfig>, text: string): { id: string; action: ActionConfig; match: GrammarMatch } | undefined {
  let partial: { id: string; action: ActionConfig; match: GrammarMatch; lead: number } | undefined;
  for (const [id, action] of Object.entries(actions)) {
    const grammar = actionGrammar(action);
    const match = matchGrammar(grammar, text);
    if (!match) continue;
    if ('params' in match) return { id, action, match };
    const lead = grammar.tokens.findIndex((t) => !('literal' in t));
    if (!partial || lead > partial.lead) partial = { id, action, match, lead };
  }
  return partial && { id: partial.id, action: partial.action, match: partial.match };
}
