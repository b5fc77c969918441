// The page's own settings (theme, language, terminal font, paste and
// reconnect choices), kept in its storage, apart from the dialog that edits
// them (settings-dialog.ts): the first screen needs these, and the dialog is
// loaded only when opened.
import { LOCALES, pickLocale, type Locale } from '../i18n/locale.js';
import type { TerminalRendererSetting } from '../terminal/gl-renderer.js';

export type Theme = 'system' | 'light' | 'dark';
export interface LocalSettings {
  theme: Theme;
  language: Locale | 'system';
  fontFamily: string;
  fontSize: number;
  /** Ask before sending a paste that spans lines or is large (Tabby and Electerm ask too). */
  confirmPaste: boolean;
  /** Tabs reconnect by themselves after the link drops, for hosts that do not say otherwise (host.autoReconnect). */
  autoReconnect: boolean;
  /** How new terminal tabs draw: 'auto' picks WebGL on a GPU, the DOM renderer otherwise (terminal/gl-renderer.ts). */
  terminalRenderer: TerminalRendererSetting;
}

const RENDERERS: readonly TerminalRendererSetting[] = ['auto', 'webgl', 'dom'];

const KEY = 'hostdeck.settings';
export const DEFAULT_FONT = "'DejaVu Sans Mono', 'Cascadia Mono', Menlo, Consolas, monospace";

export function loadLocalSettings(): LocalSettings {
  try {
    const raw = JSON.parse(localStorage.getItem(KEY) ?? '{}') as Partial<LocalSettings>;
    const theme: Theme = raw.theme === 'light' || raw.theme === 'dark' ? raw.theme : 'system';
    const language = raw.language && (LOCALES as readonly string[]).includes(raw.language) ? raw.language : 'system';
    const fontFamily =
      typeof raw.fontFamily === 'string' && raw.fontFamily.trim() && raw.fontFamily.length <= 200
        ? raw.fontFamily
        : DEFAULT_FONT;
    const fontSize =
      typeof raw.fontSize === 'number' && raw.fontSize >= 6 && raw.fontSize <= 40 ? Math.round(raw.fontSize) : 14;
    const confirmPaste = raw.confirmPaste !== false;
    const autoReconnect = raw.autoReconnect !== false;
    const terminalRenderer = RENDERERS.includes(raw.terminalRenderer as TerminalRendererSetting)
      ? (raw.terminalRenderer as TerminalRendererSetting)
      : 'auto';
    return { theme, language, fontFamily, fontSize, confirmPaste, autoReconnect, terminalRenderer };
  } catch {
    return {
      theme: 'system',
      language: 'system',
      fontFamily: DEFAULT_FONT,
      fontSize: 14,
      confirmPaste: true,
      autoReconnect: true,
      terminalRenderer: 'auto',
    };
  }
}

export function saveLocalSettings(s: LocalSettings): void {
  localStorage.setItem(KEY, JSON.stringify(s));
}

export function applyTheme(theme: Theme): void {
  if (theme === 'system') delete document.documentElement.dataset['theme'];
  else document.documentElement.dataset['theme'] = theme;
}

/** The language the page speaks with `s`: the chosen one, or the browser's (navigator.languages). */
export function pageLocale(s: LocalSettings): Locale {
  return s.language === 'system' ? pickLocale(navigator.languages) : s.language;
}
