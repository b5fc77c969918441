// Questions main asks mid-connection (host key, password, passphrase, 2FA,
// VNC certificate), and the refusal for a changed host key. Fingerprints and
// server-sent prompt text are shown as text, in a monospace box that can be
// selected and compared.
import { VNC_PASSWORD_SIGNIFICANT_CHARS, vncPasswordIsTruncated } from '../../../shared/vnc-protocol.js';
import { el } from '../dom.js';
import { t } from '../i18n/i18n.js';
import type { ApiClient } from '../api/client.js';
import type { PromptAnswer, PromptRequest } from '../../../shared/api/contract.js';

type Prompt = PromptRequest & { promptId: string };

export class PromptDialogs {
  readonly #api: ApiClient;
  readonly #open = new Map<string, HTMLDialogElement>();

  constructor(api: ApiClient) {
    this.#api = api;
  }

  show(p: Prompt): void {
    if (this.#open.has(p.promptId)) return;
    let answered = false;
    const answer = (a: PromptAnswer): void => {
      answered = true;
      void this.#api.call('prompts.answer', p.promptId, a).catch(() => undefined);
      dialog.close();
    };
    const { body, primary, collect, cancelAnswer, focus } = build(p);
    const title = el('h2', { text: titleOf(p), attrs: { id: `hd-prompt-${p.promptId}` } });
    const ok = el('button', { text: primary, class: 'primary', attrs: { type: 'submit' } });
    const cancel = el('button', { text: t('dialog.cancel'), attrs: { type: 'button' } });
    const form = el('form', {}, title, ...body, el('div', { class: 'dialog-actions' }, cancel, ok));
    const dialog = el('dialog', { class: 'prompt', attrs: { 'aria-labelledby': title.id } }, form);
    form.addEventListener('submit', (ev) => {
      ev.preventDefault();
      answer(collect());
    });
    cancel.addEventListener('click', () => answer(cancelAnswer));
    dialog.addEventListener('close', () => {
      this.#open.delete(p.promptId);
      dialog.remove();
      if (!answered) void this.#api.call('prompts.answer', p.promptId, cancelAnswer).catch(() => undefined);
    });
    this.#open.set(p.promptId, dialog);
    document.body.append(dialog);
    dialog.showModal();
    // The safe choice has focus for trust questions; the input for secrets.
    (focus ?? cancel).focus();
  }

  /** Main gave up on the question (timeout, connection gone): close without answering. */
  gone(promptId: string): void {
    const d = this.#open.get(promptId);
    if (!d) return;
    this.#open.delete(promptId);
    d.remove();
  }
}

function titleOf(p: Prompt): string {
  switch (p.kind) {
    case 'hostKey':
      return t('prompt.hostKey.title');
    case 'vncCertificate':
      return t('prompt.cert.title');
    case 'keyboardInteractive':
      return t('prompt.kbd.title', { host: p.host });
    case 'secret': {
      // Name the saved host and the port: several hosts can share an address.
      const where = `${p.host}${p.port !== undefined && p.port !== 22 && p.port !== 5900 ? `:${p.port}` : ''}${p.hostName ? ` (${p.hostName})` : ''}`;
      return p.secret === 'passphrase'
        ? t('prompt.secret.passphrase', { path: p.keyPath ?? '' })
        : p.secret === 'vncPassword'
          ? t('prompt.secret.vncPassword', { host: where })
          : t('prompt.secret.password', { user: p.username ?? '', host: where });
    }
  }
}

const isElement = (x: HTMLElement | null): x is HTMLElement => x !== null;

const facts = (rows: Array<[string, string]>): HTMLElement =>
  el(
    'dl',
    { class: 'facts' },
    ...rows.flatMap(([k, v]) => [el('dt', { text: k }), el('dd', { class: 'mono', text: v })]),
  );

/** What a prompt dialog shows and answers, apart from its title and buttons. */
interface PromptView {
  body: HTMLElement[];
  primary: string;
  collect: () => PromptAnswer;
  cancelAnswer: PromptAnswer;
  focus?: HTMLElement;
}

type PromptOf<K extends Prompt['kind']> = Extract<Prompt, { kind: K }>;

function build(p: Prompt): PromptView {
  if (p.kind === 'hostKey') return hostKeyView(p);
  if (p.kind === 'vncCertificate') return certificateView(p);
  if (p.kind === 'keyboardInteractive') return keyboardView(p);
  return secretView(p);
}

function hostKeyView(p: PromptOf<'hostKey'>): PromptView {
  return {
    body: [
      el('p', { text: t('prompt.hostKey.body', { host: p.host, port: p.port }) }),
      facts([
        [t('prompt.hostKey.type'), p.keyType],
        [t('prompt.hostKey.fingerprint'), p.fingerprint],
      ]),
    ],
    primary: t('prompt.hostKey.trust'),
    collect: () => ({ type: 'decision', accept: true }),
    cancelAnswer: { type: 'decision', accept: false },
  };
}

function certificateView(p: PromptOf<'vncCertificate'>): PromptView {
  return {
    body: [
      el('p', { text: t('prompt.cert.body', { host: p.host, port: p.port }) }),
      facts([
        [t('prompt.hostKey.fingerprint'), p.fingerprint],
        [t('prompt.cert.subject'), p.subject],
        [t('prompt.cert.issuer'), p.issuer],
        [t('prompt.cert.validTo'), p.validTo],
      ]),
    ],
    primary: t('prompt.cert.trust'),
    collect: () => ({ type: 'decision', accept: true }),
    cancelAnswer: { type: 'decision', accept: false },
  };
}

function keyboardView(p: PromptOf<'keyboardInteractive'>): PromptView {
  const inputs = p.prompts.map((q) =>
    el('input', {
      attrs: { type: q.echo ? 'text' : 'password', autocomplete: 'one-time-code', 'aria-label': q.prompt },
    }),
  );
  return {
    body: [
      p.instructions ? (el('p', { class: 'server-text', text: p.instructions }) as HTMLElement) : null,
      ...p.prompts.map((q, i) =>
        el(
          'label',
          { class: 'stack' },
          el('span', { class: 'server-text', text: q.prompt }),
          inputs[i] as HTMLInputElement,
        ),
      ),
    ].filter(isElement),
    primary: t('dialog.ok'),
    collect: () => ({ type: 'responses', responses: inputs.map((i) => i.value) }),
    cancelAnswer: { type: 'responses', responses: null },
    ...(inputs[0] ? { focus: inputs[0] } : {}),
  };
}

function secretView(p: PromptOf<'secret'>): PromptView {
  const input = el('input', {
    attrs: { type: 'password', autocomplete: 'current-password', 'aria-label': titleOf(p) },
  });
  const remember = el('input', { attrs: { type: 'checkbox' } });
  const note = p.secret === 'vncPassword' ? vncLengthNote(input) : null;
  return {
    body: [
      p.attempt > 1
        ? (el('p', {
            class: 'field-error',
            text: t('prompt.secret.retry', { attempt: p.attempt }),
            attrs: { role: 'alert' },
          }) as HTMLElement)
        : null,
      input as HTMLElement,
      note,
      p.canRemember ? el('label', { class: 'inline' }, remember, ` ${t('prompt.remember')}`) : null,
    ].filter(isElement),
    primary: t('dialog.ok'),
    collect: () => ({ type: 'secret', value: input.value, remember: remember.checked }),
    cancelAnswer: { type: 'secret', value: null, remember: false },
    focus: input,
  };
}

/** A note under a VNC password box that appears once it is longer than VNC uses. */
export function vncLengthNote(input: HTMLInputElement): HTMLElement {
  const note = el('p', { class: 'field-hint', attrs: { 'aria-live': 'polite' } });
  const update = (): void => {
    note.textContent = vncPasswordIsTruncated(input.value)
      ? t('vnc.passwordTruncated', { n: VNC_PASSWORD_SIGNIFICANT_CHARS })
      : '';
  };
  input.addEventListener('input', update);
  return note;
}

/** The refusal for a changed host key: no way past it here, only what to do. */
export function showHostKeyChanged(details: Record<string, unknown>, host: string): void {
  const str = (k: string): string =>
    typeof details[k] === 'string' ? (details[k] as string) : typeof details[k] === 'number' ? String(details[k]) : '';
  const close = el('button', { text: t('dialog.close'), class: 'primary', attrs: { type: 'button' } });
  const dialog = el(
    'dialog',
    { class: 'prompt danger', attrs: { role: 'alertdialog', 'aria-labelledby': 'hd-hkc-title' } },
    el('h2', { text: t('hostKeyChanged.title'), attrs: { id: 'hd-hkc-title' } }),
    el('p', { text: t('hostKeyChanged.body', { host }) }),
    facts([
      [t('hostKeyChanged.old'), str('oldFingerprint')],
      [t('hostKeyChanged.new'), str('fingerprint')],
    ]),
    str('file') ? el('p', { text: t('hostKeyChanged.where', { file: str('file'), line: str('line') }) }) : null,
    str('removeCommand') ? el('p', { text: t('hostKeyChanged.fix') }) : null,
    str('removeCommand') ? el('pre', { class: 'mono', text: str('removeCommand') }) : null,
    el('div', { class: 'dialog-actions' }, close),
  );
  close.addEventListener('click', () => dialog.close());
  dialog.addEventListener('close', () => dialog.remove());
  document.body.append(dialog);
  dialog.showModal();
  close.focus();
}
