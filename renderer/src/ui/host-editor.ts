// The host editor: every field of a saved host, checked as you type by the
// same validator main runs on every write (shared/model/validate), with the
// error beside its field (aria-invalid + aria-describedby). Passwords are
// write-only: the form can set, replace or forget one, never show it.
//
// The form is built from sections (general, sign-in, jump chain, VNC,
// organisation, saved passwords). Each owns its rows, decides when they show
// (sync) and writes its share of the host (collect); openHostEditor only
// joins them to the validator and to main.
import { el } from '../dom.js';
import { t } from '../i18n/i18n.js';
import type { ApiClient } from '../api/client.js';
import { ApiCallError } from '../api/client.js';
import { bookView, checkHost, inheritedDefault, type FieldError } from '../../../shared/model/validate.js';
import {
  DEFAULT_PORTS,
  DEFAULT_VNC_OPTIONS,
  folderKey,
  type AuthMethod,
  type Folder,
  type HostInput,
  type Protocol,
  type SavedHost,
  type SecretKind,
  type VncOptions,
} from '../../../shared/model/host.js';
import { checkbox, EditorFields, selectInput, sshHostChoices, textInput, type Field } from './editor-fields.js';
import { forwardsSection } from './forwards-editor.js';
import { JumpChainEditor } from './jump-chain-editor.js';
import { vncLengthNote } from './prompts.js';
import { hostSessionLogSection } from './session-log-settings.js';

type AuthChoice = 'auto' | AuthMethod['type'];

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

/** What decides which rows show, read from the form as it is now. */
interface EditorState {
  isSsh: boolean;
  authType: AuthChoice;
  folder: string[];
}

/** One part of the form: when its rows show, and its share of the host. */
interface Section {
  sync(state: EditorState): void;
  collect(out: Record<string, unknown>, state: EditorState): void;
}

export function openHostEditor(ctx: EditorContext): HTMLDialogElement {
  const h = ctx.host;
  const base: Partial<HostInput> = h ?? ctx.prefill ?? {};
  const fields = new EditorFields();
  const refresh = (): void => {
    sync();
    validate(false);
  };
  const general = generalSection(fields, base, ctx.folders, refresh);
  const auth = authSection(fields, base);
  const jumps = jumpSection(fields, ctx, refresh);
  const forwards = forwardsSection(fields, base, refresh);
  const sessionLog = hostSessionLogSection(fields, base);
  const vnc = vncSection(fields, base.vnc ?? DEFAULT_VNC_OPTIONS, ctx);
  const organise = organiseSection(fields, base, ctx.folders);
  const reconnect = reconnectSection(fields, base);
  const secrets = secretsSection(fields, ctx);
  const sections: Section[] = [general, auth, jumps, forwards, sessionLog, vnc, organise, reconnect, secrets];
  const state = (): EditorState => ({
    isSsh: general.protocol() === 'ssh',
    authType: auth.type(),
    folder: organise.folder(),
  });
  const sync = (): void => {
    const s = state();
    for (const section of sections) section.sync(s);
  };
  const collect = (): Record<string, unknown> => {
    const s = state();
    const out: Record<string, unknown> = h ? { id: h.id } : {};
    for (const section of sections) section.collect(out, s);
    return out;
  };
  const validate = (all: boolean): ReturnType<typeof checkHost> => {
    const r = checkHost(
      collect(),
      bookView(
        ctx.hosts.filter((x) => x.id !== h?.id),
        ctx.folders,
      ),
    );
    fields.showErrors(r.ok ? [] : r.errors, !all);
    return r;
  };

  const { dialog, form, status, saveButton } = editorDialog(h, fields.rows);
  form.addEventListener('input', (ev) => {
    (ev.target as HTMLElement).dataset['touched'] = 'true';
    refresh();
  });
  form.addEventListener('change', (ev) => ((ev.target as HTMLElement).dataset['touched'] = 'true'));
  form.addEventListener('submit', (ev) => {
    ev.preventDefault();
    const checked = validate(true);
    if (!checked.ok) {
      status.textContent = t('editor.invalid');
      form.querySelector<HTMLElement>('[aria-invalid]')?.focus();
      return;
    }
    void saveHost(ctx, checked.host, secrets, {
      dialog,
      status,
      saveButton,
      showErrors: (errors) => fields.showErrors(errors, false),
    });
  });
  sync();
  dialog.addEventListener('close', () => {
    jumps.dispose();
    forwards.dispose();
    dialog.remove();
  });
  document.body.append(dialog);
  dialog.showModal();
  general.focus();
  return dialog;
}

