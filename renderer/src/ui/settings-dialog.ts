// The settings dialog, loaded when first opened (app-boot.ts). Those of the
// page itself (theme, language, terminal font) are kept in the page's
// storage (local-settings.ts); the master password that seals saved
// passwords lives in main and is reached through the API.
import { clear, el } from '../dom.js';
import { t, type Locale } from '../i18n/i18n.js';
import type { ApiClient } from '../api/client.js';
import { formRow } from './dialogs.js';
import { sessionLogSection } from './session-log-settings.js';
import { webglRendererName, type TerminalRendererSetting } from '../terminal/gl-renderer.js';
import { DEFAULT_FONT, saveLocalSettings, type LocalSettings, type Theme } from './local-settings.js';

/** Opens the settings dialog; `onChange` gets the new settings after each change. */
export function openSettings(
  current: LocalSettings,
  onChange: (s: LocalSettings) => void,
  api?: ApiClient,
  dataFile?: string,
): HTMLDialogElement {
  const settings = { ...current };
  const changed = (): void => {
    saveLocalSettings(settings);
    onChange({ ...settings });
  };
  const secrets = el('section', { class: 'settings-secrets', attrs: { 'aria-labelledby': 'settings-secrets-title' } });
  const dialog = settingsDialog(
    ...appearanceRows(settings, changed),
    ...terminalRows(settings, changed),
    connectionRow(settings, changed),
    api ? secrets : null,
    api ? sessionLogSection(api) : null,
    dataFile ? el('p', { class: 'field-hint', text: t('settings.dataFile', { path: dataFile }) }) : null,
  );
  if (api) void renderSecrets(api, secrets);
  dialog.addEventListener('close', () => dialog.remove());
  document.body.append(dialog);
  dialog.showModal();
  return dialog;
}

/** The dialog around the settings' rows: title, then the rows, then Close. */
function settingsDialog(...rows: Array<HTMLElement | null>): HTMLDialogElement {
  const dialog = el(
    'dialog',
    { class: 'wide', attrs: { 'aria-labelledby': 'settings-title' } },
    el('h2', { text: t('settings.title'), attrs: { id: 'settings-title' } }),
    ...rows,
    el(
      'div',
      { class: 'dialog-actions' },
      el('button', {
        text: t('dialog.close'),
        class: 'primary',
        attrs: { type: 'button' },
        on: { click: () => dialog.close() },
      }),
    ),
  );
  return dialog;
}

/** A select over `options` that stores the choice with `set` and reports it with `changed`. */
function choice<T extends string>(
  value: T,
  options: Array<[T, string]>,
  set: (v: T) => void,
  changed: () => void,
): HTMLSelectElement {
  const s = el(
    'select',
    {},
    ...options.map(([v, label]) => el('option', { text: label, attrs: { value: v, selected: v === value } })),
  );
  s.addEventListener('change', () => {
    set(s.value as T);
    changed();
  });
  return s;
}

/** The theme and language rows. */
function appearanceRows(settings: LocalSettings, changed: () => void): HTMLElement[] {
  return [
    formRow(
      t('settings.theme'),
      choice<Theme>(
        settings.theme,
        [
          ['system', t('settings.theme.system')],
          ['light', t('settings.theme.light')],
          ['dark', t('settings.theme.dark')],
        ],
        (v) => (settings.theme = v),
        changed,
      ),
    ),
    formRow(
      t('settings.language'),
      choice<Locale | 'system'>(
        settings.language,
        [
          ['system', t('settings.language.system')],
          ['en', 'English'],
          ['zh-CN', '简体中文'],
        ],
        (v) => (settings.language = v),
        changed,
      ),
    ),
  ];
}

/** The terminal's rows: font family, font size, how it draws, and whether to confirm a paste. */
function terminalRows(settings: LocalSettings, changed: () => void): HTMLElement[] {
  const font = el('input', { attrs: { type: 'text', value: settings.fontFamily, spellcheck: 'false' } });
  font.addEventListener('change', () => {
    settings.fontFamily = font.value.trim() || DEFAULT_FONT;
    changed();
  });
  const size = el('input', { attrs: { type: 'number', min: 6, max: 40, value: settings.fontSize } });
  size.addEventListener('change', () => {
    const n = Math.round(Number(size.value));
    if (n >= 6 && n <= 40) {
      settings.fontSize = n;
      changed();
    }
  });
  const confirmPaste = el('input', { attrs: { type: 'checkbox', checked: settings.confirmPaste } });
  confirmPaste.addEventListener('change', () => {
    settings.confirmPaste = confirmPaste.checked;
    changed();
  });
  const gl = webglRendererName();
  const renderer = choice<TerminalRendererSetting>(
    settings.terminalRenderer,
    [
      ['auto', t('settings.renderer.auto')],
      ['webgl', t('settings.renderer.webgl')],
      ['dom', t('settings.renderer.dom')],
    ],
    (v) => (settings.terminalRenderer = v),
    changed,
  );
  const glHint = gl === null ? t('settings.renderer.noWebgl') : t('settings.renderer.gpu', { name: gl || '?' });
  return [
    formRow(t('settings.fontFamily'), font),
    formRow(t('settings.fontSize'), size),
    formRow(t('settings.renderer'), renderer, `${t('settings.renderer.hint')} ${glHint}`),
    formRow(t('settings.confirmPaste'), confirmPaste),
  ];
}

