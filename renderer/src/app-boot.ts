// Starts the app once main.ts has asked its first questions: settings and
// language, the boot screen, then the App with main's answers. Errors on the
// way say what to do, with a retry that connects again.
import { clear, el } from './dom.js';
import { pickLocale, setLocale, t } from './i18n/i18n.js';
import { App } from './app.js';
import { askFirst, type FirstCalls } from './app-first-calls.js';
import { applyTheme, loadLocalSettings, openSettings, type LocalSettings } from './ui/settings-dialog.js';

const root = document.getElementById('app') as HTMLElement;
let settings = loadLocalSettings();
applySettings(settings);

function applySettings(s: LocalSettings): void {
  applyTheme(s.theme);
  setLocale(s.language === 'system' ? pickLocale(navigator.languages) : s.language);
  document.title = t('app.title');
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
      () =>
        openSettings(
          settings,
          (next) => {
            const relabel = next.language !== settings.language;
            settings = next;
            applySettings(next);
            app.applyLook();
            // Labels are built once: with no session open, reload at once to
            // relabel (the token survives in sessionStorage); with sessions
            // open, a reload would end them, so say it applies after one.
            if (relabel && app.sessionCount === 0) location.reload();
            else if (relabel) app.toast(t('settings.languageReload'));
          },
          api,
          app.bookPath,
        ),
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

// Pasting the full address (with #token=…) into a page that showed the
// "open the full address" error changes only the fragment: start again.
window.addEventListener('hashchange', () => {
  if (/token=/.test(location.hash) && document.body.dataset['ready'] !== 'true') void boot();
});
