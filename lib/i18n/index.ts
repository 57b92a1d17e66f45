/** Every text the bot sends goes through t(), so each is translatable. */
import { en, type MessageKey } from './en';
import { es } from './es';
import { fr } from './fr';
import { it } from './it';
import { ru } from './ru';

export const LANGUAGES = ['en', 'es', 'fr', 'it', 'ru'] as const;
export type Language = (typeof LANGUAGES)[number];
const catalogs: Record<Language, Record<MessageKey, string>> = { en, es, fr, it, ru };

export type { MessageKey };

export function catalog(language: string): Partial<Record<MessageKey, string>> {
  return catalogs[language as Language] ?? {};
}

/** A platform locale ("es-ES", "ru") mapped to a language we ship, else English. */
export function supportedLanguage(locale: string | undefined): Language {
  const base = locale?.toLowerCase().split(/[-_]/)[0];
  return LANGUAGES.find((l) => l === base) ?? 'en';
}

export function t(language: string, key: MessageKey, vars: Record<string, string | number> = {}): string {
  const template = catalogs[language as Language]?.[key] ?? en[key];
  return template.replace(/\{(\w+)\}/g, (whole, name: string) => (name in vars ? String(vars[name]) : whole));
}