/** Connections: whether tabs reconnect by themselves (each host may say otherwise in its editor). */
function connectionRow(settings: LocalSettings, changed: () => void): HTMLElement {
  const auto = el('input', { attrs: { type: 'checkbox', checked: settings.autoReconnect } });
  auto.addEventListener('change', () => {
    settings.autoReconnect = auto.checked;
    changed();
  });
  return formRow(t('settings.autoReconnect'), auto);
}

async function renderSecrets(api: ApiClient, into: HTMLElement, note = ''): Promise<void> {
  clear(into);
  const status = el('p', { attrs: { role: 'status' } });
  into.append(el('h3', { text: t('settings.secrets'), attrs: { id: 'settings-secrets-title' } }), status);
  let s;
  try {
    s = await api.call('secrets.status');
  } catch (err) {
    status.textContent = err instanceof Error ? err.message : String(err);
    return;
  }
  if (s.box === 'safeStorage') {
    status.textContent = t('settings.secrets.keyring');
    return;
  }
  const message = el('p', { class: 'form-status', text: note, attrs: { 'aria-live': 'polite' } });
  const actions = secretActions(api, into, message);
  if (s.box === null) {
    status.textContent = t('settings.secrets.none');
    into.append(...setMasterRows(api, actions));
  } else if (s.locked) {
    status.textContent = t('settings.secrets.locked');
    into.append(...unlockRows(api, actions));
  } else {
    status.textContent = t('settings.secrets.unlocked');
    into.append(...unlockedRows(api, actions));
  }
  into.append(message);
}

/** What the master-password buttons do, reporting in `message`. */
interface SecretActions {
  /** Waits for `p` with `button` disabled; redraws the section when it succeeds. */
  run(p: Promise<unknown>, button?: HTMLButtonElement): void;
  /** A click listener that calls `call` once `np` and `confirm` match. */
  setNew(np: HTMLInputElement, confirm: HTMLInputElement, call: () => Promise<unknown>): (ev: Event) => void;
}

function secretActions(api: ApiClient, into: HTMLElement, message: HTMLElement): SecretActions {
  const run = (p: Promise<unknown>, button?: HTMLButtonElement): void => {
    message.textContent = t('settings.working');
    if (button) button.disabled = true;
    void p.then(
      () => void renderSecrets(api, into, t('settings.done')),
      (err: unknown) => {
        message.textContent = err instanceof Error ? err.message : String(err);
        if (button) button.disabled = false;
      },
    );
  };
  // A typo in a new master password would lock away every saved password: type it twice.
  const setNew =
    (np: HTMLInputElement, confirm: HTMLInputElement, call: () => Promise<unknown>): ((ev: Event) => void) =>
    (ev) => {
      if (np.value !== confirm.value) {
        message.textContent = t('settings.mismatch');
        confirm.focus();
        return;
      }
      run(call(), ev.currentTarget as HTMLButtonElement);
    };
  return { run, setNew };
}

const pw = (label: string): HTMLInputElement =>
  el('input', { attrs: { type: 'password', autocomplete: 'new-password', 'aria-label': label } });

/** No master password yet: set one. */
function setMasterRows(api: ApiClient, { setNew }: SecretActions): HTMLElement[] {
  const np = pw(t('settings.masterNew'));
  const confirm = pw(t('settings.masterConfirm'));
  return [
    formRow(t('settings.masterNew'), np),
    formRow(t('settings.masterConfirm'), confirm),
    el('button', {
      text: t('settings.masterSet'),
      attrs: { type: 'button' },
      on: { click: setNew(np, confirm, () => api.call('secrets.setMasterPassword', np.value)) },
    }),
  ];
}

/** Saved passwords are sealed: unlock them with the master password. */
function unlockRows(api: ApiClient, { run }: SecretActions): HTMLElement[] {
  const cur = pw(t('settings.master'));
  return [
    formRow(t('settings.master'), cur),
    el('button', {
      text: t('settings.unlock'),
      attrs: { type: 'button' },
      on: { click: (ev) => run(api.call('secrets.unlock', cur.value), ev.currentTarget as HTMLButtonElement) },
    }),
  ];
}

/** Unlocked: lock again, or change the master password. */
function unlockedRows(api: ApiClient, { run, setNew }: SecretActions): HTMLElement[] {
  const cur = pw(t('settings.master'));
  const np = pw(t('settings.masterNew'));
  const confirm = pw(t('settings.masterConfirm'));
  return [
    el('button', {
      text: t('settings.lock'),
      attrs: { type: 'button' },
      on: { click: () => run(api.call('secrets.lock')) },
    }),
    formRow(t('settings.master'), cur),
    formRow(t('settings.masterNew'), np),
    formRow(t('settings.masterConfirm'), confirm),
    el('button', {
      text: t('settings.masterChange'),
      attrs: { type: 'button' },
      on: { click: setNew(np, confirm, () => api.call('secrets.changeMasterPassword', cur.value, np.value)) },
    }),
  ];
}