function editorDialog(
  h: SavedHost | undefined,
  rows: readonly HTMLElement[],
): { dialog: HTMLDialogElement; form: HTMLFormElement; status: HTMLElement; saveButton: HTMLButtonElement } {
  const status = el('p', { class: 'form-status', attrs: { role: 'status', 'aria-live': 'polite' } });
  const saveButton = el('button', { text: t('editor.save'), class: 'primary', attrs: { type: 'submit' } });
  const cancel = el('button', { text: t('dialog.cancel'), attrs: { type: 'button', value: 'cancel' } });
  const form = el(
    'form',
    { attrs: { method: 'dialog', novalidate: true } },
    el('h2', {
      text: h ? t('editor.title.edit', { name: h.name }) : t('editor.title.new'),
      attrs: { id: 'hd-editor-title' },
    }),
    ...rows,
    status,
    el('div', { class: 'dialog-actions' }, cancel, saveButton),
  );
  const dialog = el('dialog', { class: 'host-editor', attrs: { 'aria-labelledby': 'hd-editor-title' } }, form);
  cancel.addEventListener('click', () => dialog.close());
  return { dialog, form, status, saveButton };
}

interface SaveView {
  dialog: HTMLDialogElement;
  status: HTMLElement;
  saveButton: HTMLButtonElement;
  showErrors(errors: readonly FieldError[]): void;
}

async function saveHost(ctx: EditorContext, input: HostInput, secrets: SecretsSection, view: SaveView): Promise<void> {
  view.saveButton.disabled = true;
  view.status.textContent = t('editor.saving');
  try {
    const saved = ctx.host
      ? await ctx.api.call('hosts.update', { ...input, id: ctx.host.id })
      : await ctx.api.call('hosts.create', input);
    const secretNote = await secrets.save(saved);
    view.dialog.close();
    // The host is saved either way; a password that could not be sealed is reported, not retried here.
    ctx.onSaved(saved, secretNote ?? undefined);
  } catch (err) {
    view.saveButton.disabled = false;
    if (err instanceof ApiCallError && Array.isArray(err.details?.['errors'])) {
      view.showErrors(err.details['errors'] as FieldError[]);
      view.status.textContent = t('editor.invalid');
    } else {
      view.status.textContent = err instanceof Error ? err.message : String(err);
    }
  }
}

