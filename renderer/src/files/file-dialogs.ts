// The file browser's modal questions, on <dialog>.showModal(): the platform
// makes the rest of the page inert (focus stays inside), Esc cancels, and
// focus returns to what had it. Every string goes in as text.
import { el } from '../dom.js';
import { t } from '../i18n/i18n.js';
import type { ConflictAnswer, ConflictChoice, ConflictQuestion } from '../../../shared/sftp.js';
import { formatMode, formatSize, parseOctalMode } from './files-model.js';
import './files.css';

let seq = 0;

function modal(
  title: string,
  className: string,
  ...body: HTMLElement[]
): { dialog: HTMLDialogElement; titleId: string } {
  const titleId = `hd-files-dlg-${++seq}`;
  const dialog = el(
    'dialog',
    { class: `files-dialog ${className}`, attrs: { 'aria-labelledby': titleId } },
    el('h2', { text: title, attrs: { id: titleId } }),
    ...body,
  );
  return { dialog, titleId };
}

function show<T>(dialog: HTMLDialogElement, focus: HTMLElement, result: () => T): Promise<T> {
  const before = document.activeElement as HTMLElement | null;
  return new Promise((resolve) => {
    dialog.addEventListener('close', () => {
      dialog.remove();
      before?.focus();
      resolve(result());
    });
    dialog.addEventListener('keydown', (ev) => trapTab(dialog, ev));
    document.body.append(dialog);
    dialog.showModal();
    focus.focus();
  });
}

/**
 * Keeps Tab inside the dialog: showModal() makes the page inert, but Tab past
 * the last control would still leave for the browser's own UI (WAI-ARIA APG,
 * "Dialog (Modal)": Tab wraps from the last focusable element to the first).
 */
function trapTab(dialog: HTMLDialogElement, ev: KeyboardEvent): void {
  if (ev.key !== 'Tab') return;
  const all = [
    ...dialog.querySelectorAll<HTMLElement>('button, input, select, textarea, [tabindex]:not([tabindex="-1"])'),
  ].filter(
    (e) =>
      !e.hasAttribute('disabled') &&
      e.offsetParent !== null &&
      !(e instanceof HTMLInputElement && e.type === 'radio' && !e.checked),
  );
  const first = all[0];
  const last = all[all.length - 1];
  if (!first || !last) return;
  if (!ev.shiftKey && document.activeElement === last) {
    ev.preventDefault();
    first.focus();
  } else if (ev.shiftKey && document.activeElement === first) {
    ev.preventDefault();
    last.focus();
  }
}

/** Asks for a name (new folder, rename). Resolves null on cancel; a name with '/' or NUL is refused in place. */
export function askName(title: string, label: string, initial: string, ok: string): Promise<string | null> {
  const input = el('input', {
    attrs: { type: 'text', 'aria-label': label, spellcheck: 'false', autocomplete: 'off', value: initial },
  });
  const error = el('p', { class: 'field-error', attrs: { 'aria-live': 'polite' } });
  const cancel = el('button', { text: t('dialog.cancel'), attrs: { type: 'button' } });
  const submit = el('button', { text: ok, class: 'primary', attrs: { type: 'submit' } });
  const form = el(
    'form',
    { attrs: { method: 'dialog' } },
    el('label', { text: label }, input),
    error,
    el('div', { class: 'dialog-actions' }, cancel, submit),
  );
  const { dialog } = modal(title, 'files-name', form);
  let answer: string | null = null;
  cancel.addEventListener('click', () => dialog.close());
  form.addEventListener('submit', (ev) => {
    const name = input.value.trim();
    const bad = name === '' || name === '.' || name === '..' || /[/\0]/.test(name);
    if (bad) {
      ev.preventDefault();
      error.textContent = t('files.name.invalid');
      input.setAttribute('aria-invalid', 'true');
      return;
    }
    answer = name;
  });
  const dot = initial.lastIndexOf('.');
  const shown = show(dialog, input, () => answer);
  // Select the base name now, in the same task as showModal() and focus(): a
  // timer here raced the person's first keys (typing "fresh" gave "reshf").
  input.setSelectionRange(0, dot > 0 ? dot : initial.length);
  return shown;
}

