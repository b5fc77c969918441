// The host editor's labelled fields and where the validator's errors land.
// Each field is a row (label, control, hint, error) whose error line the
// control names in aria-describedby, so a screen reader reads the error with
// the field. Parts of the form with rows of their own (the jump chain) join
// as an ErrorPart and receive the errors for the field names they own.
import { el } from '../dom.js';
import { t } from '../i18n/i18n.js';
import type { FieldError } from '../../../shared/model/validate.js';
import type { SavedHost } from '../../../shared/model/host.js';

export interface Field {
  row: HTMLElement;
  input: HTMLInputElement | HTMLSelectElement | HTMLTextAreaElement;
  error: HTMLElement;
}

/** A part of the form that shows its own errors (keys are validator field names). */
export interface ErrorPart {
  /** True for the validator field names this part shows (e.g. "jumpChain[2]"). */
  owns(field: string): boolean;
  showErrors(byField: ReadonlyMap<string, string>, touchedOnly: boolean): void;
}

let uid = 0;

/** A fresh id for a control and the nodes that describe it. */
export function controlId(): string {
  return `hd-f${++uid}`;
}

export class EditorFields {
  /** Every row in form order (fields and parts alike). */
  readonly rows: HTMLElement[] = [];
  readonly #fields = new Map<string, Field>();
  readonly #parts: ErrorPart[] = [];

  /** A labelled row for the validator field `name`. */
  field(name: string, label: string, input: Field['input'], hint?: string): Field {
    const id = controlId();
    input.id = id;
    const error = el('div', { class: 'field-error', attrs: { id: `${id}-err`, role: 'alert' } });
    const hintEl = hint ? el('div', { class: 'field-hint', text: hint, attrs: { id: `${id}-hint` } }) : null;
    input.setAttribute('aria-describedby', [hint ? `${id}-hint` : '', `${id}-err`].filter(Boolean).join(' '));
    const row = el(
      'div',
      { class: 'form-row' },
      el('label', { text: label, attrs: { for: id } }),
      el('div', { class: 'form-control' }, input, hintEl, error),
    );
    const f = { row, input, error };
    this.#fields.set(name, f);
    this.rows.push(row);
    return f;
  }

  /** A part with its own rows, placed at this point of the form. */
  part(row: HTMLElement, part: ErrorPart): void {
    this.rows.push(row);
    this.#parts.push(part);
  }

  /**
   * Puts each error beside its field. An error for a name no field or part
   * shows ("auth.type", "vnc.scaling") goes to its nearest enclosing field.
   * `touchedOnly` (while typing) spares fields the person has not reached.
   */
  showErrors(errors: readonly FieldError[], touchedOnly: boolean): void {
    const byField = new Map<string, string>();
    for (const e of errors) {
      const key = this.#shows(e.field) ? e.field : (e.field.replace(/\[\d+\]$/, '').split('.')[0] ?? '');
      if (!byField.has(key)) byField.set(key, e.message);
    }
    for (const [key, f] of this.#fields) {
      if (key.startsWith('secret.')) continue;
      const msg = byField.get(key);
      if (touchedOnly && f.input.dataset['touched'] !== 'true') continue;
      f.error.textContent = msg ?? '';
      f.input.toggleAttribute('aria-invalid', msg !== undefined);
    }
    for (const part of this.#parts) part.showErrors(byField, touchedOnly);
  }

  #shows(name: string): boolean {
    return this.#fields.has(name) || this.#parts.some((p) => p.owns(name));
  }
}

/** A one-line text box that neither spell-checks nor autocompletes. */
export function textInput(value = '', attrs: Record<string, string | number | boolean> = {}): HTMLInputElement {
  return el('input', { attrs: { type: 'text', value, spellcheck: 'false', autocomplete: 'off', ...attrs } });
}

export function selectInput(value: string, options: ReadonlyArray<readonly [string, string]>): HTMLSelectElement {
  return el(
    'select',
    {},
    ...options.map(([v, label]) => el('option', { text: label, attrs: { value: v, selected: v === value } })),
  );
}

export function checkbox(checked: boolean): HTMLInputElement {
  return el('input', { attrs: { type: 'checkbox', checked } });
}

/**
 * The choices for a "which SSH host" select: none, then every SSH host but
 * the one being edited. A `current` id that is not among them (a deleted
 * host, a VNC host) stays as a choice of its own: a select without its value
 * would fall back to "none" and saving would silently drop the reference;
 * kept, the validator names the problem beside the field instead.
 */
export function sshHostChoices(
  hosts: readonly SavedHost[],
  selfId: string | undefined,
  none: string,
  current = '',
): Array<[string, string]> {
  const label = (x: SavedHost): string => `${x.name} (${x.address})`;
  const choices: Array<[string, string]> = [
    ['', none],
    ...hosts.filter((x) => x.protocol === 'ssh' && x.id !== selfId).map((x): [string, string] => [x.id, label(x)]),
  ];
  if (current && !choices.some(([id]) => id === current)) {
    const known = hosts.find((x) => x.id === current);
    choices.push([current, known ? label(known) : t('editor.host.missing', { id: current })]);
  }
  return choices;
}
