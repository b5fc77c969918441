// A virtualised list of directory entries: a WAI-ARIA grid whose rows are
// fixed-height and only the visible ones (plus a few either side) exist in
// the DOM, so a 100,000-entry folder costs what 40 rows cost. Screen readers
// learn the size from aria-rowcount and each row's place from aria-rowindex
// (WAI-ARIA 1.2 §6.7, "virtualised grids"). Focus stays on the grid element;
// the active row is named by aria-activedescendant and is always drawn.
import { Disposables, el } from '../dom.js';
import { t, locale } from '../i18n/i18n.js';
import type { SftpEntry } from '../../../shared/sftp.js';
import { formatMode, formatSize, isFolder, pathKey, type SortKey } from './files-model.js';
import { FrameTask, rowWindow } from '../ui/virtual-rows.js';

/** Row height in CSS pixels; files.css uses the same number. */
export const ROW_HEIGHT = 26;
const OVERSCAN = 6;

export interface FileGridOptions {
  /** Enter, double click. */
  onActivate(entry: SftpEntry): void;
  /** A key the grid does not use itself (Enter, F2, Delete…); return true when handled. */
  onKey(ev: KeyboardEvent): boolean;
  /** Right click, Shift+F10 or the menu key: where to open the menu. */
  onContextMenu(x: number, y: number): void;
  /** A column header was clicked. */
  onSort(key: SortKey): void;
}

let gridSeq = 0;

export class FileGrid {
  readonly element: HTMLElement;
  readonly #opts: FileGridOptions;
  readonly #id = `hd-files-${++gridSeq}`;
  readonly #viewport: HTMLElement;
  readonly #spacer: HTMLElement;
  readonly #headers: Record<SortKey, HTMLElement>;
  readonly #pool: HTMLElement[] = [];
  readonly #d = new Disposables();
  #entries: SftpEntry[] = [];
  #selected = new Set<string>();
  #active = 0;
  #anchor = 0;
  readonly #frame = new FrameTask(() => this.#draw());
  #dateFormat = new Intl.DateTimeFormat(locale(), { dateStyle: 'short', timeStyle: 'short' });

