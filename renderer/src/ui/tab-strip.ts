// Session tabs: an ARIA tablist whose panels hold terminals and desktops.
// Keyboard: Ctrl+Tab / Ctrl+Shift+Tab, Ctrl+1…9, Ctrl+W (handled in the
// capture phase so a focused terminal does not swallow them), arrow keys
// inside the strip. Drag to reorder. Each tab shows its status.
//
// A tab's Close and Reconnect buttons sit beside its role=tab element, not
// inside it: a tab is itself a control, and a control inside another is lost
// to screen readers (ARIA in HTML forbids interactive descendants of a tab;
// axe-core "nested-interactive"). Nor may the buttons be the tablist's
// children, even through a role=presentation wrapper: a tablist owns only tabs
// (WAI-ARIA 1.2 "tablist", required owned elements; axe-core
// "aria-required-children"). So the strip the person sees is a plain
// container of wrappers (tab plus its buttons), and the tablist is an empty
// element in it that takes the tabs as its children with aria-owns, in strip
// order; the buttons stay plain buttons in the strip, named "Close <title>".
//
// "Reconnect all" sits last in the strip, shown while any tab is
// disconnected: one button (in the Tab order, unlike the per-tab ones) that
// reconnects every such tab at once, as after a network outage.
import { Disposables, el } from '../dom.js';
import { t } from '../i18n/i18n.js';

export type TabStatus = 'connecting' | 'connected' | 'disconnected';

export interface TabSpec {
  id: string;
  title: string;
  kind: 'ssh' | 'vnc';
  panel: HTMLElement;
  /** Called when the tab is closed (button, Ctrl+W, middle click): free the session. */
  onClose(): void;
  onReconnect?(): void;
  /** Called after the tab became visible (fit the terminal, focus it). */
  onShow?(): void;
}

interface Tab {
  spec: TabSpec;
  /** The role=presentation wrapper: the visible tab, what is dragged. */
  item: HTMLElement;
  /** The role=tab element. */
  button: HTMLElement;
  label: HTMLElement;
  status: HTMLElement;
  reconnect: HTMLButtonElement;
  state: TabStatus;
}

export class TabStrip {
  readonly element: HTMLElement;
  /** What the person sees: a row of wrappers, each a tab and its buttons. */
  readonly #strip: HTMLElement;
  /** The role=tablist, empty in the DOM: it owns the tabs through aria-owns. */
  readonly #list: HTMLElement;
  readonly #panels: HTMLElement;
  readonly #empty: HTMLElement;
  readonly #reconnectAll: HTMLButtonElement;
  readonly #tabs: Tab[] = [];
  readonly #d = new Disposables();
  #active: string | null = null;
  #dragging: string | null = null;

