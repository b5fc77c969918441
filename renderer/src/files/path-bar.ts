// The path bar: the folder as breadcrumb buttons, and the same place as a
// text field to type a path into (a click on the empty part, the edit
// button, or Ctrl+L). Enter goes there; Esc puts the breadcrumbs back.
import { el } from '../dom.js';
import { t } from '../i18n/i18n.js';
import { breadcrumbs } from './files-model.js';

export class PathBar {
  readonly element: HTMLElement;
  readonly #crumbs: HTMLElement;
  readonly #input: HTMLInputElement;
  #path = '';

  constructor(opts: { go(path: string): void }) {
    this.#crumbs = el('ol', { class: 'files-crumbs' });
    this.#input = el('input', {
      class: 'files-path-input',
      attrs: { type: 'text', 'aria-label': t('files.path'), spellcheck: 'false', autocomplete: 'off', hidden: true },
    });
    const edit = el('button', {
      text: '✎',
      class: 'icon',
      attrs: {
        type: 'button',
        'aria-label': t('files.path.edit'),
        title: t('files.path.edit'),
        'aria-keyshortcuts': 'Control+L',
      },
      on: { click: () => this.edit() },
    });
    const nav = el(
      'nav',
      {
        class: 'files-crumb-nav',
        attrs: { 'aria-label': t('files.path') },
        on: { click: (ev) => ev.target === ev.currentTarget && this.edit() },
      },
      this.#crumbs,
    );
    this.element = el('div', { class: 'files-pathbar' }, nav, this.#input, edit);
    this.#input.addEventListener('keydown', (ev) => {
      if (ev.key === 'Enter') {
        ev.preventDefault();
        const typed = this.#input.value.trim();
        this.#showCrumbs();
        if (typed) opts.go(typed);
      } else if (ev.key === 'Escape') {
        ev.preventDefault();
        ev.stopPropagation();
        this.#showCrumbs();
      }
    });
    this.#input.addEventListener('blur', () => this.#showCrumbs());
    this.#crumbs.addEventListener('click', (ev) => {
      const b = (ev.target as Element).closest<HTMLButtonElement>('button[data-path]');
      if (b?.dataset['path']) opts.go(b.dataset['path']);
    });
  }

  set(path: string): void {
    this.#path = path;
    const parts = breadcrumbs(path);
    this.#crumbs.replaceChildren(
      ...parts.map((p, i) =>
        el(
          'li',
          {},
          el('button', {
            text: p.label,
            class: 'files-crumb',
            attrs: { type: 'button', 'data-path': p.path, 'aria-current': i === parts.length - 1 ? 'location' : null },
          }),
        ),
      ),
    );
  }

  /** Shows the text field with the current path selected. */
  edit(): void {
    this.#input.value = this.#path;
    this.#input.hidden = false;
    this.#crumbs.parentElement?.setAttribute('hidden', '');
    this.#input.focus();
    this.#input.select();
  }

  #showCrumbs(): void {
    if (this.#input.hidden) return;
    this.#input.hidden = true;
    this.#crumbs.parentElement?.removeAttribute('hidden');
  }
}
