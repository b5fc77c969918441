// Message lookup. The language comes from the system (navigator.languages)
// unless the person picked one in settings; Chinese variants of Simplified
// script (zh, zh-CN, zh-SG, zh-Hans) get the zh-CN catalog.
import { en, type Catalog, type MessageKey } from './en.js';
import { zhCN } from './zh-CN.js';

export type Locale = 'en' | 'zh-CN';
export const LOCALES: readonly Locale[] = ['en', 'zh-CN'];
const catalogs: Record<Locale, Catalog> = { en, 'zh-CN': zhCN };

let current: Locale = 'en';

export function pickLocale(preferred: readonly string[]): Locale {
  for (const tag of preferred) {
    const lower = tag.toLowerCase();
    if (lower === 'zh' || lower.startsWith('zh-cn') || lower.startsWith('zh-sg') || lower.startsWith('zh-hans'))
      return 'zh-CN';
    if (lower.startsWith('en')) return 'en';
  }
  return 'en';
}

export function setLocale(locale: Locale): void {
  current = locale;
  document.documentElement.lang = locale;
}

export function locale(): Locale {
  return current;
}

/** The message for `key` in the current language, with {name} placeholders filled as text. */
export function t(key: MessageKey, params: Record<string, string | number> = {}): string {
  const template = catalogs[current][key] ?? en[key];
  return template.replace(/\{(\w+)\}/g, (whole, name: string) => (name in params ? String(params[name]) : whole));
}

export function catalogFor(l: Locale): Catalog {
  return catalogs[l];
}

/** Joins whole sentences as the current language writes them: a space in English, nothing in Chinese. */
export function joinSentences(sentences: readonly string[]): string {
  return sentences.join(locale() === 'zh-CN' ? '' : ' ');
}
