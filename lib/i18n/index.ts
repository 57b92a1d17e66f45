/** Every text the bot sends goes through t(), so each is translatable. */
import { en, type MessageKey } from './en';

const catalogs: Record<string, Partial<Record<MessageKey, string>>> = { en };

export type { MessageKey };

export function t(language: string, key: MessageKey, vars: Record<string, string | number> = {}): string {
  const template = catalogs[language]?.[key] ?? en[key];
  return template.replace(/\{(\w+)\}/g, (whole, name: string) => (name in vars ? String(vars[name]) : whole));
}