function generalSection(
  fields: EditorFields,
  base: Partial<HostInput>,
  folders: readonly Folder[],
  onProtocol: () => void,
): Section & { protocol(): Protocol; focus(): void } {
  const name = fields.field('name', t('editor.name'), textInput(base.name ?? '', { required: true, maxlength: 128 }));
  const protocol = fields.field(
    'protocol',
    t('editor.protocol'),
    selectInput(base.protocol ?? 'ssh', [
      ['ssh', 'SSH'],
      ['vnc', 'VNC'],
    ]),
  );
  const address = fields.field(
    'address',
    t('editor.address'),
    textInput(base.address ?? '', { required: true, inputmode: 'url' }),
    t('editor.address.hint'),
  );
  const port = fields.field(
    'port',
    t('editor.port'),
    el('input', {
      attrs: { type: 'number', min: 1, max: 65535, value: base.port ?? DEFAULT_PORTS[base.protocol ?? 'ssh'] },
    }),
  );
  const username = fields.field(
    'username',
    t('editor.username'),
    textInput(base.username ?? '', { autocapitalize: 'off' }),
  );
  protocol.input.addEventListener('change', () => {
    // A port left at the old protocol's default follows the new one.
    const p = protocol.input.value as Protocol;
    const other = p === 'ssh' ? 'vnc' : 'ssh';
    if (port.input.value === String(DEFAULT_PORTS[other])) port.input.value = String(DEFAULT_PORTS[p]);
    onProtocol();
  });
  const byKey = new Map(folders.map((f) => [folderKey(f.path), f]));
  return {
    protocol: () => protocol.input.value as Protocol,
    focus: () => name.input.focus(),
    sync: (s) => {
      const inherited = inheritedDefault(s.folder, byKey, 'username');
      username.input.setAttribute('placeholder', inherited ? t('editor.username.inherited', { name: inherited }) : '');
    },
    collect: (out) => {
      Object.assign(out, {
        name: name.input.value,
        protocol: protocol.input.value,
        address: address.input.value.trim(),
        port: Number(port.input.value),
      });
      if (username.input.value.trim()) out['username'] = username.input.value.trim();
    },
  };
}

function authSection(fields: EditorFields, base: Partial<HostInput>): Section & { type(): AuthChoice } {
  const auth = fields.field(
    'auth',
    t('editor.auth'),
    selectInput(base.auth?.type ?? 'auto', [
      ['auto', t('editor.auth.auto')],
      ['password', t('editor.auth.password')],
      ['privateKey', t('editor.auth.privateKey')],
      ['agent', t('editor.auth.agent')],
      ['keyboardInteractive', t('editor.auth.keyboardInteractive')],
    ]),
  );
  const keyPath = fields.field(
    'auth.path',
    t('editor.keyPath'),
    textInput(base.auth?.type === 'privateKey' ? base.auth.path : '', { placeholder: '~/.ssh/id_ed25519' }),
  );
  return {
    type: () => auth.input.value as AuthChoice,
    sync: (s) => {
      auth.row.hidden = !s.isSsh;
      keyPath.row.hidden = !s.isSsh || s.authType !== 'privateKey';
    },
    collect: (out, s) => {
      if (!s.isSsh) return;
      if (s.authType === 'privateKey') out['auth'] = { type: 'privateKey', path: keyPath.input.value.trim() };
      else if (s.authType !== 'auto') out['auth'] = { type: s.authType };
    },
  };
}

function jumpSection(fields: EditorFields, ctx: EditorContext, onChange: () => void): Section & { dispose(): void } {
  const h = ctx.host;
  const jumps = new JumpChainEditor({
    chain: (ctx.host ?? ctx.prefill)?.jumpChain ?? [],
    hosts: ctx.hosts,
    selfId: h?.id,
    onChange,
  });
  fields.part(jumps.element, jumps);
  return {
    dispose: () => jumps.dispose(),
    sync: (s) => (jumps.hidden = !s.isSsh),
    collect: (out, s) => {
      if (!s.isSsh) return;
      // No hops on a host that had no chain of its own: it keeps inheriting
      // its folder's jump host. A host that had a chain saves [] (direct).
      const chain = jumps.value();
      if (chain.length > 0 || h?.jumpChain !== undefined) out['jumpChain'] = chain;
    },
  };
}

