// Starts the app once main.ts has asked its first questions: settings and
// language, the boot screen, then the App with main's answers. Errors on the
// way say what to do, with a retry that connects again. The settings dialog
// is loaded when first opened.
import { clear, el } from './dom.js';
import { loadLocale, setLocale, t } from './i18n/i18n.js';
import { App } from './app.js';
import { askFirst, type FirstCalls } from './app-first-calls.js';
import type { ApiClient } from './api/client.js';
import { applyTheme, loadLocalSettings, pageLocale, type LocalSettings } from './ui/local-settings.js';

const root = document.getElementById('app') as HTMLElement;
let settings = loadLocalSettings();
// Nothing is drawn before the page's language is loaded (boot awaits this): no frame in the wrong language.
const firstLook = applySettings(settings);

/** Applies the theme at once and the language once its catalog is loaded (English when it does not load). */
function applySettings(s: LocalSettings): Promise<void> {
  applyTheme(s.theme);
  return loadLocale(pageLocale(s)).then(
    () => void (document.title = t('app.title')),
    () => setLocale('en'),
  );
}

function isDark(): boolean {
  return (
    settings.theme === 'dark' || (settings.theme === 'system' && matchMedia('(prefers-color-scheme: dark)').matches)
  );
}

/**
 * Shows the boot screen, then the app. `first` is what main.ts already asked (the first start); a retry, or a new
 * token pasted into the address bar, connects again.
 */
export async function boot(first: FirstCalls = askFirst()): Promise<void> {
  await firstLook;
  clear(root);
  root.append(el('div', { class: 'boot', attrs: { role: 'status' } }, el('p', { text: t('app.loading') })));
  try {
    const api = await first.api;
    // Both asked at once: the book need not wait for app.info's answer (one round trip less before it is drawn).
    const book = first.book;
    const info = await first.info;
    const app: App = new App(
      api,
      info,
      root,
      () => ({ fontFamily: settings.fontFamily, fontSize: settings.fontSize, dark: isDark() }),
      () => openSettingsDialog(app, api),
    );
    // Following the system theme: open terminals follow it too.
    matchMedia('(prefers-color-scheme: dark)').addEventListener('change', () => app.applyLook());
    await app.refresh(book);
    document.body.dataset['ready'] = 'true';
  } catch (err) {
    clear(root);
    root.append(
      el(
        'div',
        { class: 'boot', attrs: { role: 'alert' } },
        el('p', { text: t('app.unreachable') }),
        el('p', { class: 'error', text: err instanceof Error ? err.message : String(err) }),
        el(
          'div',
          {},
          el('button', {
            text: t('app.retry'),
            class: 'primary',
            attrs: { type: 'button' },
            on: { click: () => void boot() },
          }),
        ),
      ),
    );
  }
}

/** Loads the settings dialog (its first time) and opens it; a dialog that does not load says so in a toast. */
function openSettingsDialog(app: App, api: ApiClient): void {
  import('./ui/settings-dialog.js').then(
    ({ openSettings }) =>
      openSettings(
        settings,
        (next) => {
          const relabel = next.language !== settings.language;
          settings = next;
          const applied = applySettings(next);
          app.applyLook();
          // Labels are built once: with no session open, reload at once to
          // relabel (the token survives in sessionStorage); with sessions
          // open, a reload would end them, so say it applies after one.
          if (relabel && app.sessionCount === 0) location.reload();
          else if (relabel) void applied.then(() => app.toast(t('settings.languageReload')));
        },
        api,
        app.bookPath,
      ),
    (err: unknown) => app.toast(err instanceof Error ? err.message : String(err)),
  );
}

// Pasting the full address (with #token=…) into a page that showed the
// "open the full address" error changes only the fragment: start again.
window.addEventListener('hashchange', () => {
  if (/token=/.test(location.hash) && document.body.dataset['ready'] !== 'true') void boot();
});