  constructor(keyTarget: Window | HTMLElement = window) {
    this.#list = el('div', { class: 'tab-list', attrs: { role: 'tablist', 'aria-label': t('tabs.label') } });
    this.#panels = el('div', { class: 'tab-panels' });
    this.#empty = el(
      'div',
      { class: 'tab-empty', attrs: { role: 'note' } },
      el('h2', { text: t('tabs.empty.title') }),
      el('p', { text: t('tabs.empty.hint') }),
    );
    this.#reconnectAll = el('button', {
      class: 'tab-reconnect-all',
      text: `⟳ ${t('tabs.reconnectAll')}`,
      attrs: { type: 'button', 'aria-label': t('tabs.reconnectAll.label'), hidden: true },
      on: { click: () => this.reconnectAll() },
    });
    this.#strip = el('div', { class: 'tab-strip', attrs: { hidden: true } }, this.#list, this.#reconnectAll);
    this.element = el('section', { class: 'tabs' }, this.#strip, this.#panels, this.#empty);
    this.#d.listen(keyTarget, 'keydown', (ev) => this.#shortcut(ev as KeyboardEvent), { capture: true });
    this.#d.listen(this.#strip, 'keydown', (ev) => this.#stripKey(ev as KeyboardEvent));
  }

  get ids(): string[] {
    return this.#tabs.map((tab) => tab.spec.id);
  }

  get activeId(): string | null {
    return this.#active;
  }

  add(spec: TabSpec): void {
    const label = el('span', { class: 'tab-title', text: spec.title });
    const status = el('span', { class: 'tab-status', attrs: { 'aria-hidden': 'true' } });
    const reconnect = el('button', {
      class: 'tab-reconnect',
      text: '⟳',
      attrs: {
        type: 'button',
        'aria-label': t('tabs.reconnect'),
        title: t('tabs.reconnect'),
        hidden: true,
        tabindex: -1,
      },
    });
    const close = el('button', {
      class: 'tab-close',
      text: '×',
      attrs: {
        type: 'button',
        'aria-label': t('tabs.close', { name: spec.title }),
        title: t('tabs.close', { name: spec.title }),
        tabindex: -1,
      },
    });
    const button = el(
      'div',
      {
        class: 'tab-button',
        attrs: {
          role: 'tab',
          id: `tab-${spec.id}`,
          'aria-controls': `panel-${spec.id}`,
          'aria-selected': 'false',
          tabindex: -1,
        },
        dataset: { id: spec.id },
      },
      status,
      label,
    );
    const item = el('div', { class: `tab tab-${spec.kind}`, attrs: { draggable: 'true' } }, button, reconnect, close);
    spec.panel.id = `panel-${spec.id}`;
    spec.panel.setAttribute('role', 'tabpanel');
    spec.panel.setAttribute('aria-labelledby', button.id);
    spec.panel.hidden = true;
    spec.panel.classList.add('tab-panel');
    const tab: Tab = { spec, item, button, label, status, reconnect, state: 'connecting' };
    this.#tabs.push(tab);
    item.addEventListener('click', () => this.activate(spec.id));
    item.addEventListener('auxclick', (ev) => {
      if (ev.button === 1) this.close(spec.id);
    });
    close.addEventListener('click', (ev) => {
      ev.stopPropagation();
      this.close(spec.id);
    });
    reconnect.addEventListener('click', (ev) => {
      ev.stopPropagation();
      spec.onReconnect?.();
    });
    this.#wireDrag(tab);
    this.#strip.insertBefore(item, this.#reconnectAll);
    this.#owned();
    this.#panels.append(spec.panel);
    this.setStatus(spec.id, 'connecting');
    this.activate(spec.id);
    this.#empty.hidden = true;
  }

  /** The tablist's children, in the order the strip shows them; the strip shows only when there are tabs. */
  #owned(): void {
    this.#list.setAttribute('aria-owns', this.#tabs.map((tab) => tab.button.id).join(' '));
    this.#strip.hidden = this.#tabs.length === 0;
  }

  activate(id: string): void {
    const tab = this.#find(id);
    if (!tab) return;
    this.#active = id;
    for (const other of this.#tabs) {
      const on = other === tab;
      other.button.setAttribute('aria-selected', String(on));
      other.button.tabIndex = on ? 0 : -1;
      other.spec.panel.hidden = !on;
    }
    tab.spec.onShow?.();
  }

  close(id: string): void {
    const index = this.#tabs.findIndex((tab) => tab.spec.id === id);
    if (index < 0) return;
    const [tab] = this.#tabs.splice(index, 1) as [Tab];
    tab.item.remove();
    tab.spec.panel.remove();
    tab.spec.onClose();
    if (this.#active === id) {
      this.#active = null;
      const next = this.#tabs[Math.min(index, this.#tabs.length - 1)];
      if (next) this.activate(next.spec.id);
    }
    this.#owned();
    this.#empty.hidden = this.#tabs.length > 0;
    this.#reconnectAll.hidden = this.#disconnected().length === 0;
  }

  setStatus(id: string, state: TabStatus): void {
    const tab = this.#find(id);
    if (!tab) return;
    tab.state = state;
    tab.button.dataset['status'] = state;
    tab.item.dataset['status'] = state;
    tab.status.title = t(`status.${state}`);
    tab.button.setAttribute('aria-description', t(`status.${state}`));
    tab.reconnect.hidden = state !== 'disconnected' || !tab.spec.onReconnect;
    this.#reconnectAll.hidden = this.#disconnected().length === 0;
  }

  /** Reconnects every disconnected tab (those counting down too: they try at once). */
  reconnectAll(): void {
    for (const tab of this.#disconnected()) tab.spec.onReconnect?.();
  }

  #disconnected(): Tab[] {
    return this.#tabs.filter((tab) => tab.state === 'disconnected' && tab.spec.onReconnect);
  }

  setTitle(id: string, title: string): void {
    const tab = this.#find(id);
    if (tab) tab.label.textContent = title;
  }

  /** Moves to the next (+1) or previous (-1) tab, wrapping. */
  cycle(step: 1 | -1): void {
    if (this.#tabs.length === 0) return;
    const at = this.#tabs.findIndex((tab) => tab.spec.id === this.#active);
    const next = this.#tabs[(at + step + this.#tabs.length) % this.#tabs.length];
    if (next) this.activate(next.spec.id);
  }

  dispose(): void {
    for (const id of this.ids) this.close(id);
    this.#d.dispose();
  }

  #find(id: string): Tab | undefined {
    return this.#tabs.find((tab) => tab.spec.id === id);
  }

  #shortcut(ev: KeyboardEvent): void {
    if (!ev.ctrlKey || ev.altKey || ev.metaKey) return;
    let handled = true;
    // Inside a terminal, Ctrl+W is the shell's (delete a word in bash, vim's
    // window commands): there Ctrl+Shift+W closes the tab, as in Windows
    // Terminal and Tabby. Ctrl+PageUp/PageDown switch tabs like Ctrl+Tab,
    // for browsers that keep Ctrl+Tab to themselves (serve mode).
    const inTerminal = ev.target instanceof Element && ev.target.closest('.xterm') !== null;
    if (ev.key === 'Tab') this.cycle(ev.shiftKey ? -1 : 1);
    else if (ev.key === 'PageDown' || ev.key === 'PageUp') this.cycle(ev.key === 'PageDown' ? 1 : -1);
    else if ((ev.key === 'w' || ev.key === 'W') && (ev.shiftKey || !inTerminal) && this.#active)
      this.close(this.#active);
    else if (!ev.shiftKey && /^[1-9]$/.test(ev.key)) {
      // Ctrl+9 is the last tab, as in browsers.
      const n = Number(ev.key);
      const tab = n === 9 ? this.#tabs[this.#tabs.length - 1] : this.#tabs[n - 1];
      if (tab) this.activate(tab.spec.id);
    } else handled = false;
    if (handled) {
      ev.preventDefault();
      ev.stopPropagation();
    }
  }

  #stripKey(ev: KeyboardEvent): void {
    const moves: Record<string, () => void> = {
      ArrowRight: () => this.cycle(1),
      ArrowLeft: () => this.cycle(-1),
      Home: () => this.#tabs[0] && this.activate(this.#tabs[0].spec.id),
      End: () => {
        const last = this.#tabs[this.#tabs.length - 1];
        if (last) this.activate(last.spec.id);
      },
      Delete: () => this.#active && this.close(this.#active),
    };
    const move = moves[ev.key];
    if (!move) return;
    ev.preventDefault();
    move();
    if (this.#active) this.#find(this.#active)?.button.focus();
  }

  #wireDrag(tab: Tab): void {
    tab.item.addEventListener('dragstart', (ev) => {
      this.#dragging = tab.spec.id;
      ev.dataTransfer?.setData('text/plain', tab.spec.title);
    });
    tab.item.addEventListener('dragover', (ev) => {
      if (this.#dragging && this.#dragging !== tab.spec.id) ev.preventDefault();
    });
    tab.item.addEventListener('drop', (ev) => {
      ev.preventDefault();
      const from = this.#tabs.findIndex((x) => x.spec.id === this.#dragging);
      const to = this.#tabs.indexOf(tab);
      this.#dragging = null;
      if (from < 0 || to < 0 || from === to) return;
      const [moved] = this.#tabs.splice(from, 1) as [Tab];
      this.#tabs.splice(to, 0, moved);
      for (const x of this.#tabs) this.#strip.insertBefore(x.item, this.#reconnectAll);
      this.#owned();
    });
    tab.item.addEventListener('dragend', () => (this.#dragging = null));
  }
}
