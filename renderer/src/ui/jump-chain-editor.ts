// The host editor's ProxyJump chain: one row per hop, outermost first, as
// many as the model allows (LIMITS.jumpChain). The editor used to draw two
// fixed selects, so saving a host with a longer chain dropped the rest.
//
// Keyboard: every hop is a labelled select with "Move up", "Move down" and
// "Remove" buttons named after the hop ("Move jump host 2 up"); "Add jump
// host" appends one. Rebuilding the list would drop focus, so after each
// change focus goes back to the control that was used, or the nearest one
// that still makes sense (the hop's select when its button no longer
// applies, the next hop after a removal, "Add" when the list is empty).
import { Disposables, el } from '../dom.js';
import { t } from '../i18n/i18n.js';
import { LIMITS, type SavedHost } from '../../../shared/model/host.js';
import { controlId, selectInput, sshHostChoices, type ErrorPart } from './editor-fields.js';

interface Hop {
  row: HTMLLIElement;
  label: HTMLLabelElement;
  select: HTMLSelectElement;
  up: HTMLButtonElement;
  down: HTMLButtonElement;
  remove: HTMLButtonElement;
  error: HTMLElement;
}

export interface JumpChainOptions {
  /** The chain as saved, outermost first. */
  chain: readonly string[];
  /** The book, for the choices; `selfId` (the host being edited) is left out. */
  hosts: readonly SavedHost[];
  selfId: string | undefined;
  /** Called after a hop is added, moved or removed (the form revalidates). */
  onChange(): void;
}

export class JumpChainEditor implements ErrorPart {
  readonly element: HTMLElement;
  readonly #opts: JumpChainOptions;
  readonly #list = el('ol', { class: 'jump-list' });
  readonly #empty = el('p', { class: 'jump-empty', text: t('editor.jumps.empty') });
  readonly #add: HTMLButtonElement;
  readonly #error: HTMLElement;
  readonly #d = new Disposables();
  #hops: Hop[] = [];
  #edited = false;

