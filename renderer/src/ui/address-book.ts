// The address book: an ARIA tree of folders and hosts with roving focus,
// search as you type (typo-forgiving, shared/model/search), name or
// recently-used order, and the keyboard a desktop tree has: arrows, Home/End,
// Left/Right to fold, PageUp/PageDown, Enter or double-click to connect, F2
// to edit, Delete. Only the lines in view are in the DOM (a book of thousands
// of hosts draws a screenful), each with its aria-level, -posinset and -setsize.
// Host labels come from the person or from imports: they are set as text.
import { Disposables, el } from '../dom.js';
import { FrameTask, rowWindow } from './virtual-rows.js';
import { t } from '../i18n/i18n.js';
import { HostSearchIndex } from '../../../shared/model/search.js';
import { folderKey, type Folder, type SavedHost } from '../../../shared/model/host.js';

export type BookOrder = 'name' | 'recent';

export interface AddressBookActions {
  connect(host: SavedHost): void;
  edit(host: SavedHost): void;
  duplicate(host: SavedHost): void;
  remove(host: SavedHost): void;
  move(host: SavedHost, folder: string[]): void;
}

/** One line of the tree as the model has it; only the lines in view have an element (#drawn). */
interface Row {
  key: string;
  level: number;
  kind: 'folder' | 'host';
  host?: SavedHost;
  folder?: string[];
  expanded?: boolean;
  /** Position among its siblings, from 1, and how many siblings (aria-posinset, aria-setsize). */
  pos: number;
  size: number;
  /** For search results: the folder path shown beside the address. */
  showFolder?: boolean;
}

interface FolderNode {
  path: string[];
  folders: Map<string, FolderNode>;
  hosts: SavedHost[];
}

/**
 * Height of one tree line in CSS px (styles.css `.book-row` sets the same).
 * The tree is virtualised: only the lines in view (and OVERSCAN either side)
 * are in the DOM, so a book of thousands of hosts draws as fast as a screenful.
 */
export const BOOK_ROW_HEIGHT = 26;
/** Lines drawn beyond each edge of the view, so a scroll step shows no blank. */
const OVERSCAN = 10;
/** The tree's height before it is laid out (px): a screenful of lines is drawn at once anyway. */
const FALLBACK_HEIGHT = 1200;

const byName = new Intl.Collator(undefined, { numeric: true });

export class AddressBook {
  readonly element: HTMLElement;
  readonly search: HTMLInputElement;
  readonly #tree: HTMLElement;
  /** Holds the drawn lines; its height is that of every line, so the scroll bar is true. */
  readonly #sizer: HTMLElement;
  readonly #summary: HTMLElement;
  readonly #bar: HTMLElement;
  readonly #barButtons: HTMLButtonElement[];
  readonly #order: HTMLSelectElement;
  readonly #actions: AddressBookActions;
  readonly #collapsed = new Set<string>();
  readonly #d = new Disposables();
  readonly #frame = new FrameTask(() => this.#draw());
  #hosts: SavedHost[] = [];
  #folders: Folder[] = [];
  /** Built on the first search after the data changed (not needed to draw the book). */
  #index: HostSearchIndex | null = null;
  #rows: Row[] = [];
  /** Line index by key, for the lines of #rows. */
  #at = new Map<string, number>();
  /** The lines now in the DOM, by key. */
  #drawn = new Map<string, HTMLElement>();
  #focusKey: string | null = null;