function vncSection(fields: EditorFields, v: VncOptions, ctx: EditorContext): Section {
  const via = fields.field(
    'vnc.viaSshHostId',
    t('editor.via'),
    selectInput(v.viaSshHostId ?? '', sshHostChoices(ctx.hosts, ctx.host?.id, t('editor.via.none'), v.viaSshHostId)),
  );
  const viewOnly = fields.field('vnc.viewOnly', t('editor.viewOnly'), checkbox(v.viewOnly));
  const scaling = fields.field(
    'vnc.scaling',
    t('editor.scaling'),
    selectInput(v.scaling, [
      ['scale', t('editor.scaling.scale')],
      ['remote', t('editor.scaling.remote')],
      ['none', t('editor.scaling.none')],
    ]),
  );
  const quality = fields.field(
    'vnc.quality',
    t('editor.quality'),
    el('input', { attrs: { type: 'range', min: 0, max: 9, value: v.quality } }),
  );
  const compression = fields.field(
    'vnc.compression',
    t('editor.compression'),
    el('input', { attrs: { type: 'range', min: 0, max: 9, value: v.compression } }),
  );
  for (const f of [quality, compression]) showRangeValue(f);
  const shared = fields.field('vnc.shared', t('editor.shared'), checkbox(v.shared));
  const requireEncryption = fields.field(
    'vnc.requireEncryption',
    t('editor.requireEncryption'),
    checkbox(v.requireEncryption ?? false),
    t('editor.requireEncryption.hint'),
  );
  const checked = (f: Field): boolean => (f.input as HTMLInputElement).checked;
  return {
    sync: (s) => {
      for (const f of [via, viewOnly, scaling, quality, compression, shared, requireEncryption]) f.row.hidden = s.isSsh;
    },
    collect: (out, s) => {
      if (s.isSsh) return;
      out['vnc'] = {
        viewOnly: checked(viewOnly),
        scaling: scaling.input.value,
        quality: Number(quality.input.value),
        compression: Number(compression.input.value),
        shared: checked(shared),
        ...(via.input.value ? { viaSshHostId: via.input.value } : {}),
        ...(checked(requireEncryption) ? { requireEncryption: true } : {}),
      };
    },
  };
}

/** A slider shows its number, not just its position. */
function showRangeValue(f: Field): void {
  const out = el('output', { class: 'range-value', text: f.input.value, attrs: { 'aria-hidden': 'true' } });
  f.input.addEventListener('input', () => (out.textContent = f.input.value));
  f.input.after(out);
  f.input.parentElement?.classList.add('range-control');
}

function organiseSection(
  fields: EditorFields,
  base: Partial<HostInput>,
  folders: readonly Folder[],
): Section & { folder(): string[] } {
  const folder = fields.field(
    'folder',
    t('editor.folder'),
    textInput((base.folder ?? []).join('/'), { list: 'hd-folders' }),
    t('editor.folder.hint'),
  );
  folder.input.after(
    el(
      'datalist',
      { attrs: { id: 'hd-folders' } },
      ...folders.map((f) => el('option', { attrs: { value: folderKey(f.path) } })),
    ),
  );
  const tags = fields.field('tags', t('editor.tags'), textInput((base.tags ?? []).join(', ')), t('editor.tags.hint'));
  const noColour = checkbox(base.colour === undefined);
  const colour = fields.field(
    'colour',
    t('editor.colour'),
    el('input', { attrs: { type: 'color', value: base.colour ?? '#2f6fde' } }),
  );
  colour.row
    .querySelector('.form-control')
    ?.append(el('label', { class: 'inline' }, noColour, ` ${t('editor.colour.none')}`));
  const syncColour = (): void => void ((colour.input as HTMLInputElement).disabled = noColour.checked);
  noColour.addEventListener('change', syncColour);
  syncColour();
  const notes = fields.field(
    'notes',
    t('editor.notes'),
    el('textarea', { text: base.notes ?? '', attrs: { rows: 3, maxlength: 10000 } }),
  );
  const folderValue = (): string[] =>
    folder.input.value
      .split('/')
      .map((s) => s.trim())
      .filter(Boolean);
  return {
    folder: folderValue,
    sync: () => undefined,
    collect: (out) => {
      out['folder'] = folderValue();
      out['tags'] = tags.input.value
        .split(',')
        .map((s) => s.trim())
        .filter(Boolean);
      out['notes'] = notes.input.value;
      if (!noColour.checked) out['colour'] = colour.input.value;
    },
  };
}

