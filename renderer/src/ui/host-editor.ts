// The host editor: every field of a saved host, checked as you type by the
// same validator main runs on every write (shared/model/validate), with the
// error beside its field (aria-invalid + aria-describedby). Passwords are
// write-only: the form can set, replace or forget one, never show it.
import { el } from '../dom.js';
import { t } from '../i18n/i18n.js';
import type { ApiClient } from '../api/client.js';
import { ApiCallError } from '../api/client.js';
import { bookView, checkHost, inheritedDefault, type FieldError } from '../../../shared/model/validate.js';
import { DEFAULT_PORTS, DEFAULT_VNC_OPTIONS, folderKey, type AuthMethod, type Folder, type HostInput, type SavedHost, type SecretKind } from '../../../shared/model/host.js';

type AuthChoice = 'auto' | AuthMethod['type'];

interface Field {
  row: HTMLElement;
  input: HTMLInputElement | HTMLSelectElement | HTMLTextAreaElement;
  error: HTMLElement;
}

let uid = 0;

export interface EditorContext {
  api: ApiClient;
  hosts: readonly SavedHost[];
  folders: readonly Folder[];
  /** The host to edit; absent for a new one (optionally prefilled). */
  host?: SavedHost;
  prefill?: Partial<HostInput>;
  /** `note`: the host was saved but something else (its password) was not. */
  onSaved(host: SavedHost, note?: string): void;
}

