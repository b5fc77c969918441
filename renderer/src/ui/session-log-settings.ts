// Session logs in the page: the global section of the settings dialog, the
// per-host choice in the host editor, and the notice when a log stops.
// Main keeps the settings and writes the files (main/logs); the page never
// sends a path: "Choose folder…" asks main to show its own dialog.
import { clear, el } from '../dom.js';
import { t } from '../i18n/i18n.js';
import type { MessageKey } from '../i18n/en.js';
import type { ApiClient } from '../api/client.js';
import {
  SESSION_LOG_LIMITS,
  type SessionLogInfo,
  type SessionLogMode,
  type SessionLogNotice,
} from '../../../shared/session-logs.js';
import type { HostInput } from '../../../shared/model/host.js';
import { formRow } from './dialogs.js';
import { selectInput, type EditorFields } from './editor-fields.js';

const MODE_KEYS: Record<SessionLogMode, MessageKey> = {
  off: 'logs.mode.off',
  plain: 'logs.mode.plain',
  asciicast: 'logs.mode.asciicast',
};

/** The settings dialog's "Session logs" section; filled in once main answers. */
export function sessionLogSection(api: ApiClient): HTMLElement {
  const section = el('section', { class: 'settings-logs', attrs: { 'aria-labelledby': 'settings-logs-title' } });
  void api.call('logs.settings').then(
    (info) => renderLogSettings(api, section, info),
    (err: unknown) => renderLogError(section, err),
  );
  return section;
}

function renderLogError(section: HTMLElement, err: unknown): void {
  clear(section);
  section.append(
    el('h3', { text: t('logs.title'), attrs: { id: 'settings-logs-title' } }),
    el('p', { attrs: { role: 'status' }, text: err instanceof Error ? err.message : String(err) }),
  );
}

function renderLogSettings(api: ApiClient, section: HTMLElement, info: SessionLogInfo): void {
  clear(section);
  const status = el('p', { class: 'form-status', attrs: { 'aria-live': 'polite' } });
  const redraw = (p: Promise<SessionLogInfo>): void =>
    void p.then(
      (next) => renderLogSettings(api, section, next),
      (err: unknown) => (status.textContent = err instanceof Error ? err.message : String(err)),
    );
  const mode = selectInput(
    info.mode,
    (Object.keys(MODE_KEYS) as SessionLogMode[]).map((m) => [m, t(MODE_KEYS[m])]),
  );
  const L = SESSION_LOG_LIMITS;
  const fileCap = mib(info.fileCapMiB, L.minFileMiB, L.maxFileMiB);
  const totalCap = mib(info.totalCapMiB, L.minTotalMiB, L.maxTotalMiB);
  const save = (): void => {
    const fileCapMiB = Math.round(Number(fileCap.value));
    const totalCapMiB = Math.round(Number(totalCap.value));
    if (!(fileCapMiB >= L.minFileMiB && fileCapMiB <= L.maxFileMiB))
      return void (status.textContent = t('logs.badCap'));
    if (!(totalCapMiB >= L.minTotalMiB && totalCapMiB <= L.maxTotalMiB))
      return void (status.textContent = t('logs.badCap'));
    redraw(api.call('logs.update', { mode: mode.value as SessionLogMode, fileCapMiB, totalCapMiB }));
  };
  for (const input of [mode, fileCap, totalCap]) input.addEventListener('change', save);
  section.append(
    el('h3', { text: t('logs.title'), attrs: { id: 'settings-logs-title' } }),
    formRow(t('logs.mode'), mode, t('logs.mode.hint')),
    formRow(t('logs.fileCap'), fileCap, t('logs.fileCap.hint')),
    formRow(t('logs.totalCap'), totalCap, t('logs.totalCap.hint')),
    el('p', { class: 'field-hint', text: t('logs.folder', { path: info.folder }) }),
    folderActions(api, info, redraw, status) ?? '',
    status,
  );
}

function mib(value: number, min: number, max: number): HTMLInputElement {
  return el('input', { attrs: { type: 'number', min, max, step: 1, value } });
}

/** Desktop: choose a folder (main's dialog), back to the data folder, open the folder. Serve: nothing to press. */
function folderActions(
  api: ApiClient,
  info: SessionLogInfo,
  redraw: (p: Promise<SessionLogInfo>) => void,
  status: HTMLElement,
): HTMLElement | null {
  if (!info.canChooseFolder) return null;
  const button = (text: string, click: () => void): HTMLButtonElement =>
    el('button', { text, attrs: { type: 'button' }, on: { click } });
  return el(
    'div',
    { class: 'dialog-actions settings-logs-actions' },
    button(t('logs.chooseFolder'), () => redraw(api.call('logs.chooseFolder'))),
    info.customFolder ? button(t('logs.useDataFolder'), () => redraw(api.call('logs.useDataFolder'))) : null,
    button(
      t('logs.openFolder'),
      () =>
        void api.call('logs.openFolder').catch((err: unknown) => {
          status.textContent = err instanceof Error ? err.message : String(err);
        }),
    ),
  );
}

/** The host editor's "Session log" row (SSH hosts): follow the global setting, or this host's own mode. */
export function hostSessionLogSection(
  fields: EditorFields,
  base: Partial<HostInput>,
): {
  sync(state: { isSsh: boolean }): void;
  collect(out: Record<string, unknown>, state: { isSsh: boolean }): void;
} {
  const choice = fields.field(
    'sessionLog',
    t('editor.sessionLog'),
    selectInput(base.sessionLog ?? '', [
      ['', t('editor.sessionLog.global')],
      ...(Object.keys(MODE_KEYS) as SessionLogMode[]).map((m): [string, string] => [m, t(MODE_KEYS[m])]),
    ]),
    t('editor.sessionLog.hint'),
  );
  return {
    sync: (s) => (choice.row.hidden = !s.isSsh),
    collect: (out, s) => {
      if (s.isSsh && choice.input.value !== '') out['sessionLog'] = choice.input.value;
    },
  };
}

/** The sentence a tab's notice shows when its log stopped (a full disk, a folder gone). */
export function sessionLogNoticeText(n: SessionLogNotice): string {
  return t('logs.notice', { title: n.title, reason: n.message });
}
