// The host editor's port forwards and agent forwarding (docs/TUNNELS.md,
// "What is saved"): one group per forward, as many as the model allows
// (LIMITS.forwards), each with its kind (-L, -R, -D), where it listens, where
// it goes, and whether it starts with the host's first terminal.
//
// Safety in the form, not only in the validator: a bind starts at 127.0.0.1,
// and an address other machines could reach shows the "let other machines
// connect" box with what it means; until it is ticked the validator's
// EXPOSED_NOT_CONFIRMED stands beside the address. Agent forwarding says who
// can use the agent before it is turned on. Errors from validate.ts land beside
// their field (forwards[i].bindPort and so on), as for every other field.
import { Disposables, el } from '../dom.js';
import { t } from '../i18n/i18n.js';
import {
  DEFAULT_BIND_ADDRESS,
  LIMITS,
  type ForwardKind,
  type HostInput,
  type PortForward,
} from '../../../shared/model/host.js';
import { isLoopbackBind } from '../../../shared/model/validate.js';
import { checkbox, controlId, selectInput, textInput, type EditorFields, type ErrorPart } from './editor-fields.js';
import '../tunnels/tunnels.css';

type FieldName = 'kind' | 'bindAddress' | 'bindPort' | 'targetHost' | 'targetPort' | 'exposed' | 'autoStart';

interface Cell {
  box: HTMLElement;
  input: HTMLInputElement | HTMLSelectElement;
  hint: HTMLElement | null;
  error: HTMLElement;
}

interface Item {
  id: string;
  group: HTMLFieldSetElement;
  legend: HTMLLegendElement;
  remove: HTMLButtonElement;
  cells: Record<FieldName, Cell>;
  warning: HTMLElement;
}

/** What the section starts from and whom it tells. */
export interface ForwardsEditorOptions {
  /** The host as saved (or prefilled). */
  base: Partial<Pick<HostInput, 'forwards' | 'forwardAgent'>>;
  /** Called after a forward is added or removed (the form revalidates). */
  onChange(): void;
}

export class ForwardsEditor implements ErrorPart {
  readonly element: HTMLElement;
  readonly #opts: ForwardsEditorOptions;
  readonly #list = el('div', { class: 'fwd-list' });
  readonly #empty = el('p', { class: 'fwd-empty', text: t('editor.fwd.empty') });
  readonly #add: HTMLButtonElement;
  readonly #error: HTMLElement;
  readonly #agent: HTMLInputElement;
  readonly #agentError: HTMLElement;
  readonly #d = new Disposables();
  #items: Item[] = [];
  #edited = false;

