// The page's entry: connect to main, then build the frame (top bar, address
// book, tabs, status line). Errors on the way say what to do.
import './styles.css';
import { connectApi, type ApiClient } from './api/client.js';
import { clear, el } from './dom.js';
import { pickLocale, setLocale, t } from './i18n/i18n.js';
import { TabStrip } from './ui/tab-strip.js';
import { applyTheme, loadLocalSettings, openSettings, type LocalSettings } from './ui/settings-dialog.js';
import type { AppInfo } from '../../shared/api/contract.js';

const root = document.getElementById('app') as HTMLElement;
let settings = loadLocalSettings();
applySettings(settings);

function applySettings(s: LocalSettings): void {
  applyTheme(s.theme);
  setLocale(s.language === 'system' ? pickLocale(navigator.languages) : s.language);
  document.title = t('app.title');
}

async function boot(): Promise<void> {
  clear(root);
  root.append(el('div', { class: 'boot', attrs: { role: 'status' } }, el('p', { text: t('app.loading') })));
  try {
    const api = await connectApi();
    const info = await api.call('app.info');
    renderFrame(api, info);
  } catch (err) {
    clear(root);
    root.append(
      el(
        'div',
        { class: 'boot', attrs: { role: 'alert' } },
        el('p', { text: t('app.unreachable') }),
        el('p', { class: 'error', text: err instanceof Error ? err.message : String(err) }),
        el('div', {}, el('button', { text: t('app.retry'), class: 'primary', attrs: { type: 'button' }, on: { click: () => void boot() } })),
      ),
    );
  }
}

function renderFrame(_api: ApiClient, info: AppInfo): void {
  clear(root);
  const tabs = new TabStrip();
  const settingsButton = el('button', { class: 'icon', text: '⚙', attrs: { type: 'button', 'aria-label': t('settings.open'), title: t('settings.title') } });
  settingsButton.addEventListener('click', () =>
    openSettings(settings, (next) => {
      const relabel = next.language !== settings.language;
      settings = next;
      applySettings(next);
      if (relabel && tabs.ids.length === 0) renderFrame(_api, info);
    }),
  );
  const search = el('input', { attrs: { type: 'search', 'aria-label': t('sidebar.search'), placeholder: t('sidebar.search.placeholder') } });
  const missing = [!info.native.sshCrypto && 'sshcrypto', !info.native.bufferutil && 'bufferutil'].filter(Boolean).join(', ');
  root.append(
    el('header', { class: 'topbar' }, el('h1', { text: t('app.title') }), el('div', { class: 'spacer' }), settingsButton),
    el('nav', { class: 'sidebar', attrs: { 'aria-label': t('sidebar.label') } }, search, el('p', { class: 'sidebar-empty', text: t('sidebar.empty') })),
    el('main', { class: 'main' }, tabs.element),
    el(
      'footer',
      { class: 'statusbar', attrs: { role: 'status' } },
      el('span', { text: t('about.version', { version: info.version, mode: info.mode }) }),
      missing ? el('span', { class: 'warn', text: t('app.native.slow', { what: missing }) }) : null,
    ),
  );
  search.focus();
}

void boot();
