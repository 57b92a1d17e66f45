/** Every text the bot sends exists in every language, with the same placeholders. */
import { en, type MessageKey } from '../lib/i18n/en';
import { catalog, LANGUAGES, supportedLanguage, t } from '../lib/i18n';
import { renderApprovalRequest, renderRestartEnded, renderRestartProgress } from '../lib/messages/restart';
import type { RestartProgress } from '../workflows/restart/definitions';

const keys = Object.keys(en) as MessageKey[];
const placeholders = (text: string) => [...text.matchAll(/\{(\w+)\}/g)].map((m) => m[1]).sort();

test('dutydesk speaks English, Spanish, French, Italian and Russian', () => {
  expect([...LANGUAGES].sort()).toEqual(['en', 'es', 'fr', 'it', 'ru']);
});

describe.each(LANGUAGES.filter((l) => l !== 'en'))('%s', (language) => {
  test('has every key, each with the placeholders of the English text', () => {
    const texts = catalog(language);
    const missing = keys.filter((k) => !texts[k]);
    expect(missing).toEqual([]);
    const wrong = keys.filter((k) => JSON.stringify(placeholders(texts[k] as string)) !== JSON.stringify(placeholders(en[k])));
    expect(wrong).toEqual([]);
  });

  test('renders the restart messages with nothing left untranslated or unfilled', () => {
    const progress: RestartProgress = {
      workflowId: 'restart-web1',
      runId: 'r1',
      host: 'web1',
      service: 'shop',
      requestedBy: { id: 'alice', name: 'Alice' },
      requestedAt: 0,
      chat: { platform: 'web', chatId: 'ops' },
      production: true,
      phase: 'done',
      approvedBy: { id: 'bob', name: 'Bob' },
      steps: [{ name: 'stop', title: 'Stop', state: 'done', startedAt: 0, finishedAt: 1500 }],
      finishedAt: 4000,
      watchers: [],
    };
    const ctx = { language, runUrl: 'http://ui/run', now: 5000 };
    const texts = [renderRestartProgress(progress, ctx).text, renderApprovalRequest(progress, ctx).text, renderRestartEnded(progress, ctx).text];
    for (const text of texts) {
      expect(text).not.toMatch(/\{\w+\}/);
      expect(text).toContain('web1');
    }
    expect(texts[0]).not.toContain(en['restart.requestedBy'].replace(' {name}', ''));
  });
});

test('a language comes from the platform locale when the config names none, else English', () => {
  expect(supportedLanguage('es-ES')).toBe('es');
  expect(supportedLanguage('ru')).toBe('ru');
  expect(supportedLanguage('de')).toBe('en');
  expect(supportedLanguage(undefined)).toBe('en');
  expect(t('fr', 'error.unknownUser')).not.toBe(en['error.unknownUser']);
});