  constructor(opts: FileGridOptions) {
    this.#opts = opts;
    const header = (key: SortKey | null, label: string): HTMLElement =>
      el('div', {
        class: `files-cell files-col-${key ?? 'mode'}`,
        text: label,
        attrs: { role: 'columnheader' },
        on: key ? { click: () => opts.onSort(key) } : {},
      });
    this.#headers = {
      name: header('name', t('files.col.name')),
      size: header('size', t('files.col.size')),
      date: header('date', t('files.col.date')),
    };
    const headRow = el(
      'div',
      { class: 'files-row files-head', attrs: { role: 'row', 'aria-rowindex': 1 } },
      this.#headers.name,
      this.#headers.size,
      this.#headers.date,
      header(null, t('files.col.mode')),
    );
    this.#spacer = el('div', { class: 'files-spacer', attrs: { role: 'rowgroup' } });
    this.#viewport = el('div', { class: 'files-viewport' }, this.#spacer);
    this.element = el(
      'div',
      {
        class: 'files-grid',
        attrs: {
          role: 'grid',
          tabindex: 0,
          'aria-label': t('files.list'),
          'aria-multiselectable': 'true',
          'aria-colcount': 4,
          'aria-rowcount': 1,
        },
      },
      el('div', { attrs: { role: 'rowgroup' } }, headRow),
      this.#viewport,
    );
    this.#d.listen(this.#viewport, 'scroll', () => this.#frame.schedule());
    this.#d.listen(this.element, 'keydown', (ev) => this.#keydown(ev as KeyboardEvent));
    this.#d.listen(this.#spacer, 'click', (ev) => this.#clickRow(ev as MouseEvent));
    this.#d.listen(this.#spacer, 'dblclick', (ev) => {
      const i = this.#rowIndexOf(ev.target);
      const entry = i === null ? undefined : this.#entries[i];
      if (entry) opts.onActivate(entry);
    });
    this.#d.listen(this.element, 'contextmenu', (ev) => this.#menuAt(ev as MouseEvent));
    const observer = new ResizeObserver(() => this.#frame.schedule());
    observer.observe(this.#viewport);
    this.#d.add(() => observer.disconnect());
    this.#d.add(() => this.#frame.cancel());
  }

  /** New rows (after a listing, sort or filter). Keeps the selection and the active entry when they are still there. */
  setEntries(entries: SftpEntry[], keepActive = true): void {
    const activeKey = keepActive ? this.activeEntry() : undefined;
    this.#entries = entries;
    // Only the selected keys that are still there; one pass, no set of every row's key.
    if (this.#selected.size > 0) {
      const was = this.#selected;
      this.#selected = new Set();
      for (const e of entries) {
        const key = pathKey(e.path);
        if (was.has(key)) this.#selected.add(key);
        if (this.#selected.size === was.size) break;
      }
    }
    const wanted = activeKey ? pathKey(activeKey.path) : '';
    const at = activeKey ? entries.findIndex((e) => pathKey(e.path) === wanted) : -1;
    this.#active = at >= 0 ? at : 0;
    this.#anchor = this.#active;
    if (!keepActive) this.#viewport.scrollTop = 0;
    this.element.setAttribute('aria-rowcount', String(entries.length + 1));
    this.#spacer.style.height = `${entries.length * ROW_HEIGHT}px`;
    this.#draw();
  }

  setSort(key: SortKey, descending: boolean): void {
    for (const [k, h] of Object.entries(this.#headers))
      h.setAttribute('aria-sort', k === key ? (descending ? 'descending' : 'ascending') : 'none');
  }

  activeEntry(): SftpEntry | undefined {
    return this.#entries[this.#active];
  }

  /** The selected entries, or the active one when nothing is selected. */
  selection(): SftpEntry[] {
    const chosen = this.#entries.filter((e) => this.#selected.has(pathKey(e.path)));
    if (chosen.length > 0) return chosen;
    const active = this.activeEntry();
    return active ? [active] : [];
  }

  /** Makes the entry at `index` active (and the only one selected), scrolled into view. */
  moveTo(index: number, extend = false): void {
    if (this.#entries.length === 0) return;
    this.#active = Math.max(0, Math.min(this.#entries.length - 1, index));
    if (!extend) this.#anchor = this.#active;
    const [from, to] = [Math.min(this.#anchor, this.#active), Math.max(this.#anchor, this.#active)];
    this.#selected = new Set(this.#entries.slice(from, to + 1).map((e) => pathKey(e.path)));
    this.#scrollIntoView(this.#active);
    this.#draw();
  }

  focus(): void {
    this.element.focus();
  }

  dispose(): void {
    this.#d.dispose();
  }

  #scrollIntoView(index: number): void {
    const top = index * ROW_HEIGHT;
    const vp = this.#viewport;
    if (top < vp.scrollTop) vp.scrollTop = top;
    else if (top + ROW_HEIGHT > vp.scrollTop + vp.clientHeight) vp.scrollTop = top + ROW_HEIGHT - vp.clientHeight;
  }

  /** Draws the rows in view: reuses pooled row elements, sets text only. */
  #draw(): void {
    const { first, count } = rowWindow(this.#viewport, ROW_HEIGHT, this.#entries.length, OVERSCAN, ROW_HEIGHT * 20);
    while (this.#pool.length < count) this.#pool.push(this.#spacer.appendChild(makeRow()));
    for (let i = 0; i < this.#pool.length; i++) {
      const row = this.#pool[i] as HTMLElement;
      const index = first + i;
      const entry = i < count ? this.#entries[index] : undefined;
      row.hidden = !entry;
      if (entry) this.#fill(row, entry, index);
    }
    const activeRow = this.#entries.length > 0 ? `${this.#id}-r${this.#active}` : null;
    if (activeRow) this.element.setAttribute('aria-activedescendant', activeRow);
    else this.element.removeAttribute('aria-activedescendant');
  }

  #fill(row: HTMLElement, entry: SftpEntry, index: number): void {
    row.id = `${this.#id}-r${index}`;
    row.dataset['index'] = String(index);
    row.style.transform = `translateY(${index * ROW_HEIGHT}px)`;
    row.setAttribute('aria-rowindex', String(index + 2));
    row.setAttribute('aria-selected', String(this.#selected.has(pathKey(entry.path))));
    row.classList.toggle('active', index === this.#active);
    row.dataset['kind'] = isFolder(entry) ? 'dir' : entry.kind;
    const [name, size, date, mode] = row.children as unknown as HTMLElement[];
    (name as HTMLElement).textContent =
      entry.kind === 'link' && entry.link ? `${entry.name} → ${entry.link.target}` : entry.name;
    (size as HTMLElement).textContent = isFolder(entry) ? '' : formatSize(entry.size);
    (date as HTMLElement).textContent = entry.mtimeMs > 0 ? this.#dateFormat.format(entry.mtimeMs) : '';
    (mode as HTMLElement).textContent = entry.mode ? formatMode(entry.mode) : '';
  }

  #rowIndexOf(target: EventTarget | null): number | null {
    const row = target instanceof Element ? target.closest<HTMLElement>('.files-row[data-index]') : null;
    return row ? Number(row.dataset['index']) : null;
  }

  #clickRow(ev: MouseEvent): void {
    const i = this.#rowIndexOf(ev.target);
    if (i === null) return;
    const entry = this.#entries[i];
    if (!entry) return;
    if (ev.ctrlKey || ev.metaKey) {
      const key = pathKey(entry.path);
      if (this.#selected.has(key)) this.#selected.delete(key);
      else this.#selected.add(key);
      this.#active = i;
      this.#draw();
    } else this.moveTo(i, ev.shiftKey);
    this.element.focus();
  }

  #menuAt(ev: MouseEvent): void {
    ev.preventDefault();
    const i = this.#rowIndexOf(ev.target);
    const entry = i === null ? undefined : this.#entries[i];
    if (i !== null && entry && !this.#selected.has(pathKey(entry.path))) this.moveTo(i);
    this.#opts.onContextMenu(ev.clientX, ev.clientY);
  }

  #keydown(ev: KeyboardEvent): void {
    const page = Math.max(1, Math.floor(this.#viewport.clientHeight / ROW_HEIGHT) - 1);
    const moves: Record<string, number> = { ArrowDown: 1, ArrowUp: -1, PageDown: page, PageUp: -page };
    const step = moves[ev.key];
    if (step !== undefined && !ev.altKey) this.moveTo(this.#active + step, ev.shiftKey);
    else if (ev.key === 'Home' || ev.key === 'End')
      this.moveTo(ev.key === 'Home' ? 0 : this.#entries.length - 1, ev.shiftKey);
    else if (ev.key === ' ') {
      const entry = this.activeEntry();
      if (entry) {
        const key = pathKey(entry.path);
        if (this.#selected.has(key)) this.#selected.delete(key);
        else this.#selected.add(key);
        this.#draw();
      }
    } else if ((ev.key === 'a' || ev.key === 'A') && (ev.ctrlKey || ev.metaKey)) {
      this.#selected = new Set(this.#entries.map((e) => pathKey(e.path)));
      this.#draw();
    } else if (ev.key === 'ContextMenu' || (ev.key === 'F10' && ev.shiftKey)) {
      const row = document.getElementById(`${this.#id}-r${this.#active}`) ?? this.element;
      const r = row.getBoundingClientRect();
      this.#opts.onContextMenu(r.left + 24, r.bottom);
    } else if (!this.#opts.onKey(ev)) return;
    ev.preventDefault();
  }
}

function makeRow(): HTMLElement {
  const cell = (col: string): HTMLElement =>
    el('div', { class: `files-cell files-col-${col}`, attrs: { role: 'gridcell' } });
  return el(
    'div',
    { class: 'files-row', attrs: { role: 'row' } },
    cell('name'),
    cell('size'),
    cell('date'),
    cell('mode'),
  );
}