/** Reconnect by itself: the app-wide default (settings), or on or off for this host; and (SSH) keep the shell. */
function reconnectSection(fields: EditorFields, base: Partial<HostInput>): Section {
  const keep = fields.field(
    'keepShell',
    t('editor.keepShell'),
    checkbox(base.keepShell === true),
    t('editor.keepShell.hint'),
  );
  const now = base.autoReconnect === undefined ? 'default' : base.autoReconnect ? 'on' : 'off';
  const choice = fields.field(
    'autoReconnect',
    t('editor.autoReconnect'),
    selectInput(now, [
      ['default', t('editor.autoReconnect.default')],
      ['on', t('editor.autoReconnect.on')],
      ['off', t('editor.autoReconnect.off')],
    ]),
    t('editor.autoReconnect.hint'),
  );
  return {
    sync: (s) => void (keep.row.hidden = !s.isSsh),
    collect: (out, s) => {
      if (choice.input.value !== 'default') out['autoReconnect'] = choice.input.value === 'on';
      if (s.isSsh && (keep.input as HTMLInputElement).checked) out['keepShell'] = true;
    },
  };
}

interface SecretsSection extends Section {
  /** Seals, replaces or forgets what was typed; returns a note when something could not be kept. */
  save(saved: SavedHost): Promise<string | null>;
}

/** Write-only secrets: an empty box keeps what is saved. */
function secretsSection(fields: EditorFields, ctx: EditorContext): SecretsSection {
  const secretField = (kind: SecretKind): { f: Field; forget: HTMLInputElement } => {
    const saved = ctx.host?.hasSecret[kind] ?? false;
    const f = fields.field(
      `secret.${kind}`,
      t(`editor.secret.${kind}`),
      el('input', {
        attrs: {
          type: 'password',
          autocomplete: 'new-password',
          placeholder: saved ? t('editor.secret.saved') : t('editor.secret.none'),
        },
      }),
    );
    const forget = checkbox(false);
    if (saved)
      f.row
        .querySelector('.form-control')
        ?.append(el('label', { class: 'inline' }, forget, ` ${t('editor.secret.forget')}`));
    return { f, forget };
  };
  const secrets = {
    password: secretField('password'),
    passphrase: secretField('passphrase'),
    vncPassword: secretField('vncPassword'),
  };
  secrets.vncPassword.f.row
    .querySelector('.form-control')
    ?.append(vncLengthNote(secrets.vncPassword.f.input as HTMLInputElement));
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
  return {
    sync: (s) => {
      secrets.password.f.row.hidden = !s.isSsh || s.authType === 'agent' || s.authType === 'privateKey';
      secrets.passphrase.f.row.hidden = !s.isSsh || s.authType !== 'privateKey';
      secrets.vncPassword.f.row.hidden = s.isSsh;
    },
    collect: () => undefined,
    save: (saved) => saveSecrets(ctx.api, saved, secrets),
  };
}

async function saveSecrets(
  api: ApiClient,
  saved: SavedHost,
  secrets: Record<SecretKind, { f: Field; forget: HTMLInputElement }>,
): Promise<string | null> {
  for (const kind of ['password', 'passphrase', 'vncPassword'] as const) {
    const { f, forget } = secrets[kind];
    const value = (f.input as HTMLInputElement).value;
    try {
      if (forget.checked) await api.call('secrets.clear', saved.id, kind);
      else if (value && !f.row.hidden) await api.call('secrets.set', saved.id, kind, value);
    } catch (err) {
      if (err instanceof ApiCallError && (err.code === 'SECRETS_NO_MASTER_PASSWORD' || err.code === 'SECRETS_LOCKED'))
        return t('editor.secretNeedsMaster');
      return err instanceof Error ? err.message : String(err);
    } finally {
      (f.input as HTMLInputElement).value = '';
    }
  }
  return null;
}