  constructor(opts: JumpChainOptions) {
    this.#opts = opts;
    const id = controlId();
    this.#add = el('button', {
      text: t('editor.jumps.add'),
      attrs: { type: 'button', 'aria-describedby': `${id}-hint` },
    });
    this.#d.listen(this.#add, 'click', () => this.#insert());
    this.#error = el('div', { class: 'field-error', attrs: { id: `${id}-err`, role: 'alert' } });
    this.element = el(
      'div',
      { class: 'form-row jump-chain', attrs: { role: 'group', 'aria-labelledby': `${id}-label` } },
      el('span', { class: 'form-label', text: t('editor.jumps'), attrs: { id: `${id}-label` } }),
      el(
        'div',
        { class: 'form-control' },
        this.#empty,
        this.#list,
        el('div', { class: 'jump-actions' }, this.#add),
        el('div', {
          class: 'field-hint',
          text: t('editor.jumps.hint', { max: LIMITS.jumpChain }),
          attrs: { id: `${id}-hint` },
        }),
        this.#error,
      ),
    );
    for (const ref of opts.chain) this.#hops.push(this.#makeHop(ref));
    this.#render();
  }

  set hidden(hidden: boolean) {
    this.element.hidden = hidden;
  }

  /** The chain as chosen: hops left at "none" are skipped. */
  value(): string[] {
    return this.#hops.map((h) => h.select.value).filter(Boolean);
  }

  owns(field: string): boolean {
    return field === 'jumpChain' || /^jumpChain\[\d+\]$/.test(field);
  }

  showErrors(byField: ReadonlyMap<string, string>, touchedOnly: boolean): void {
    // The validator numbers the chain value() sends, which skips "none" rows.
    const chosen = this.#hops.filter((h) => h.select.value !== '');
    for (const hop of this.#hops) {
      if (touchedOnly && hop.select.dataset['touched'] !== 'true') continue;
      const at = chosen.indexOf(hop);
      const msg = at < 0 ? undefined : byField.get(`jumpChain[${at}]`);
      hop.error.textContent = msg ?? '';
      hop.select.toggleAttribute('aria-invalid', msg !== undefined);
    }
    if (touchedOnly && !this.#edited) return;
    this.#error.textContent = byField.get('jumpChain') ?? '';
  }

  dispose(): void {
    this.#d.dispose();
  }

  #makeHop(ref: string): Hop {
    const id = controlId();
    const select = selectInput(ref, sshHostChoices(this.#opts.hosts, this.#opts.selfId, t('editor.jump.none'), ref));
    select.id = id;
    select.setAttribute('aria-describedby', `${id}-err`);
    const button = (text: string): HTMLButtonElement =>
      el('button', { class: 'icon', text, attrs: { type: 'button' } });
    const hop: Hop = {
      row: el('li', { class: 'jump-hop' }),
      label: el('label', { attrs: { for: id } }),
      select,
      up: button('↑'),
      down: button('↓'),
      remove: button('×'),
      error: el('div', { class: 'field-error', attrs: { id: `${id}-err`, role: 'alert' } }),
    };
    hop.row.append(hop.label, select, hop.up, hop.down, hop.remove, hop.error);
    this.#d.listen(select, 'change', () => (this.#edited = true));
    this.#d.listen(hop.up, 'click', () => this.#move(hop, -1, hop.up));
    this.#d.listen(hop.down, 'click', () => this.#move(hop, 1, hop.down));
    this.#d.listen(hop.remove, 'click', () => this.#remove(hop));
    return hop;
  }

  #insert(): void {
    if (this.#hops.length >= LIMITS.jumpChain) return;
    const hop = this.#makeHop('');
    this.#hops.push(hop);
    this.#changed(hop.select);
  }

  #move(hop: Hop, step: -1 | 1, used: HTMLButtonElement): void {
    const from = this.#hops.indexOf(hop);
    const to = from + step;
    if (from < 0 || to < 0 || to >= this.#hops.length) return;
    this.#hops.splice(from, 1);
    this.#hops.splice(to, 0, hop);
    this.#changed(used, hop.select);
  }

  #remove(hop: Hop): void {
    const at = this.#hops.indexOf(hop);
    if (at < 0) return;
    this.#hops.splice(at, 1);
    const next = this.#hops[at] ?? this.#hops[at - 1];
    this.#changed(next?.select ?? this.#add);
  }

  /** Redraws, puts focus on `focus` (or `fallback` when that is disabled), and tells the form. */
  #changed(focus: HTMLElement, fallback?: HTMLElement): void {
    this.#edited = true;
    this.#render();
    (focus instanceof HTMLButtonElement && focus.disabled && fallback ? fallback : focus).focus();
    this.#opts.onChange();
  }

  #render(): void {
    const count = this.#hops.length;
    this.#hops.forEach((hop, i) => {
      const n = i + 1;
      hop.label.textContent = t('editor.jump', { n });
      // The arrows mean nothing read aloud: each button is named after its hop.
      for (const [button, key] of [
        [hop.up, 'editor.jump.up'],
        [hop.down, 'editor.jump.down'],
        [hop.remove, 'editor.jump.remove'],
      ] as const) {
        button.setAttribute('aria-label', t(key, { n }));
        button.title = t(key, { n });
      }
      hop.up.disabled = i === 0;
      hop.down.disabled = i === count - 1;
    });
    // Append moves nodes already in the list, so this also reorders.
    for (const hop of this.#hops) this.#list.append(hop.row);
    for (const row of [...this.#list.children]) if (!this.#hops.some((h) => h.row === row)) row.remove();
    this.#list.hidden = count === 0;
    this.#empty.hidden = count > 0;
    this.#add.disabled = count >= LIMITS.jumpChain;
  }
}
