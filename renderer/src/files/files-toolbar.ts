// The files panel's toolbar: back, up, refresh, hidden files, sort, filter,
// new folder, upload, download, follow the terminal, transfers. Every control
// has a name (aria-label or a label) and names its shortcut. A control that
// cannot work here stays focusable with aria-disabled and says why when used.
import { el } from '../dom.js';
import { t } from '../i18n/i18n.js';
import type { SortKey } from './files-model.js';

export interface ToolbarActions {
  back(): void;
  up(): void;
  refresh(): void;
  hidden(on: boolean): void;
  sort(key: SortKey, descending: boolean): void;
  filter(text: string): void;
  newFolder(): void;
  upload(folder: boolean): void;
  download(): void;
  follow(): void;
  transfers(): void;
  /** A disabled control was used: show why. */
  explain(text: string): void;
  desktop: boolean;
  hasShellDir(): boolean;
}

export class FilesToolbar {
  readonly element: HTMLElement;
  readonly #back: HTMLButtonElement;
  readonly #follow: HTMLButtonElement;
  readonly #sortKey: HTMLSelectElement;
  readonly #sortDir: HTMLButtonElement;
  readonly #filter: HTMLInputElement;
  readonly #hidden: HTMLButtonElement;

  constructor(a: ToolbarActions) {
    const button = toolButton(a.explain);
    this.#back = button('←', t('files.back'), 'Alt+ArrowLeft', a.back, t('files.back.none'));
    const hidden = el('button', {
      text: '.*',
      class: 'icon',
      attrs: {
        type: 'button',
        'aria-label': t('files.hidden'),
        title: `${t('files.hidden')} (Ctrl+H)`,
        'aria-pressed': 'false',
        'aria-keyshortcuts': 'Control+H',
      },
    });
    hidden.addEventListener('click', () => {
      const on = hidden.getAttribute('aria-pressed') !== 'true';
      hidden.setAttribute('aria-pressed', String(on));
      a.hidden(on);
    });
    this.#sortKey = el(
      'select',
      { attrs: { 'aria-label': t('files.sort') } },
      ...(['name', 'size', 'date'] as const).map((k) =>
        el('option', { text: t(`files.sort.${k}`), attrs: { value: k } }),
      ),
    );
    this.#sortDir = el('button', {
      text: '↑',
      class: 'icon',
      attrs: {
        type: 'button',
        'aria-label': t('files.sort.descending'),
        'aria-pressed': 'false',
        title: t('files.sort.descending'),
      },
    });
    const sort = (): void =>
      a.sort(this.#sortKey.value as SortKey, this.#sortDir.getAttribute('aria-pressed') === 'true');
    this.#sortKey.addEventListener('change', sort);
    this.#sortDir.addEventListener('click', () => {
      this.#sortDir.setAttribute('aria-pressed', String(this.#sortDir.getAttribute('aria-pressed') !== 'true'));
      sort();
    });
    this.#filter = el('input', {
      class: 'files-filter',
      attrs: {
        type: 'search',
        'aria-label': t('files.filter'),
        placeholder: t('files.filter'),
        'aria-keyshortcuts': 'Control+F',
      },
    });
    this.#filter.addEventListener('input', () => a.filter(this.#filter.value));
    this.#follow = button('>_', t('files.follow'), null, a.follow);
    this.#follow.classList.add('files-follow');
    this.element = el(
      'div',
      { class: 'files-toolbar', attrs: { role: 'toolbar', 'aria-label': t('files.toolbar') } },
      this.#back,
      button('↑', t('files.up'), 'Alt+ArrowUp', a.up),
      button('⟳', t('files.refresh'), 'F5', a.refresh),
      this.#follow,
      hidden,
      this.#sortKey,
      this.#sortDir,
      this.#filter,
      button('+', t('files.action.newFolder'), 'Control+Shift+N', a.newFolder),
      button('⇡', t('files.action.upload'), 'Control+U', () => a.upload(false)),
      button('⇈', t('files.action.uploadFolder'), null, () => a.upload(true)),
      button('⇣', t('files.action.download'), 'Control+D', a.download),
      button('⇅', t('files.transfers'), null, a.transfers),
    );
    this.#hidden = hidden;
    this.setFollow(a.hasShellDir());
  }

  setBack(enabled: boolean): void {
    if (enabled) enable(this.#back);
    else disable(this.#back, t('files.back.none'));
  }

  setFollow(enabled: boolean): void {
    if (enabled) {
      enable(this.#follow);
      this.#follow.title = t('files.follow');
    } else {
      disable(this.#follow, t('files.follow.how'));
      this.#follow.title = t('files.follow.how');
    }
  }

  setSort(key: SortKey, descending: boolean): void {
    this.#sortKey.value = key;
    this.#sortDir.setAttribute('aria-pressed', String(descending));
    this.#sortDir.textContent = descending ? '↓' : '↑';
  }

  /** Ctrl+H anywhere in the panel. */
  toggleHidden(): void {
    this.#hidden.click();
  }

  focusFilter(): void {
    this.#filter.focus();
    this.#filter.select();
  }
}

/** A toolbar button that, while aria-disabled, says why instead of acting. */
function toolButton(explain: (why: string) => void) {
  return (text: string, label: string, keys: string | null, run: () => void, why?: string): HTMLButtonElement => {
    const b = el('button', {
      text,
      class: 'icon',
      attrs: {
        type: 'button',
        'aria-label': label,
        title: keys ? `${label} (${keys.replace('Control', 'Ctrl')})` : label,
        'aria-keyshortcuts': keys,
      },
    });
    b.addEventListener('click', () =>
      b.getAttribute('aria-disabled') === 'true' ? explain(b.dataset['why'] ?? '') : run(),
    );
    if (why) disable(b, why);
    return b;
  };
}

function disable(b: HTMLButtonElement, why: string): void {
  b.setAttribute('aria-disabled', 'true');
  b.dataset['why'] = why;
  b.setAttribute('aria-description', why);
}

function enable(b: HTMLButtonElement): void {
  b.removeAttribute('aria-disabled');
  b.removeAttribute('aria-description');
  delete b.dataset['why'];
}
