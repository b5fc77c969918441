// The address book: an ARIA tree of folders and hosts with roving focus,
// search as you type (typo-forgiving, shared/model/search), name or
// recently-used order, and the keyboard a desktop tree has: arrows, Home/End,
// Left/Right to fold, Enter or double-click to connect, F2 to edit, Delete.
// Host labels come from the person or from imports: they are set as text.
import { Disposables, clear, el } from '../dom.js';
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

interface Row {
  key: string;
  level: number;
  kind: 'folder' | 'host';
  host?: SavedHost;
  folder?: string[];
  expanded?: boolean;
  element: HTMLElement;
}

interface FolderNode {
  path: string[];
  folders: Map<string, FolderNode>;
  hosts: SavedHost[];
}

export class AddressBook {
  readonly element: HTMLElement;
  readonly search: HTMLInputElement;
  readonly #tree: HTMLElement;
  readonly #summary: HTMLElement;
  readonly #bar: HTMLElement;
  readonly #barButtons: HTMLButtonElement[];
  readonly #order: HTMLSelectElement;
  readonly #actions: AddressBookActions;
  readonly #collapsed = new Set<string>();
  readonly #d = new Disposables();
  #hosts: SavedHost[] = [];
  #folders: Folder[] = [];
  #index = new HostSearchIndex([]);
  #rows: Row[] = [];
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
    this.#tree = el('div', {
      class: 'book-tree',
      attrs: { role: 'tree', id: 'book-tree', 'aria-label': t('book.tree') },
    });
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
  }

  get order(): BookOrder {
    return this.#order.value === 'recent' ? 'recent' : 'name';
  }

  setData(hosts: readonly SavedHost[], folders: readonly Folder[]): void {
    this.#hosts = [...hosts];
    this.#folders = [...folders];
    this.#index = new HostSearchIndex(this.#hosts);
    this.render();
  }

  render(): void {
    const query = this.search.value.trim();
    clear(this.#tree);
    this.#rows = [];
    if (this.#hosts.length === 0) {
      this.#summary.textContent = t('sidebar.empty');
      return;
    }
    if (query) {
      const hits = this.#index.search(query, 500);
      this.#summary.textContent =
        hits.length === 0 ? t('sidebar.noMatch', { query }) : t('book.results', { count: hits.length });
      for (const hit of hits) this.#addHostRow(hit.host, 1, true);
    } else {
      this.#summary.textContent = t('book.count', { count: this.#hosts.length });
      this.#addFolder(this.#buildTree(), 0);
    }
    const keep = this.#rows.findIndex((r) => r.key === this.#focusKey);
    this.#setRoving(keep >= 0 ? keep : 0);
  }

  focus(): void {
    this.search.focus();
  }

  dispose(): void {
    this.#d.dispose();
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
      return hosts.sort(
        (a, b) => (b.lastConnectedAt ?? '').localeCompare(a.lastConnectedAt ?? '') || a.name.localeCompare(b.name),
      );
    }
    return hosts.sort((a, b) => a.name.localeCompare(b.name, undefined, { numeric: true }));
  }

  #addFolder(node: FolderNode, level: number): void {
    const names = [...node.folders.keys()].sort((a, b) => a.localeCompare(b, undefined, { numeric: true }));
    for (const name of names) {
      const child = node.folders.get(name) as FolderNode;
      const key = `f:${folderKey(child.path)}`;
      const expanded = !this.#collapsed.has(key);
      const element = el(
        'div',
        {
          class: 'book-row book-folder',
          attrs: { role: 'treeitem', 'aria-level': level + 1, 'aria-expanded': String(expanded), tabindex: -1 },
          dataset: { key },
        },
        el('span', { class: 'twisty', text: expanded ? '▾' : '▸', attrs: { 'aria-hidden': 'true' } }),
        el('span', { class: 'book-name', text: name }),
      );
      element.style.paddingLeft = `${8 + level * 14}px`;
      element.addEventListener('click', () => this.#toggle(key));
      element.addEventListener('dragover', (ev) => ev.preventDefault());
      element.addEventListener('drop', (ev) => {
        ev.preventDefault();
        const host = this.#hosts.find((h) => h.id === ev.dataTransfer?.getData('application/x-hostdeck-host'));
        if (host) this.#actions.move(host, child.path);
      });
      this.#rows.push({ key, level, kind: 'folder', folder: child.path, expanded, element });
      this.#tree.append(element);
      if (expanded) this.#addFolder(child, level + 1);
    }
    for (const host of this.#sortHosts([...node.hosts])) this.#addHostRow(host, level, false);
  }

  #addHostRow(host: SavedHost, level: number, showFolder: boolean): void {
    const key = `h:${host.id}`;
    const detail = `${host.username ? `${host.username}@` : ''}${host.address}${host.port !== (host.protocol === 'ssh' ? 22 : 5900) ? `:${host.port}` : ''}`;
    const element = el(
      'div',
      {
        class: 'book-row book-host',
        attrs: {
          role: 'treeitem',
          'aria-level': level + 1,
          tabindex: -1,
          draggable: 'true',
          'aria-description': `${t(`book.protocol.${host.protocol}`)} ${detail}`,
        },
        dataset: { key },
      },
      el('span', {
        class: `proto proto-${host.protocol}`,
        text: t(`book.protocol.${host.protocol}`),
        attrs: { 'aria-hidden': 'true' },
      }),
      el('span', { class: 'book-name', text: host.name }),
      el('span', {
        class: 'book-detail',
        text: showFolder && host.folder.length > 0 ? `${host.folder.join(' / ')} · ${detail}` : detail,
        attrs: { 'aria-hidden': 'true' },
      }),
    );
    if (host.colour) element.style.setProperty('--host-colour', host.colour);
    element.style.paddingLeft = `${8 + level * 14}px`;
    element.addEventListener('click', () =>
      this.#setRoving(
        this.#rows.findIndex((r) => r.key === key),
        true,
      ),
    );
    element.addEventListener('dblclick', () => this.#actions.connect(host));
    element.addEventListener('dragstart', (ev) => ev.dataTransfer?.setData('application/x-hostdeck-host', host.id));
    this.#rows.push({ key, level, kind: 'host', host, element });
    this.#tree.append(element);
  }

  #toggle(key: string): void {
    if (this.#collapsed.has(key)) this.#collapsed.delete(key);
    else this.#collapsed.add(key);
    this.#focusKey = key;
    this.render();
    this.#rows.find((r) => r.key === key)?.element.focus();
  }

  #setRoving(index: number, focus = false): void {
    this.#rows.forEach((r, i) => {
      r.element.tabIndex = i === index ? 0 : -1;
      r.element.setAttribute('aria-selected', String(i === index));
    });
    const row = this.#rows[index];
    this.#focusKey = row?.key ?? null;
    const host = row?.host;
    for (const b of this.#barButtons) b.disabled = !host;
    this.#bar.setAttribute(
      'aria-label',
      host ? t('book.actions', { name: host.name }) : t('book.actions', { name: '' }).trim(),
    );
    if (row && focus) row.element.focus();
  }

  #selectedHost(): SavedHost | undefined {
    return this.#rows.find((r) => r.key === this.#focusKey)?.host;
  }

  #focusRow(index: number): void {
    if (this.#rows.length === 0) return;
    this.#setRoving(Math.max(0, Math.min(this.#rows.length - 1, index)), true);
  }

  #treeKey(ev: KeyboardEvent): void {
    const at = this.#rows.findIndex((r) => r.key === this.#focusKey);
    const row = this.#rows[at];
    if (!row) return;
    const host = row.host;
    const keys: Record<string, () => void> = {
      ArrowDown: () => this.#focusRow(at + 1),
      ArrowUp: () => (at === 0 ? this.search.focus() : this.#focusRow(at - 1)),
      Home: () => this.#focusRow(0),
      End: () => this.#focusRow(this.#rows.length - 1),
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
