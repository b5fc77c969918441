// Message lookup. The language comes from the system (navigator.languages)
// unless the person picked one in settings; Chinese variants of Simplified
// script (zh, zh-CN, zh-SG, zh-Hans) get the zh-CN catalog. English is part
// of the first screen's script; zh-CN is a chunk of its own, loaded only by a
// page that speaks it (loadLocale), so an English page never fetches it.
import { en, type Catalog, type MessageKey } from './en.js';
import type { Locale } from './locale.js';

export { LOCALES, pickLocale, type Locale } from './locale.js';

const catalogs: Partial<Record<Locale, Catalog>> = { en };

let current: Locale = 'en';

/**
 * Loads `l`'s catalog when it is not loaded yet, then makes `l` current (setLocale). Rejects when its chunk does not
 * load (a broken or replaced build); the language then stays as it was.
 */
export async function loadLocale(l: Locale): Promise<void> {
  if (l === 'zh-CN') catalogs[l] ??= (await import('./zh-CN.js')).zhCN;
  setLocale(l);
}

/** Makes `locale` current. Until its catalog is loaded (loadLocale), its messages are the English ones. */
export function setLocale(locale: Locale): void {
  current = locale;
  document.documentElement.lang = locale;
}

export function locale(): Locale {
  return current;
}

/** The message for `key` in the current language, with {name} placeholders filled as text. */
export function t(key: MessageKey, params: Record<string, string | number> = {}): string {
  const template = catalogs[current]?.[key] ?? en[key];
  return template.replace(/\{(\w+)\}/g, (whole, name: string) => (name in params ? String(params[name]) : whole));
}

/** Joins whole sentences as the current language writes them: a space in English, nothing in Chinese. */
export function joinSentences(sentences: readonly string[]): string {
  return sentences.join(locale() === 'zh-CN' ? '' : ' ');
}