  constructor(actions: AddressBookActions) {
    this.#actions = actions;
    this.search = el('input', {
      attrs: {
        type: 'search',
        'aria-label': t('sidebar.search'),
        placeholder: t('sidebar.search.placeholder'),
        'aria-controls': 'book-tree',
      },
    });
    this.#order = el(
      'select',
      { attrs: { 'aria-label': t('book.sort') } },
      el('option', { text: t('book.sort.name'), attrs: { value: 'name' } }),
      el('option', { text: t('book.sort.recent'), attrs: { value: 'recent' } }),
    );
    this.#sizer = el('div', { class: 'book-sizer', attrs: { role: 'none' } });
    this.#tree = el(
      'div',
      { class: 'book-tree', attrs: { role: 'tree', id: 'book-tree', 'aria-label': t('book.tree') } },
      this.#sizer,
    );
    this.#summary = el('div', { class: 'book-summary', attrs: { 'aria-live': 'polite' } });
    const act = (label: string, run: (h: SavedHost) => void): HTMLButtonElement =>
      el('button', {
        text: label,
        attrs: { type: 'button', disabled: true },
        on: { click: () => this.#selectedHost() && run(this.#selectedHost() as SavedHost) },
      });
    this.#barButtons = [
      act(t('book.connect'), (h) => this.#actions.connect(h)),
      act(t('book.edit'), (h) => this.#actions.edit(h)),
      act(t('book.duplicate'), (h) => this.#actions.duplicate(h)),
      act(t('book.delete'), (h) => this.#actions.remove(h)),
    ];
    this.#bar = el(
      'div',
      { class: 'book-actions', attrs: { role: 'toolbar', 'aria-label': t('book.actions', { name: '' }).trim() } },
      ...this.#barButtons,
    );
    this.element = el(
      'div',
      { class: 'book' },
      el('div', { class: 'book-filter' }, this.search, this.#order),
      this.#summary,
      this.#tree,
      this.#bar,
    );
    this.#listen();
  }

  get order(): BookOrder {
    return this.#order.value === 'recent' ? 'recent' : 'name';
  }

  setData(hosts: readonly SavedHost[], folders: readonly Folder[]): void {
    this.#hosts = [...hosts];
    this.#folders = [...folders];
    this.#index = null;
    this.render();
  }

  /** Rebuilds the lines from the data, the search and the order, and draws the ones in view. */
  render(): void {
    const query = this.search.value.trim();
    this.#rows = [];
    if (this.#hosts.length === 0) {
      this.#summary.textContent = t('sidebar.empty');
    } else if (query) {
      this.#index ??= new HostSearchIndex(this.#hosts);
      const hits = this.#index.search(query, 500);
      this.#summary.textContent =
        hits.length === 0 ? t('sidebar.noMatch', { query }) : t('book.results', { count: hits.length });
      hits.forEach((hit, i) =>
        this.#rows.push({
          key: `h:${hit.host.id}`,
          level: 0,
          kind: 'host',
          host: hit.host,
          pos: i + 1,
          size: hits.length,
          showFolder: true,
        }),
      );
    } else {
      this.#summary.textContent = t('book.count', { count: this.#hosts.length });
      this.#addFolder(this.#buildTree(), 0);
    }
    this.#at = new Map(this.#rows.map((r, i) => [r.key, i]));
    this.#tree.dataset['hosts'] = String(this.#rows.filter((r) => r.kind === 'host').length);
    this.#sizer.style.height = `${this.#rows.length * BOOK_ROW_HEIGHT}px`;
    const hadFocus = this.#tree.contains(document.activeElement);
    for (const element of this.#drawn.values()) element.remove();
    this.#drawn.clear();
    const keep = this.#focusKey === null ? -1 : (this.#at.get(this.#focusKey) ?? -1);
    // A book that changed under a person's focus (a save from elsewhere) keeps it on the same line.
    this.#setRoving(keep >= 0 ? keep : 0, hadFocus && keep >= 0);
  }

  focus(): void {
    this.search.focus();
  }

  dispose(): void {
    this.#frame.cancel();
    this.#d.dispose();
  }

  #listen(): void {
    this.#d.listen(this.search, 'input', () => this.render());
    this.#d.listen(this.search, 'keydown', (ev) => {
      const k = ev as KeyboardEvent;
      if (k.key === 'ArrowDown') {
        k.preventDefault();
        this.#focusRow(0);
      } else if (k.key === 'Enter') {
        const first = this.#rows.find((r) => r.kind === 'host');
        if (first?.host) this.#actions.connect(first.host);
      } else if (k.key === 'Escape') {
        this.search.value = '';
        this.render();
      }
    });
    this.#d.listen(this.#order, 'change', () => this.render());
    this.#d.listen(this.#tree, 'keydown', (ev) => this.#treeKey(ev as KeyboardEvent));
    this.#d.listen(this.#tree, 'scroll', () => this.#frame.schedule(), { passive: true });
    // Lines come and go as the tree scrolls: their events are read here, by the line's key.
    this.#d.listen(this.#tree, 'click', (ev) => {
      const row = this.#rowOf(ev);
      if (row?.kind === 'folder') this.#toggle(row.key);
      else if (row) this.#setRoving(this.#at.get(row.key) ?? -1, true);
    });
    this.#d.listen(this.#tree, 'dblclick', (ev) => {
      const row = this.#rowOf(ev);
      if (row?.host) this.#actions.connect(row.host);
    });
    this.#d.listen(this.#tree, 'dragstart', (ev) => {
      const host = this.#rowOf(ev)?.host;
      if (host) (ev as DragEvent).dataTransfer?.setData('application/x-hostdeck-host', host.id);
    });
    this.#d.listen(this.#tree, 'dragover', (ev) => {
      if (this.#rowOf(ev)?.kind === 'folder') ev.preventDefault();
    });
    this.#d.listen(this.#tree, 'drop', (ev) => {
      const folder = this.#rowOf(ev)?.folder;
      if (!folder) return;
      ev.preventDefault();
      const id = (ev as DragEvent).dataTransfer?.getData('application/x-hostdeck-host');
      const host = this.#hosts.find((h) => h.id === id);
      if (host) this.#actions.move(host, folder);
    });
    if (typeof ResizeObserver === 'function') {
      const seen = new ResizeObserver(() => this.#frame.schedule());
      seen.observe(this.#tree);
      this.#d.add(() => seen.disconnect());
    }
  }

  /** The line an event happened on, or undefined. */
  #rowOf(ev: Event): Row | undefined {
    const line = (ev.target as Element | null)?.closest?.('.book-row') as HTMLElement | null | undefined;
    const at = line?.dataset['key'] === undefined ? undefined : this.#at.get(line.dataset['key']);
    return at === undefined ? undefined : this.#rows[at];
  }

  #buildTree(): FolderNode {
    const root: FolderNode = { path: [], folders: new Map(), hosts: [] };
    const nodeFor = (path: readonly string[]): FolderNode => {
      let node = root;
      for (const part of path) {
        let next = node.folders.get(part);
        if (!next) node.folders.set(part, (next = { path: [...node.path, part], folders: new Map(), hosts: [] }));
        node = next;
      }
      return node;
    };
    for (const f of this.#folders) nodeFor(f.path);
    for (const h of this.#hosts) nodeFor(h.folder).hosts.push(h);
    return root;
  }

  #sortHosts(hosts: SavedHost[]): SavedHost[] {
    if (this.order === 'recent') {
      // ISO 8601 times in UTC compare as strings.
      const when = (h: SavedHost): string => h.lastConnectedAt ?? '';
      return hosts.sort((a, b) => (when(a) < when(b) ? 1 : when(a) > when(b) ? -1 : byName.compare(a.name, b.name)));
    }
    return hosts.sort((a, b) => byName.compare(a.name, b.name));
  }

  /** Appends the lines of one folder's contents: its folders (each followed by its own, when open), then its hosts. */
  #addFolder(node: FolderNode, level: number): void {
    const names = [...node.folders.keys()].sort(byName.compare);
    const size = names.length + node.hosts.length;
    names.forEach((name, i) => {
      const child = node.folders.get(name) as FolderNode;
      const key = `f:${folderKey(child.path)}`;
      const expanded = !this.#collapsed.has(key);
      this.#rows.push({ key, level, kind: 'folder', folder: child.path, expanded, pos: i + 1, size });
      if (expanded) this.#addFolder(child, level + 1);
    });
    this.#sortHosts([...node.hosts]).forEach((host, i) =>
      this.#rows.push({ key: `h:${host.id}`, level, kind: 'host', host, pos: names.length + i + 1, size }),
    );
  }

  /**
   * Puts in the DOM the lines in view (and OVERSCAN either side), plus the
   * roving line wherever it is, so focus never sits on a removed element;
   * takes out the rest.
   */
  #draw(): void {
    const { first, count } = rowWindow(this.#tree, BOOK_ROW_HEIGHT, this.#rows.length, OVERSCAN, FALLBACK_HEIGHT);
    const want = new Set<string>();
    for (let i = first; i < first + count; i++) want.add((this.#rows[i] as Row).key);
    if (this.#focusKey !== null && this.#at.has(this.#focusKey)) want.add(this.#focusKey);
    for (const [key, element] of this.#drawn) {
      if (want.has(key) || element.contains(document.activeElement)) continue;
      element.remove();
      this.#drawn.delete(key);
    }
    // DOM order is line order (screen readers read it so): new lines go in
    // between the drawn ones, which never move (moving one would drop focus).
    const keys = [...new Set([...this.#drawn.keys(), ...want])].sort(
      (a, b) => (this.#at.get(a) as number) - (this.#at.get(b) as number),
    );
    let next = this.#sizer.firstChild;
    for (const key of keys) {
      const drawn = this.#drawn.get(key);
      if (drawn) {
        next = drawn.nextSibling;
        continue;
      }
      const at = this.#at.get(key) as number;
      const element = this.#lineElement(this.#rows[at] as Row, at);
      this.#drawn.set(key, element);
      this.#sizer.insertBefore(element, next);
    }
  }

  #lineElement(row: Row, at: number): HTMLElement {
    const element = row.kind === 'folder' ? this.#folderElement(row) : this.#hostElement(row);
    element.setAttribute('aria-level', String(row.level + 1));
    element.setAttribute('aria-posinset', String(row.pos));
    element.setAttribute('aria-setsize', String(row.size));
    const selected = row.key === this.#focusKey;
    element.tabIndex = selected ? 0 : -1;
    element.setAttribute('aria-selected', String(selected));
    element.style.top = `${at * BOOK_ROW_HEIGHT}px`;
    element.style.paddingLeft = `${8 + row.level * 14}px`;
    return element;
  }

  #folderElement(row: Row): HTMLElement {
    const expanded = row.expanded === true;
    return el(
      'div',
      {
        class: 'book-row book-folder',
        attrs: { role: 'treeitem', 'aria-expanded': String(expanded) },
        dataset: { key: row.key },
      },
      el('span', { class: 'twisty', text: expanded ? '▾' : '▸', attrs: { 'aria-hidden': 'true' } }),
      el('span', { class: 'book-name', text: (row.folder as string[]).at(-1) ?? '' }),
    );
  }

  #hostElement(row: Row): HTMLElement {
    const host = row.host as SavedHost;
    const detail = `${host.username ? `${host.username}@` : ''}${host.address}${host.port !== (host.protocol === 'ssh' ? 22 : 5900) ? `:${host.port}` : ''}`;
    const element = el(
      'div',
      {
        class: 'book-row book-host',
        attrs: {
          role: 'treeitem',
          draggable: 'true',
          'aria-description': `${t(`book.protocol.${host.protocol}`)} ${detail}`,
        },
        dataset: { key: row.key },
      },
      el('span', {
        class: `proto proto-${host.protocol}`,
        text: t(`book.protocol.${host.protocol}`),
        attrs: { 'aria-hidden': 'true' },
      }),
      el('span', { class: 'book-name', text: host.name }),
      el('span', {
        class: 'book-detail',
        text: row.showFolder && host.folder.length > 0 ? `${host.folder.join(' / ')} · ${detail}` : detail,
        attrs: { 'aria-hidden': 'true' },
      }),
    );
    if (host.colour) element.style.setProperty('--host-colour', host.colour);
    return element;
  }

  #toggle(key: string): void {
    if (this.#collapsed.has(key)) this.#collapsed.delete(key);
    else this.#collapsed.add(key);
    this.#focusKey = key;
    this.render();
    this.#drawn.get(key)?.focus();
  }

  /** Makes line `index` the one Tab reaches (roving tabindex) and the selection; draws; focuses it when asked. */
  #setRoving(index: number, focus = false): void {
    const before = this.#focusKey === null ? undefined : this.#drawn.get(this.#focusKey);
    const row = this.#rows[index];
    this.#focusKey = row?.key ?? null;
    if (before && before !== this.#drawn.get(this.#focusKey ?? '')) {
      before.tabIndex = -1;
      before.setAttribute('aria-selected', 'false');
    }
    if (row && focus) this.#scrollTo(index);
    this.#draw();
    const line = row ? this.#drawn.get(row.key) : undefined;
    if (line) {
      line.tabIndex = 0;
      line.setAttribute('aria-selected', 'true');
    }
    const host = row?.host;
    for (const b of this.#barButtons) b.disabled = !host;
    this.#bar.setAttribute(
      'aria-label',
      host ? t('book.actions', { name: host.name }) : t('book.actions', { name: '' }).trim(),
    );
    if (line && focus) line.focus({ preventScroll: true });
  }

  /** Scrolls the least that shows line `index` whole. */
  #scrollTo(index: number): void {
    const top = index * BOOK_ROW_HEIGHT;
    const view = this.#tree.clientHeight;
    if (top < this.#tree.scrollTop) this.#tree.scrollTop = top;
    else if (view > 0 && top + BOOK_ROW_HEIGHT > this.#tree.scrollTop + view)
      this.#tree.scrollTop = top + BOOK_ROW_HEIGHT - view;
  }

  /** Lines in one view of the tree (PageUp / PageDown step), at least 1. */
  #pageLines(): number {
    return Math.max(1, Math.floor((this.#tree.clientHeight || FALLBACK_HEIGHT) / BOOK_ROW_HEIGHT) - 1);
  }

  #selectedHost(): SavedHost | undefined {
    const at = this.#focusKey === null ? undefined : this.#at.get(this.#focusKey);
    return at === undefined ? undefined : this.#rows[at]?.host;
  }

  #focusRow(index: number): void {
    if (this.#rows.length === 0) return;
    this.#setRoving(Math.max(0, Math.min(this.#rows.length - 1, index)), true);
  }

  #treeKey(ev: KeyboardEvent): void {
    const at = this.#focusKey === null ? -1 : (this.#at.get(this.#focusKey) ?? -1);
    const row = this.#rows[at];
    if (!row) return;
    const host = row.host;
    const keys: Record<string, () => void> = {
      ArrowDown: () => this.#focusRow(at + 1),
      ArrowUp: () => (at === 0 ? this.search.focus() : this.#focusRow(at - 1)),
      Home: () => this.#focusRow(0),
      End: () => this.#focusRow(this.#rows.length - 1),
      PageDown: () => this.#focusRow(at + this.#pageLines()),
      PageUp: () => this.#focusRow(at - this.#pageLines()),
      ArrowRight: () => {
        if (row.kind === 'folder' && !row.expanded) this.#toggle(row.key);
        else this.#focusRow(at + 1);
      },
      ArrowLeft: () => {
        if (row.kind === 'folder' && row.expanded) return this.#toggle(row.key);
        for (let i = at - 1; i >= 0; i--) if ((this.#rows[i] as Row).level < row.level) return this.#focusRow(i);
      },
      Enter: () => (host ? this.#actions.connect(host) : this.#toggle(row.key)),
      F2: () => host && this.#actions.edit(host),
      d: () => ev.ctrlKey && host && this.#actions.duplicate(host),
      Delete: () => host && this.#actions.remove(host),
    };
    const run = keys[ev.key];
    if (run && (ev.key !== 'd' || ev.ctrlKey)) {
      ev.preventDefault();
      run();
    } else if (ev.key.length === 1 && !ev.ctrlKey && !ev.metaKey && !ev.altKey) {
      // Typing in the tree searches, as in a desktop file list.
      this.search.focus();
    }
  }
}
