// Import (OpenSSH config, Remmina files, Hostdeck JSON) through a preview the
// person reads before anything changes, and export to a JSON file that
// leaves passwords out unless an export passphrase seals them.
import { clear, downloadBlob, el } from '../dom.js';
import { t } from '../i18n/i18n.js';
import type { ApiClient } from '../api/client.js';
import type { ImportPreviewInfo, ImportSource } from '../../../shared/api/contract.js';
import { formRow } from './dialogs.js';

export function openImportDialog(api: ApiClient, onDone: (message: string) => void): HTMLDialogElement {
  const { source, rows, read: readSource } = importSourceFields();
  const result = el('div', { class: 'import-result', attrs: { 'aria-live': 'polite' } });
  const status = el('p', { class: 'form-status', attrs: { role: 'status' } });
  const previewButton = el('button', { text: t('import.preview'), attrs: { type: 'button' } });
  const applyButton = el('button', {
    text: t('import.apply', { count: 0 }),
    class: 'primary',
    attrs: { type: 'button', disabled: true },
  });
  const dialog = el(
    'dialog',
    { class: 'wide', attrs: { 'aria-labelledby': 'hd-import-title' } },
    el('h2', { text: t('import.title'), attrs: { id: 'hd-import-title' } }),
    formRow(t('import.source'), source),
    ...Object.values(rows).flat(),
    result,
    status,
    el(
      'div',
      { class: 'dialog-actions' },
      el('button', { text: t('dialog.cancel'), attrs: { type: 'button' }, on: { click: () => dialog.close() } }),
      previewButton,
      applyButton,
    ),
  );
  let previewId: string | null = null;
  const sync = (): void => {
    for (const [kind, list] of Object.entries(rows)) for (const r of list) r.hidden = kind !== source.value;
    previewId = null;
    applyButton.disabled = true;
    clear(result);
  };
  source.addEventListener('change', sync);

  previewButton.addEventListener('click', () => {
    void (async () => {
      status.textContent = '';
      clear(result);
      try {
        const preview = await api.call('import.preview', await readSource());
        previewId = preview.previewId;
        renderPreview(result, preview);
        const count = preview.add.length + preview.update.length;
        applyButton.textContent = t('import.apply', { count });
        applyButton.disabled = count === 0;
        if (count === 0) status.textContent = t('import.nothing', { unchanged: preview.unchanged });
      } catch (err) {
        status.textContent = err instanceof Error ? err.message : String(err);
      }
    })();
  });
  applyButton.addEventListener('click', () => {
    if (!previewId) return;
    applyButton.disabled = true;
    void api.call('import.apply', previewId).then(
      (r) => {
        dialog.close();
        onDone(t('import.done', { added: r.added, updated: r.updated }));
      },
      (err: unknown) => {
        status.textContent = err instanceof Error ? err.message : String(err);
      },
    );
  });
  sync();
  dialog.addEventListener('close', () => dialog.remove());
  document.body.append(dialog);
  dialog.showModal();
  source.focus();
  return dialog;
}

/** Where to import from: the source, the rows each kind needs, and what they say. */
function importSourceFields(): {
  source: HTMLSelectElement;
  rows: Record<string, HTMLElement[]>;
  read(): Promise<ImportSource>;
} {
  const source = el(
    'select',
    {},
    el('option', { text: t('import.source.sshConfig'), attrs: { value: 'ssh-config' } }),
    el('option', { text: t('import.source.remmina'), attrs: { value: 'remmina' } }),
    el('option', { text: t('import.source.json'), attrs: { value: 'hostdeck-json' } }),
  );
  const path = el('input', { attrs: { type: 'text', placeholder: t('import.path.placeholder'), spellcheck: 'false' } });
  const paths = el('textarea', { attrs: { rows: 3, spellcheck: 'false', placeholder: t('import.paths.placeholder') } });
  const file = el('input', { attrs: { type: 'file', accept: '.json,application/json' } });
  const passphrase = el('input', { attrs: { type: 'password', autocomplete: 'off' } });
  const rows = {
    'ssh-config': [formRow(t('import.path'), path)],
    remmina: [formRow(t('import.paths'), paths)],
    'hostdeck-json': [formRow(t('import.file'), file), formRow(t('import.passphrase'), passphrase)],
  };
  const read = async (): Promise<ImportSource> => {
    if (source.value === 'remmina')
      return {
        kind: 'remmina',
        paths: paths.value
          .split('\n')
          .map((s) => s.trim())
          .filter(Boolean),
      };
    if (source.value === 'hostdeck-json') {
      const f = file.files?.[0];
      const text = f ? await f.text() : '';
      return passphrase.value
        ? { kind: 'hostdeck-json', text, passphrase: passphrase.value }
        : { kind: 'hostdeck-json', text };
    }
    return path.value.trim() ? { kind: 'ssh-config', path: path.value.trim() } : { kind: 'ssh-config' };
  };
  return { source, rows, read };
}