  constructor(opts: ForwardsEditorOptions) {
    this.#opts = opts;
    const id = controlId();
    this.#add = el('button', {
      text: t('editor.fwd.add'),
      attrs: { type: 'button', 'aria-describedby': `${id}-hint` },
    });
    this.#d.listen(this.#add, 'click', () => this.#insert());
    this.#error = el('div', { class: 'field-error', attrs: { id: `${id}-err`, role: 'alert' } });
    this.#agent = checkbox(opts.base.forwardAgent === true);
    this.#agent.id = `${id}-agent`;
    this.#agent.setAttribute('aria-describedby', `${id}-agent-hint ${id}-agent-err`);
    this.#agentError = el('div', { class: 'field-error', attrs: { id: `${id}-agent-err`, role: 'alert' } });
    this.element = el(
      'div',
      { class: 'forwards' },
      // A fieldset, not a labelled div: a legend does not answer getByLabel('Port'), nor a screen reader's
      // search for the host's Port field.
      el(
        'fieldset',
        { class: 'form-row fwd-section' },
        el('legend', { class: 'form-label', text: t('editor.fwd') }),
        el(
          'div',
          { class: 'form-control' },
          this.#empty,
          this.#list,
          el('div', { class: 'fwd-actions' }, this.#add),
          el('div', {
            class: 'field-hint',
            text: t('editor.fwd.hint', { max: LIMITS.forwards }),
            attrs: { id: `${id}-hint` },
          }),
          this.#error,
        ),
      ),
      agentRow(this.#agent, id, this.#agentError),
    );
    for (const f of opts.base.forwards ?? []) this.#items.push(this.#makeItem(f));
    this.#render();
  }

  set hidden(hidden: boolean) {
    this.element.hidden = hidden;
  }

  /** The forwards as typed, in order, for the validator (numbers left empty stay absent, so it names them). */
  value(): Record<string, unknown>[] {
    return this.#items.map((item) => itemValue(item));
  }

  /** The agent forwarding box. */
  get forwardAgent(): boolean {
    return this.#agent.checked;
  }

  owns(field: string): boolean {
    return field === 'forwards' || field === 'forwardAgent' || /^forwards\[\d+\](\.\w+)?$/.test(field);
  }

  showErrors(byField: ReadonlyMap<string, string>, touchedOnly: boolean): void {
    this.#items.forEach((item, i) => {
      const whole = byField.get(`forwards[${i}]`);
      for (const [name, cell] of Object.entries(item.cells) as Array<[FieldName, Cell]>) {
        if (touchedOnly && cell.input.dataset['touched'] !== 'true') continue;
        const msg = byField.get(`forwards[${i}].${name}`) ?? (name === 'kind' ? whole : undefined);
        cell.error.textContent = msg ?? '';
        cell.input.toggleAttribute('aria-invalid', msg !== undefined);
      }
    });
    if (!touchedOnly || this.#agent.dataset['touched'] === 'true')
      this.#agentError.textContent = byField.get('forwardAgent') ?? '';
    if (touchedOnly && !this.#edited) return;
    this.#error.textContent = byField.get('forwards') ?? '';
  }

  dispose(): void {
    this.#d.dispose();
  }

  #makeItem(f: Partial<PortForward>): Item {
    const kind = f.kind ?? 'local';
    const cells = {
      kind: cell(
        t('editor.fwd.kind'),
        selectInput(kind, [
          ['local', t('editor.fwd.kind.local')],
          ['remote', t('editor.fwd.kind.remote')],
          ['dynamic', t('editor.fwd.kind.dynamic')],
        ]),
      ),
      bindAddress: cell(t('editor.fwd.bindAddress'), textInput(f.bindAddress ?? DEFAULT_BIND_ADDRESS), true),
      bindPort: cell(t('editor.fwd.bindPort'), portInput(f.bindPort, 0)),
      targetHost: cell(t('editor.fwd.targetHost'), textInput(f.targetHost ?? 'localhost'), true),
      targetPort: cell(t('editor.fwd.targetPort'), portInput(f.targetPort, 1)),
      exposed: cell(t('editor.fwd.exposed'), checkbox(f.exposed === true)),
      autoStart: cell(t('editor.fwd.autoStart'), checkbox(f.autoStart !== false)),
    };
    const legend = el('legend');
    const remove = el('button', { class: 'fwd-remove', attrs: { type: 'button' } });
    const warning = el('p', { class: 'fwd-warning', attrs: { id: `${cells.exposed.input.id}-warn` } });
    cells.exposed.input.setAttribute(
      'aria-describedby',
      `${warning.id} ${cells.exposed.input.getAttribute('aria-describedby') ?? ''}`.trim(),
    );
    const group = el(
      'fieldset',
      { class: 'fwd-item' },
      legend,
      el('div', { class: 'fwd-grid' }, cells.kind.box, cells.bindAddress.box, cells.bindPort.box),
      el('div', { class: 'fwd-grid fwd-target' }, cells.targetHost.box, cells.targetPort.box),
      el('div', { class: 'fwd-checks' }, cells.exposed.box, warning, cells.autoStart.box),
      el('div', { class: 'fwd-row-actions' }, remove),
    );
    const item: Item = { id: f.id ?? this.#freshId(), group, legend, remove, cells, warning };
    this.#d.listen(group, 'input', () => this.#sync(item));
    this.#d.listen(group, 'change', () => this.#sync(item));
    this.#d.listen(remove, 'click', () => this.#remove(item));
    this.#sync(item);
    return item;
  }

  /** Shows what applies to the kind and the bind: the target for -L/-R, the exposure box for a non-loopback bind. */
  #sync(item: Item): void {
    const kind = item.cells.kind.input.value as ForwardKind;
    const address = item.cells.bindAddress.input.value.trim();
    const exposed = item.cells.exposed.input as HTMLInputElement;
    const loopback = address === '' || isLoopbackBind(address);
    for (const c of [item.cells.targetHost, item.cells.targetPort]) c.box.hidden = kind === 'dynamic';
    const remote = kind === 'remote';
    setText(item.cells.bindAddress.hint, t(remote ? 'editor.fwd.bindHint.remote' : 'editor.fwd.bindHint.local'));
    setText(item.cells.targetHost.hint, t(remote ? 'editor.fwd.targetHint.remote' : 'editor.fwd.targetHint.local'));
    // Only a bind others could reach asks; going back to loopback clears the choice.
    item.cells.exposed.box.hidden = loopback;
    if (loopback) exposed.checked = false;
    item.warning.hidden = loopback;
    item.warning.textContent = loopback
      ? ''
      : t(kind === 'dynamic' ? 'editor.fwd.exposed.warnSocks' : 'editor.fwd.exposed.warn', { address });
  }

  #freshId(): string {
    const taken = new Set(this.#items.map((i) => i.id));
    let n = this.#items.length + 1;
    while (taken.has(`fwd-${n}`)) n++;
    return `fwd-${n}`;
  }

  #insert(): void {
    if (this.#items.length >= LIMITS.forwards) return;
    const item = this.#makeItem({});
    this.#items.push(item);
    this.#changed(item.cells.kind.input);
  }

  #remove(item: Item): void {
    const at = this.#items.indexOf(item);
    if (at < 0) return;
    this.#items.splice(at, 1);
    const next = this.#items[at] ?? this.#items[at - 1];
    this.#changed(next?.cells.kind.input ?? this.#add);
  }

  #changed(focus: HTMLElement): void {
    this.#edited = true;
    this.#render();
    focus.focus();
    this.#opts.onChange();
  }

  #render(): void {
    this.#items.forEach((item, i) => {
      const n = i + 1;
      item.legend.textContent = t('editor.fwd.item', { n });
      item.remove.textContent = t('editor.fwd.remove', { n });
    });
    for (const item of this.#items) this.#list.append(item.group);
    for (const node of [...this.#list.children]) if (!this.#items.some((i) => i.group === node)) node.remove();
    this.#list.hidden = this.#items.length === 0;
    this.#empty.hidden = this.#items.length > 0;
    this.#add.disabled = this.#items.length >= LIMITS.forwards;
  }
}

/** A labelled control with its hint and error line, inside a forward's group. */
function cell(label: string, input: HTMLInputElement | HTMLSelectElement, withHint = false): Cell {
  const id = controlId();
  input.id = id;
  const hint = withHint ? el('div', { class: 'field-hint', attrs: { id: `${id}-hint` } }) : null;
  const error = el('div', { class: 'field-error', attrs: { id: `${id}-err`, role: 'alert' } });
  input.setAttribute('aria-describedby', [hint ? `${id}-hint` : '', `${id}-err`].filter(Boolean).join(' '));
  const box =
    input instanceof HTMLInputElement && input.type === 'checkbox'
      ? el('div', { class: 'fwd-cell fwd-check' }, el('label', { attrs: { for: id } }, input, ` ${label}`), error)
      : el('div', { class: 'fwd-cell' }, el('label', { text: label, attrs: { for: id } }), input, hint, error);
  return { box, input, hint, error };
}

function setText(node: HTMLElement | null, text: string): void {
  if (node) node.textContent = text;
}

function portInput(value: number | undefined, min: number): HTMLInputElement {
  return el('input', { attrs: { type: 'number', min, max: 65535, value: value ?? '', inputmode: 'numeric' } });
}

function itemValue(item: Item): Record<string, unknown> {
  const c = item.cells;
  const kind = c.kind.input.value;
  const num = (input: Cell['input']): number | undefined =>
    input.value.trim() === '' ? undefined : Number(input.value);
  const out: Record<string, unknown> = {
    id: item.id,
    kind,
    bindAddress: c.bindAddress.input.value.trim(),
    bindPort: num(c.bindPort.input),
  };
  if (kind !== 'dynamic') {
    out['targetHost'] = c.targetHost.input.value.trim();
    out['targetPort'] = num(c.targetPort.input);
  }
  if ((c.exposed.input as HTMLInputElement).checked) out['exposed'] = true;
  if (!(c.autoStart.input as HTMLInputElement).checked) out['autoStart'] = false;
  return out;
}

/** ForwardAgent, with who can use the agent said before it is turned on. */
function agentRow(agent: HTMLInputElement, id: string, error: HTMLElement): HTMLElement {
  return el(
    'div',
    { class: 'form-row fwd-agent' },
    el(
      'div',
      { class: 'form-control' },
      el('label', { attrs: { for: agent.id } }, agent, ` ${t('editor.fwd.agent')}`),
      el('div', {
        class: 'field-hint fwd-agent-warn',
        text: t('editor.fwd.agent.warn'),
        attrs: { id: `${id}-agent-hint` },
      }),
      error,
    ),
  );
}

/**
 * The host editor's hook: the section joined to the form's error routing;
 * `collect` writes `forwards` (an emptied list as [], so saving clears it)
 * and `forwardAgent` (only when on) for SSH hosts.
 */
export function forwardsSection(
  fields: EditorFields,
  base: ForwardsEditorOptions['base'],
  onChange: () => void,
): {
  sync(s: { isSsh: boolean }): void;
  collect(out: Record<string, unknown>, s: { isSsh: boolean }): void;
  dispose(): void;
} {
  const editor = new ForwardsEditor({ base, onChange });
  fields.part(editor.element, editor);
  return {
    sync: (s) => (editor.hidden = !s.isSsh),
    collect: (out, s) => {
      if (!s.isSsh) return;
      const forwards = editor.value();
      if (forwards.length > 0 || base.forwards !== undefined) out['forwards'] = forwards;
      if (editor.forwardAgent) out['forwardAgent'] = true;
    },
    dispose: () => editor.dispose(),
  };
}
