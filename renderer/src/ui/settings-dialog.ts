// Settings kept by the page itself (theme, language). Settings that main
// needs (terminal font, master password) arrive with the API that holds them.
import { el } from '../dom.js';
import { LOCALES, t, type Locale } from '../i18n/i18n.js';

export type Theme = 'system' | 'light' | 'dark';
export interface LocalSettings {
  theme: Theme;
  language: Locale | 'system';
}

const KEY = 'hostdeck.settings';

export function loadLocalSettings(): LocalSettings {
  try {
    const raw = JSON.parse(localStorage.getItem(KEY) ?? '{}') as Partial<LocalSettings>;
    const theme: Theme = raw.theme === 'light' || raw.theme === 'dark' ? raw.theme : 'system';
    const language = raw.language && (LOCALES as readonly string[]).includes(raw.language) ? raw.language : 'system';
    return { theme, language };
  } catch {
    return { theme: 'system', language: 'system' };
  }
}

export function saveLocalSettings(s: LocalSettings): void {
  localStorage.setItem(KEY, JSON.stringify(s));
}

export function applyTheme(theme: Theme): void {
  if (theme === 'system') delete document.documentElement.dataset['theme'];
  else document.documentElement.dataset['theme'] = theme;
}

/** Opens the settings dialog; `onChange` gets the new settings after each change. */
export function openSettings(current: LocalSettings, onChange: (s: LocalSettings) => void): HTMLDialogElement {
  const settings = { ...current };
  const select = <T extends string>(id: string, value: T, options: Array<[T, string]>, set: (v: T) => void): HTMLSelectElement => {
    const s = el('select', { attrs: { id } }, ...options.map(([v, label]) => el('option', { text: label, attrs: { value: v, selected: v === value } })));
    s.addEventListener('change', () => {
      set(s.value as T);
      saveLocalSettings(settings);
      onChange({ ...settings });
    });
    return s;
  };
  const dialog = el(
    'dialog',
    { attrs: { 'aria-labelledby': 'settings-title' } },
    el('h2', { text: t('settings.title'), attrs: { id: 'settings-title' } }),
    el(
      'div',
      { class: 'form-row' },
      el('label', { text: t('settings.theme'), attrs: { for: 'settings-theme' } }),
      select<Theme>('settings-theme', settings.theme, [['system', t('settings.theme.system')], ['light', t('settings.theme.light')], ['dark', t('settings.theme.dark')]], (v) => (settings.theme = v)),
    ),
    el(
      'div',
      { class: 'form-row' },
      el('label', { text: t('settings.language'), attrs: { for: 'settings-language' } }),
      select<Locale | 'system'>('settings-language', settings.language, [['system', t('settings.language.system')], ['en', 'English'], ['zh-CN', '简体中文']], (v) => (settings.language = v)),
    ),
    el('div', { class: 'dialog-actions' }, el('button', { text: t('dialog.close'), class: 'primary', attrs: { type: 'button', value: 'close' }, on: { click: () => dialog.close() } })),
  );
  dialog.addEventListener('close', () => dialog.remove());
  document.body.append(dialog);
  dialog.showModal();
  return dialog;
}