function renderPreview(into: HTMLElement, p: ImportPreviewInfo): void {
  into.append(
    el('p', {
      text: t('import.summary', {
        add: p.add.length,
        update: p.update.length,
        unchanged: p.unchanged,
        noted: p.notes.length,
        skipped: p.skipped.length,
      }),
    }),
  );
  const items = [
    ...p.add.map((h) => ({ h, action: t('import.action.add') })),
    ...p.update.map((h) => ({ h, action: t('import.action.update') })),
  ];
  if (items.length > 0) {
    into.append(
      el(
        'table',
        { class: 'preview-table' },
        el(
          'thead',
          {},
          el(
            'tr',
            {},
            el('th', { text: t('import.col.name') }),
            el('th', { text: t('import.col.address') }),
            el('th', { text: t('import.col.action') }),
          ),
        ),
        el(
          'tbody',
          {},
          ...items.map(({ h, action }) =>
            el(
              'tr',
              {},
              el('td', { text: h.name }),
              el('td', { text: `${h.username ? `${h.username}@` : ''}${h.address}:${h.port}` }),
              el('td', { text: action }),
            ),
          ),
        ),
      ),
    );
  }
  const line = (s: { source: string; name?: string; reason: string }): HTMLElement =>
    el('li', { text: `${s.name ? `${s.name}: ` : ''}${s.reason} (${s.source})` });
  if (p.notes.length > 0)
    into.append(el('h3', { text: t('import.notes') }), el('ul', { class: 'skipped' }, ...p.notes.map(line)));
  if (p.skipped.length > 0) {
    into.append(el('h3', { text: t('import.skipped') }), el('ul', { class: 'skipped' }, ...p.skipped.map(line)));
  }
}

export function openExportDialog(api: ApiClient, onDone: (message: string) => void): HTMLDialogElement {
  const passphrase = el('input', { attrs: { type: 'password', autocomplete: 'new-password', minlength: 8 } });
  const status = el('p', { class: 'form-status', attrs: { role: 'status' } });
  const save = el('button', { text: t('export.save'), class: 'primary', attrs: { type: 'button' } });
  const dialog = el(
    'dialog',
    { attrs: { 'aria-labelledby': 'hd-export-title' } },
    el('h2', { text: t('export.title'), attrs: { id: 'hd-export-title' } }),
    el('p', { text: t('export.body') }),
    formRow(t('export.passphrase'), passphrase),
    status,
    el(
      'div',
      { class: 'dialog-actions' },
      el('button', { text: t('dialog.cancel'), attrs: { type: 'button' }, on: { click: () => dialog.close() } }),
      save,
    ),
  );
  save.addEventListener('click', () => {
    void api.call('export.json', passphrase.value ? { passphrase: passphrase.value } : {}).then(
      ({ text, fileName }) => {
        downloadBlob(new Blob([text], { type: 'application/json' }), fileName);
        dialog.close();
        onDone(t('export.done', { file: fileName }));
      },
      (err: unknown) => {
        status.textContent = err instanceof Error ? err.message : String(err);
      },
    );
  });
  dialog.addEventListener('close', () => dialog.remove());
  document.body.append(dialog);
  dialog.showModal();
  passphrase.focus();
  return dialog;
}
