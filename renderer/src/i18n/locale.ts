// Which languages the page speaks and which one a browser asks for, apart
// from the catalogs: the page's entry (main.ts) decides the language before
// the app has loaded, to fetch a catalog other than English at once.

export type Locale = 'en' | 'zh-CN';
export const LOCALES: readonly Locale[] = ['en', 'zh-CN'];

/** The first of `preferred` (BCP 47 tags, navigator.languages) that the page speaks; Simplified Chinese variants are zh-CN. */
export function pickLocale(preferred: readonly string[]): Locale {
  for (const tag of preferred) {
    const lower = tag.toLowerCase();
    if (lower === 'zh' || lower.startsWith('zh-cn') || lower.startsWith('zh-sg') || lower.startsWith('zh-hans'))
      return 'zh-CN';
    if (lower.startsWith('en')) return 'en';
  }
  return 'en';
}
