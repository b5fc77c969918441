// Small modal dialogs built on <dialog> (focus trap, Esc to cancel and the
// backdrop come from the platform). Every string is set as text.
import { el } from '../dom.js';
import { t } from '../i18n/i18n.js';

let uid = 0;

/** Resolves true when the person confirms; the safe choice (Cancel) has focus. */
export function confirmDialog(title: string, body: string, ok: string, danger = false): Promise<boolean> {
  return new Promise((resolve) => {
    const id = `hd-confirm-${++uid}`;
    const cancel = el('button', { text: t('dialog.cancel'), attrs: { type: 'button' } });
    const confirm = el('button', { text: ok, class: danger ? 'danger' : 'primary', attrs: { type: 'button' } });
    const dialog = el(
      'dialog',
      { attrs: { role: 'alertdialog', 'aria-labelledby': `${id}-t`, 'aria-describedby': `${id}-b` } },
      el('h2', { text: title, attrs: { id: `${id}-t` } }),
      el('p', { text: body, attrs: { id: `${id}-b` } }),
      el('div', { class: 'dialog-actions' }, cancel, confirm),
    );
    let answer = false;
    cancel.addEventListener('click', () => dialog.close());
    confirm.addEventListener('click', () => {
      answer = true;
      dialog.close();
    });
    dialog.addEventListener('close', () => {
      dialog.remove();
      resolve(answer);
    });
    document.body.append(dialog);
    dialog.showModal();
    cancel.focus();
  });
}

/** A labelled form row: label, control, optional hint. */
export function formRow(label: string, control: HTMLElement, hint?: string): HTMLElement {
  const id = control.id || `hd-row-${++uid}`;
  control.id = id;
  return el(
    'div',
    { class: 'form-row' },
    el('label', { text: label, attrs: { for: id } }),
    el('div', { class: 'form-control' }, control, hint ? el('div', { class: 'field-hint', text: hint }) : null),
  );
}