export function openHostEditor(ctx: EditorContext): HTMLDialogElement {
  const h = ctx.host;
  const base: Partial<HostInput> = h ?? ctx.prefill ?? {};
  const fields = new Map<string, Field>();
  const field = (name: string, label: string, input: Field['input'], hint?: string): Field => {
    const id = `hd-f${++uid}`;
    input.id = id;
    const error = el('div', { class: 'field-error', attrs: { id: `${id}-err`, role: 'alert' } });
    const hintEl = hint ? el('div', { class: 'field-hint', text: hint, attrs: { id: `${id}-hint` } }) : null;
    input.setAttribute('aria-describedby', [hint ? `${id}-hint` : '', `${id}-err`].filter(Boolean).join(' '));
    const row = el('div', { class: 'form-row' }, el('label', { text: label, attrs: { for: id } }), el('div', { class: 'form-control' }, input, hintEl, error));
    const f = { row, input, error };
    fields.set(name, f);
    return f;
  };
  const text = (value = '', attrs: Record<string, string | number | boolean> = {}): HTMLInputElement => el('input', { attrs: { type: 'text', value, spellcheck: 'false', autocomplete: 'off', ...attrs } });
  const select = (value: string, options: Array<[string, string]>): HTMLSelectElement =>
    el('select', {}, ...options.map(([v, label]) => el('option', { text: label, attrs: { value: v, selected: v === value } })));
  const check = (checked: boolean): HTMLInputElement => el('input', { attrs: { type: 'checkbox', checked } });

  const sshHosts = ctx.hosts.filter((x) => x.protocol === 'ssh' && x.id !== h?.id);
  const hostOptions = (none: string): Array<[string, string]> => [['', none], ...sshHosts.map((x): [string, string] => [x.id, `${x.name} (${x.address})`])];

  const name = field('name', t('editor.name'), text(base.name ?? '', { required: true, maxlength: 128 }));
  const protocol = field('protocol', t('editor.protocol'), select(base.protocol ?? 'ssh', [['ssh', 'SSH'], ['vnc', 'VNC']]));
  const address = field('address', t('editor.address'), text(base.address ?? '', { required: true, inputmode: 'url' }), t('editor.address.hint'));
  const port = field('port', t('editor.port'), el('input', { attrs: { type: 'number', min: 1, max: 65535, value: base.port ?? DEFAULT_PORTS[base.protocol ?? 'ssh'] } }));
  const username = field('username', t('editor.username'), text(base.username ?? '', { autocapitalize: 'off' }));
  const auth = field('auth', t('editor.auth'), select(base.auth?.type ?? 'auto', [
    ['auto', t('editor.auth.auto')],
    ['password', t('editor.auth.password')],
    ['privateKey', t('editor.auth.privateKey')],
    ['agent', t('editor.auth.agent')],
    ['keyboardInteractive', t('editor.auth.keyboardInteractive')],
  ]));
  const keyPath = field('auth.path', t('editor.keyPath'), text(base.auth?.type === 'privateKey' ? base.auth.path : '', { placeholder: '~/.ssh/id_ed25519' }));
  const jumps = [0, 1].map((i) => field(`jumpChain[${i}]`, t('editor.jump', { n: i + 1 }), select(base.jumpChain?.[i] ?? '', hostOptions(t('editor.jump.none')))));
  const vncBase = base.vnc ?? DEFAULT_VNC_OPTIONS;
  const via = field('vnc.viaSshHostId', t('editor.via'), select(vncBase.viaSshHostId ?? '', hostOptions(t('editor.via.none'))));
  const viewOnly = field('vnc.viewOnly', t('editor.viewOnly'), check(vncBase.viewOnly));
  const scaling = field('vnc.scaling', t('editor.scaling'), select(vncBase.scaling, [['scale', t('editor.scaling.scale')], ['remote', t('editor.scaling.remote')], ['none', t('editor.scaling.none')]]));
  const quality = field('vnc.quality', t('editor.quality'), el('input', { attrs: { type: 'range', min: 0, max: 9, value: vncBase.quality } }));
  const compression = field('vnc.compression', t('editor.compression'), el('input', { attrs: { type: 'range', min: 0, max: 9, value: vncBase.compression } }));
  // A slider shows its number, not just its position.
  for (const f of [quality, compression]) {
    const out = el('output', { class: 'range-value', text: f.input.value, attrs: { 'aria-hidden': 'true' } });
    f.input.addEventListener('input', () => (out.textContent = f.input.value));
    f.input.after(out);
    f.input.parentElement?.classList.add('range-control');
  }
  const shared = field('vnc.shared', t('editor.shared'), check(vncBase.shared));
  const requireEncryption = field('vnc.requireEncryption', t('editor.requireEncryption'), check(vncBase.requireEncryption ?? false), t('editor.requireEncryption.hint'));
  const folder = field('folder', t('editor.folder'), text((base.folder ?? []).join('/'), { list: 'hd-folders' }), t('editor.folder.hint'));
  const tags = field('tags', t('editor.tags'), text((base.tags ?? []).join(', ')), t('editor.tags.hint'));
  const noColour = check(base.colour === undefined);
  const colour = field('colour', t('editor.colour'), el('input', { attrs: { type: 'color', value: base.colour ?? '#2f6fde' } }));
  colour.row.querySelector('.form-control')?.append(el('label', { class: 'inline' }, noColour, ` ${t('editor.colour.none')}`));
  const syncColour = (): void => void ((colour.input as HTMLInputElement).disabled = noColour.checked);
  noColour.addEventListener('change', syncColour);
  syncColour();
  const notes = field('notes', t('editor.notes'), el('textarea', { text: base.notes ?? '', attrs: { rows: 3, maxlength: 10000 } }));

  // Write-only secrets: an empty box keeps what is saved.
  const secretField = (kind: SecretKind): { f: Field; forget: HTMLInputElement } => {
    const saved = h?.hasSecret[kind] ?? false;
    const f = field(`secret.${kind}`, t(`editor.secret.${kind}`), el('input', { attrs: { type: 'password', autocomplete: 'new-password', placeholder: saved ? t('editor.secret.saved') : t('editor.secret.none') } }));
    const forget = check(false);
    if (saved) f.row.querySelector('.form-control')?.append(el('label', { class: 'inline' }, forget, ` ${t('editor.secret.forget')}`));
    return { f, forget };
  };
  const secrets = { password: secretField('password'), passphrase: secretField('passphrase'), vncPassword: secretField('vncPassword') };
  // Without a keyring or an unlocked master password nothing can be sealed:
  // say so before the person types a password that could not be kept.
  void ctx.api.call('secrets.status').then(
    (st) => {
      if (!st.locked) return;
      for (const { f } of Object.values(secrets)) {
        (f.input as HTMLInputElement).disabled = true;
        f.error.textContent = t('editor.secret.needsMaster');
        f.error.classList.add('field-note');
      }
    },
    () => undefined,
  );

  const datalist = el('datalist', { attrs: { id: 'hd-folders' } }, ...ctx.folders.map((f) => el('option', { attrs: { value: folderKey(f.path) } })));
  const status = el('p', { class: 'form-status', attrs: { role: 'status', 'aria-live': 'polite' } });
  const saveButton = el('button', { text: t('editor.save'), class: 'primary', attrs: { type: 'submit' } });
  const form = el(
    'form',
    { attrs: { method: 'dialog', novalidate: true } },
    el('h2', { text: h ? t('editor.title.edit', { name: h.name }) : t('editor.title.new'), attrs: { id: 'hd-editor-title' } }),
    ...[...fields.values()].map((f) => f.row),
    datalist,
    status,
    el('div', { class: 'dialog-actions' }, el('button', { text: t('dialog.cancel'), attrs: { type: 'button', value: 'cancel' }, on: { click: () => dialog.close() } }), saveButton),
  );
  const dialog = el('dialog', { class: 'host-editor', attrs: { 'aria-labelledby': 'hd-editor-title' } }, form);

  const folderValue = (): string[] => folder.input.value.split('/').map((s) => s.trim()).filter(Boolean);
  const sync = (): void => {
    const isSsh = protocol.input.value === 'ssh';
    const authType = auth.input.value as AuthChoice;
    for (const f of [auth, ...jumps]) f.row.hidden = !isSsh;
    keyPath.row.hidden = !isSsh || authType !== 'privateKey';
    for (const f of [via, viewOnly, scaling, quality, compression, shared, requireEncryption]) f.row.hidden = isSsh;
    secrets.password.f.row.hidden = !isSsh || authType === 'agent' || authType === 'privateKey';
    secrets.passphrase.f.row.hidden = !isSsh || authType !== 'privateKey';
    secrets.vncPassword.f.row.hidden = isSsh;
    const inherited = inheritedDefault(folderValue(), new Map(ctx.folders.map((f) => [folderKey(f.path), f])), 'username');
    username.input.setAttribute('placeholder', inherited ? t('editor.username.inherited', { name: inherited }) : '');
  };
  protocol.input.addEventListener('change', () => {
    const p = protocol.input.value as 'ssh' | 'vnc';
    const other = p === 'ssh' ? 'vnc' : 'ssh';
    if (port.input.value === String(DEFAULT_PORTS[other])) port.input.value = String(DEFAULT_PORTS[p]);
    sync();
    validate(false);
  });

  const collect = (): Record<string, unknown> => {
    const isSsh = protocol.input.value === 'ssh';
    const authType = auth.input.value as AuthChoice;
    const out: Record<string, unknown> = {
      name: name.input.value,
      protocol: protocol.input.value,
      address: address.input.value.trim(),
      port: Number(port.input.value),
      folder: folderValue(),
      tags: tags.input.value.split(',').map((s) => s.trim()).filter(Boolean),
      notes: notes.input.value,
    };
    if (h) out['id'] = h.id;
    if (username.input.value.trim()) out['username'] = username.input.value.trim();
    if (!noColour.checked) out['colour'] = colour.input.value;
    if (isSsh) {
      if (authType === 'privateKey') out['auth'] = { type: 'privateKey', path: keyPath.input.value.trim() };
      else if (authType !== 'auto') out['auth'] = { type: authType };
      const chain = jumps.map((j) => j.input.value).filter(Boolean);
      if (chain.length > 0 || h?.jumpChain !== undefined) out['jumpChain'] = chain;
    } else {
      out['vnc'] = {
        viewOnly: (viewOnly.input as HTMLInputElement).checked,
        scaling: scaling.input.value,
        quality: Number(quality.input.value),
        compression: Number(compression.input.value),
        shared: (shared.input as HTMLInputElement).checked,
        ...(via.input.value ? { viaSshHostId: via.input.value } : {}),
        ...((requireEncryption.input as HTMLInputElement).checked ? { requireEncryption: true } : {}),
      };
    }
    return out;
  };

  const showErrors = (errors: readonly FieldError[], touchedOnly: boolean): void => {
    const byField = new Map<string, string>();
    for (const e of errors) {
      const key = fields.has(e.field) ? e.field : e.field.replace(/\[\d+\]$/, '').split('.')[0] ?? '';
      if (!byField.has(key)) byField.set(key, e.message);
    }
    for (const [key, f] of fields) {
      if (key.startsWith('secret.')) continue;
      const msg = byField.get(key);
      if (touchedOnly && f.input.dataset['touched'] !== 'true') continue;
      f.error.textContent = msg ?? '';
      f.input.toggleAttribute('aria-invalid', msg !== undefined);
    }
  };

  const validate = (all: boolean): ReturnType<typeof checkHost> => {
    const view = bookView(ctx.hosts.filter((x) => x.id !== h?.id), ctx.folders);
    const r = checkHost(collect(), view);
    showErrors(r.ok ? [] : r.errors, !all);
    return r;
  };

  form.addEventListener('input', (ev) => {
    (ev.target as HTMLElement).dataset['touched'] = 'true';
    sync();
    validate(false);
  });
  form.addEventListener('change', (ev) => ((ev.target as HTMLElement).dataset['touched'] = 'true'));
  form.addEventListener('submit', (ev) => {
    ev.preventDefault();
    void save();
  });

  const save = async (): Promise<void> => {
    const checked = validate(true);
    if (!checked.ok) {
      status.textContent = t('editor.invalid');
      const first = [...fields.values()].find((f) => f.input.hasAttribute('aria-invalid'));
      first?.input.focus();
      return;
    }
    saveButton.disabled = true;
    status.textContent = t('editor.saving');
    try {
      const input = checked.host;
      const saved = h ? await ctx.api.call('hosts.update', { ...input, id: h.id }) : await ctx.api.call('hosts.create', input);
      const secretNote = await saveSecrets(saved);
      dialog.close();
      // The host is saved either way; a password that could not be sealed is reported, not retried here.
      ctx.onSaved(saved, secretNote ?? undefined);
    } catch (err) {
      saveButton.disabled = false;
      if (err instanceof ApiCallError && Array.isArray(err.details?.['errors'])) {
        showErrors(err.details['errors'] as FieldError[], false);
        status.textContent = t('editor.invalid');
      } else {
        status.textContent = err instanceof Error ? err.message : String(err);
      }
    }
  };

  const saveSecrets = async (saved: SavedHost): Promise<string | null> => {
    for (const kind of ['password', 'passphrase', 'vncPassword'] as const) {
      const { f, forget } = secrets[kind];
      const value = (f.input as HTMLInputElement).value;
      try {
        if (forget.checked) await ctx.api.call('secrets.clear', saved.id, kind);
        else if (value && !f.row.hidden) await ctx.api.call('secrets.set', saved.id, kind, value);
      } catch (err) {
        if (err instanceof ApiCallError && (err.code === 'SECRETS_NO_MASTER_PASSWORD' || err.code === 'SECRETS_LOCKED')) return t('editor.secretNeedsMaster');
        return err instanceof Error ? err.message : String(err);
      } finally {
        (f.input as HTMLInputElement).value = '';
      }
    }
    return null;
  };

  sync();
  dialog.addEventListener('close', () => dialog.remove());
  document.body.append(dialog);
  dialog.showModal();
  name.input.focus();
  return dialog;
}
