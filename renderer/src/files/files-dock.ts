// Where an SSH tab's files panel sits: beside the terminal, behind a
// splitter (role=separator with aria-valuenow, arrow keys and drag, as the
// address book's). The panel is made the first time it is shown, so a tab
// that never opens it costs nothing.
import type { ApiClient } from '../api/client.js';
import { Disposables, el } from '../dom.js';
import { t } from '../i18n/i18n.js';
import type { SftpOpenTarget } from '../../../shared/sftp.js';
import { FilesPanel } from './files-panel.js';

const WIDTH_KEY = 'hostdeck.filesWidth';
const MIN = 260;

export interface FilesDockOptions {
  api: ApiClient;
  targets(): Promise<SftpOpenTarget[]>;
  shellDir(): string | null;
  /** The panel was shown or hidden: the terminal refits. */
  onLayout(): void;
}

export class FilesDock {
  /** The row holding the terminal's surface, the splitter and the panel. */
  readonly element: HTMLElement;
  /** The tab's "Files" button (Ctrl+Shift+E); the tab puts it where it likes and handles its click. */
  readonly button: HTMLButtonElement;
  readonly #opts: FilesDockOptions;
  readonly #splitter: HTMLElement;
  readonly #slot: HTMLElement;
  readonly #d = new Disposables();
  #panel: FilesPanel | null = null;

  constructor(surface: HTMLElement, opts: FilesDockOptions) {
    this.#opts = opts;
    this.#slot = el('div', { class: 'files-slot', attrs: { hidden: true } });
    this.#splitter = el('div', {
      class: 'files-splitter',
      attrs: {
        role: 'separator',
        tabindex: 0,
        hidden: true,
        'aria-orientation': 'vertical',
        'aria-label': t('files.resize'),
        'aria-valuemin': MIN,
        'aria-valuemax': 4000,
        title: t('files.resize'),
      },
    });
    this.element = el('div', { class: 'files-split' }, surface, this.#splitter, this.#slot);
    this.button = el('button', {
      text: t('files.open'),
      class: 'files-toggle',
      attrs: {
        type: 'button',
        'aria-label': t('files.open.label'),
        title: `${t('files.open.label')} (Ctrl+Shift+E)`,
        'aria-keyshortcuts': 'Control+Shift+E',
        'aria-expanded': 'false',
      },
    });
    this.#wireSplitter();
  }

  get visible(): boolean {
    return !this.#slot.hidden;
  }

  get panel(): FilesPanel | null {
    return this.#panel;
  }

  /** Shows or hides the panel; showing opens its SFTP session (once) and focuses the list. */
  toggle(show = !this.visible): void {
    this.#slot.hidden = !show;
    this.#splitter.hidden = !show;
    this.button.setAttribute('aria-expanded', String(show));
    if (show) {
      if (!this.#panel) {
        this.#panel = new FilesPanel({
          api: this.#opts.api,
          targets: this.#opts.targets,
          shellDir: this.#opts.shellDir,
        });
        this.#slot.append(this.#panel.element);
        this.#d.add(() => this.#panel?.dispose());
        const saved = Number(localStorage.getItem(WIDTH_KEY));
        this.#apply(saved > 0 ? saved : Math.round(this.element.clientWidth * 0.45));
      }
      void this.#panel.start();
      this.#panel.focus();
    }
    this.#opts.onLayout();
  }

  /** The tab's link dropped (its terminal ended on a link failure): the panel waits for it. */
  linkLost(): void {
    this.#panel?.linkLost();
  }

  /** The tab's terminal is connected again: the panel reopens its SFTP channel where it was. */
  linkRestored(): void {
    this.#panel?.linkRestored();
  }

  /** The shell said where it is (OSC 7). */
  shellDirChanged(): void {
    this.#panel?.shellDirChanged();
  }

  dispose(): void {
    this.#d.dispose();
  }

  #apply(width: number): void {
    const max = Math.max(MIN, this.element.clientWidth - 200);
    const w = Math.round(Math.min(Math.max(width, MIN), max));
    this.#slot.style.width = `${w}px`;
    this.#splitter.setAttribute('aria-valuenow', String(w));
    localStorage.setItem(WIDTH_KEY, String(w));
    this.#opts.onLayout();
  }

  #wireSplitter(): void {
    const bar = this.#splitter;
    this.#d.listen(bar, 'keydown', (ev) => {
      const e = ev as KeyboardEvent;
      // The panel is on the right: ArrowLeft widens it.
      const step = e.key === 'ArrowLeft' ? 20 : e.key === 'ArrowRight' ? -20 : 0;
      if (step === 0) return;
      e.preventDefault();
      this.#apply(this.#slot.getBoundingClientRect().width + step);
    });
    this.#d.listen(bar, 'pointerdown', (ev) => {
      const p = ev as PointerEvent;
      bar.setPointerCapture(p.pointerId);
      const move = (e: PointerEvent): void => this.#apply(this.element.getBoundingClientRect().right - e.clientX);
      bar.addEventListener('pointermove', move);
      bar.addEventListener('pointerup', () => bar.removeEventListener('pointermove', move), { once: true });
    });
  }
}