/** Permission bits as nine checkboxes and an octal field kept in step. Resolves the new mode or null. */
export function askMode(name: string, current: number): Promise<number | null> {
  const octal = el('input', {
    attrs: {
      type: 'text',
      inputmode: 'numeric',
      'aria-label': t('files.chmod.octal'),
      value: (current & 0o7777).toString(8).padStart(3, '0'),
      maxlength: 4,
    },
  });
  const boxes: Array<[HTMLInputElement, number]> = [];
  const who = [t('files.chmod.owner'), t('files.chmod.group'), t('files.chmod.others')];
  const what = [t('files.chmod.read'), t('files.chmod.write'), t('files.chmod.exec')];
  const rows = who.map((w, i) =>
    el(
      'fieldset',
      {},
      el('legend', { text: w }),
      ...what.map((x, j) => {
        const bit = 1 << (8 - (i * 3 + j));
        const box = el('input', { attrs: { type: 'checkbox', checked: (current & bit) !== 0 } });
        boxes.push([box, bit]);
        return el('label', {}, box, ` ${x}`);
      }),
    ),
  );
  const preview = el('p', { class: 'files-mode-preview', text: formatMode(current), attrs: { 'aria-live': 'polite' } });
  const read = (): number | null => parseOctalMode(octal.value);
  const fromBoxes = (): void => {
    const special = (read() ?? current) & 0o7000;
    const mode = boxes.reduce((m, [b, bit]) => (b.checked ? m | bit : m), special);
    octal.value = mode.toString(8).padStart(3, '0');
    preview.textContent = formatMode(mode);
  };
  for (const [b] of boxes) b.addEventListener('change', fromBoxes);
  octal.addEventListener('input', () => {
    const mode = read();
    octal.setAttribute('aria-invalid', String(mode === null));
    if (mode === null) return;
    for (const [b, bit] of boxes) b.checked = (mode & bit) !== 0;
    preview.textContent = formatMode(mode);
  });
  const cancel = el('button', { text: t('dialog.cancel'), attrs: { type: 'button' } });
  const submit = el('button', { text: t('files.chmod.apply'), class: 'primary', attrs: { type: 'submit' } });
  const form = el(
    'form',
    { attrs: { method: 'dialog' } },
    ...rows,
    el('label', { text: t('files.chmod.octal') }, octal),
    preview,
    el('div', { class: 'dialog-actions' }, cancel, submit),
  );
  const { dialog } = modal(t('files.chmod.title', { name }), 'files-chmod', form);
  let answer: number | null = null;
  cancel.addEventListener('click', () => dialog.close());
  form.addEventListener('submit', (ev) => {
    const mode = read();
    if (mode === null) ev.preventDefault();
    else answer = mode;
  });
  return show(dialog, octal, () => answer);
}

const CHOICES: ConflictChoice[] = ['overwrite', 'skip', 'rename', 'overwrite-if-newer'];

export interface ConflictDialogHandle {
  answer: Promise<ConflictAnswer | null>;
  /** The question went away (its item was cancelled): close without answering. */
  close(): void;
}

/**
 * Asks what to do about one clash. The choices are radio buttons (arrow keys
 * move between them), "apply to all" a checkbox, and Enter answers; Esc
 * resolves null (the caller answers "skip", the safe choice).
 */
export function conflictDialog(q: ConflictQuestion, when: (ms: number) => string): ConflictDialogHandle {
  const radios = CHOICES.map((choice, i) => {
    const input = el('input', {
      attrs: { type: 'radio', name: `hd-conflict-${q.questionId}`, value: choice, checked: i === 1 },
    });
    return el('label', { class: 'files-choice' }, input, ` ${t(`files.conflict.${choice}`)}`);
  });
  const all = el('input', { attrs: { type: 'checkbox' } });
  const side = (label: string, s: { size: number; mtimeMs: number }): HTMLElement =>
    el(
      'div',
      {},
      el('dt', { text: label }),
      el('dd', { text: `${formatSize(s.size)} · ${s.mtimeMs ? when(s.mtimeMs) : '—'}` }),
    );
  const submit = el('button', { text: t('files.conflict.answer'), class: 'primary', attrs: { type: 'submit' } });
  const form = el(
    'form',
    { attrs: { method: 'dialog' } },
    el('p', { text: t('files.conflict.body', { name: q.relative || q.name }) }),
    el(
      'dl',
      { class: 'files-conflict-sides' },
      side(t('files.conflict.existing'), q.existing),
      side(t('files.conflict.incoming'), q.incoming),
    ),
    el('fieldset', { class: 'files-choices' }, el('legend', { text: t('files.conflict.choice') }), ...radios),
    q.remaining > 0
      ? el('label', {}, all, ` ${t('files.conflict.applyAll', { count: q.remaining })}`)
      : (null as unknown as HTMLElement),
    el('div', { class: 'dialog-actions' }, submit),
  );
  const { dialog } = modal(t('files.conflict.title'), 'files-conflict', form);
  let answer: ConflictAnswer | null = null;
  form.addEventListener('submit', () => {
    const picked = form.querySelector<HTMLInputElement>('input[type=radio]:checked');
    answer = { choice: (picked?.value as ConflictChoice | undefined) ?? 'skip', applyToAll: all.checked };
  });
  const first = radios[1]?.querySelector('input') as HTMLElement;
  return { answer: show(dialog, first, () => answer), close: () => dialog.close() };
}
