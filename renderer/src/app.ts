// The running app: top bar (quick connect, settings), the address book,
// session tabs and the status line, joined to main through the API.
import { el, clear } from './dom.js';
import { t } from './i18n/i18n.js';
import { ApiCallError, type ApiClient } from './api/client.js';
import type { AppInfo, BookSnapshot } from '../../shared/api/contract.js';
import type { SavedHost } from '../../shared/model/host.js';
import { isIPv6 } from '../../shared/model/address.js';
import { AddressBook } from './ui/address-book.js';
import { confirmDialog } from './ui/dialogs.js';
import type { EditorContext } from './ui/host-editor.js';
import type { PromptDialogs } from './ui/prompts.js';
import { openTabs } from './ui/open-tabs.js';
import type { SessionTab, SessionTabOptions, TerminalLook } from './ui/session-tab.js';
import { TabStrip } from './ui/tab-strip.js';
import { showToast } from './ui/toasts.js';
import { TunnelNotices } from './tunnels/tunnel-notices.js';
import { isTunnelsShortcut, TunnelsPanel } from './tunnels/tunnels-panel.js';
import { loadLocalSettings } from './ui/local-settings.js';
import { watchForLink } from './ui/link-watch.js';
import { sessionLogNoticeText } from './ui/session-log-settings.js';

let tabCounter = 0;
/** The address book's width before the person drags it (styles.css `--sidebar-width`). */
const DEFAULT_SIDEBAR = 300;

/**
 * Quick connect's syntax: [ssh://][user@]host[:port], with [v6] for IPv6.
 * Without a user, main asks for one. Returns null when it does not parse.
 */
export function parseQuickTarget(text: string): { username: string; host: string; port: number } | null {
  const trimmed = text.trim();
  // A bare IPv6 address (`::1`, `alice@fe80::1`), as ssh(1) takes it: more
  // than one colon and no brackets means the colons belong to the address,
  // so there is no port (a port needs the [v6]:port form).
  const bare = /^(?:ssh:\/\/)?(?:([^@\s/]+)@)?([0-9a-fA-F:.]*:[0-9a-fA-F:.]*:[0-9a-fA-F:.]*)\/?$/.exec(trimmed);
  if (bare && isIPv6(bare[2] as string))
    return { username: bare[1] ?? '', host: (bare[2] as string).toLowerCase(), port: 22 };
  const m = /^(?:ssh:\/\/)?(?:([^@\s/]+)@)?(\[[0-9a-fA-F:.]+\]|[^:\s/@[\]]+)(?::(\d{1,5}))?\/?$/.exec(trimmed);
  if (!m) return null;
  const port = m[3] ? Number(m[3]) : 22;
  if (port < 1 || port > 65535) return null;
  return { username: m[1] ?? '', host: (m[2] as string).replace(/^\[|\]$/g, ''), port };
}

export class App {
  readonly #api: ApiClient;
  readonly #info: AppInfo;
  readonly #root: HTMLElement;
  readonly #tabs = new TabStrip();
  readonly #book: AddressBook;
  #prompts: Promise<PromptDialogs> | null = null;
  readonly #warnings = el('div', { class: 'warnings', attrs: { role: 'alert' } });
  readonly #ownOpens = new Set<string>();
  readonly #look: () => TerminalLook;
  readonly #tunnels: TunnelsPanel;
  readonly #tunnelNotices: TunnelNotices;
  #snapshot: BookSnapshot = { hosts: [], folders: [], warnings: [], readOnly: false, path: '' };
  #refreshing: Promise<void> | null = null;
  #focusSet = false;

  constructor(api: ApiClient, info: AppInfo, root: HTMLElement, look: () => TerminalLook, openSettings: () => void) {
    this.#api = api;
    this.#info = info;
    this.#root = root;
    this.#look = look;
    this.#book = new AddressBook({
      connect: (host) => this.connect(host),
      edit: (host) => this.#edit(host),
      duplicate: (host) => void this.#run(api.call('hosts.duplicate', host.id)),
      remove: (host) => void this.#remove(host),
      move: (host, folder) => void this.#run(api.call('hosts.move', host.id, folder)),
    });
    api.on('book.changed', () => void this.refresh());
    api.on('store.warning', (w) => this.toast(w.message));
    api.on('logs.notice', (n) => this.toast(sessionLogNoticeText(n)));
    api.on('prompt.ask', (p) => {
      if (this.#ownOpens.has(p.openId)) this.#withPrompts((d) => d.show(p));
    });
    api.on('prompt.gone', ({ promptId }) => this.#withPrompts((d) => d.gone(promptId)));
    const hosts = (): readonly SavedHost[] => this.#snapshot.hosts;
    const own = (openId: string): (() => void) => (this.#ownOpens.add(openId), () => this.#ownOpens.delete(openId));
    this.#tunnels = new TunnelsPanel({ api, hosts, own });
    this.#tunnelNotices = new TunnelNotices({ api, hosts, openPanel: () => this.#tunnels.open() });
    // Back online, awake again, or shown again: tabs counting down to reconnect try at once.
    watchForLink(api, () => {
      for (const tab of openTabs.all()) tab.retryNow();
    });
    // Leaving the page (reload, close) ends every session: ask first.
    window.addEventListener('beforeunload', (ev) => {
      if (this.#tabs.ids.length > 0) ev.preventDefault();
    });
    // F6 / Shift+F6 move focus between regions, so a terminal (which takes
    // Tab for the shell) is never a keyboard trap (WCAG 2.1.2).
    window.addEventListener(
      'keydown',
      (ev) => {
        if (isTunnelsShortcut(ev)) {
          ev.preventDefault();
          ev.stopPropagation();
          this.#tunnels.open();
          return;
        }
        if (ev.key !== 'F6' || ev.ctrlKey || ev.altKey || ev.metaKey) return;
        ev.preventDefault();
        ev.stopPropagation();
        this.#cycleRegion(ev.shiftKey ? -1 : 1);
      },
      { capture: true },
    );
    this.#render(openSettings);
  }

  /** Open session tabs. */
  get sessionCount(): number {
    return this.#tabs.ids.length;
  }

  /** Theme or terminal font changed: open terminals follow. */
  applyLook(): void {
    const look = this.#look();
    for (const tab of openTabs.all()) tab.applyLook(look);
  }

  /** Where the address book lives (shown in settings). */
  get bookPath(): string {
    return this.#snapshot.path;
  }

  /** Fetches the book and draws it; `fetched` is a book.get already asked for (the first, sent with app.info). */
  async refresh(fetched?: Promise<BookSnapshot>): Promise<void> {
    // Coalesce bursts of book.changed into one fetch at a time.
    if (this.#refreshing) return this.#refreshing;
    this.#refreshing = (async () => {
      try {
        this.#snapshot = await (fetched ?? this.#api.call('book.get'));
        this.#book.setData(this.#snapshot.hosts, this.#snapshot.folders);
        // Focus starts in the search box, set once the book is drawn: focusing
        // earlier laid the page out twice (once empty, once with the book).
        if (!this.#focusSet) {
          this.#focusSet = true;
          if (document.activeElement === document.body || !document.activeElement) this.#book.focus();
        }
        clear(this.#warnings);
        for (const w of this.#snapshot.warnings) this.#warnings.append(el('p', { text: w.message }));
      } finally {
        this.#refreshing = null;
      }
    })();
    return this.#refreshing;
  }

  connect(host: SavedHost): void {
    this.#openTab(
      host.name,
      host.protocol,
      (openId, size) => this.#api.call('sessions.open', host.id, { openId, ...size }),
      host.vnc,
      undefined,
      host.id,
    );
  }

  quickConnect(text: string): boolean {
    const target = parseQuickTarget(text);
    if (!target) return false;
    const title = target.username ? `${target.username}@${target.host}` : target.host;
    this.#openTab(
      title,
      'ssh',
      (openId, size) => this.#api.call('sessions.quickConnect', target, { openId, ...size }),
      undefined,
      () => {
        if (
          this.#snapshot.hosts.some(
            (h) => h.address === target.host && h.port === target.port && h.username === target.username,
          )
        )
          return;
        const save = el('button', { text: t('quick.save', { name: title }), attrs: { type: 'button' } });
        save.addEventListener('click', () =>
          this.#openEditor({
            api: this.#api,
            hosts: this.#snapshot.hosts,
            folders: this.#snapshot.folders,
            prefill: {
              name: target.host,
              protocol: 'ssh',
              address: target.host,
              port: target.port,
              username: target.username,
              folder: [],
              tags: [],
              notes: '',
            },
            onSaved: () => void this.refresh(),
          }),
        );
        this.toast(save);
      },
    );
    return true;
  }

  /**
   * Resizes the address book: drag, or the keyboard when focused (arrows by
   * 20 px, Home and End to the narrowest and widest); remembered. A focusable
   * separator is a widget with a value (WAI-ARIA 1.2 "separator"): the width
   * in CSS pixels, with its bounds, so a screen reader says where it is.
   */
  #splitter(): HTMLElement {
    const KEY = 'hostdeck.sidebarWidth';
    const MIN = 180;
    const max = (): number => Math.round(Math.max(240, window.innerWidth * 0.6));
    const clamp = (w: number): number => Math.round(Math.min(Math.max(w, MIN), max()));
    const bar = el('div', {
      class: 'splitter',
      attrs: {
        role: 'separator',
        tabindex: 0,
        'aria-orientation': 'vertical',
        'aria-label': t('sidebar.resize'),
        'aria-controls': 'sidebar',
        'aria-valuemin': MIN,
        title: t('sidebar.resize'),
      },
    });
    const show = (width: number): void => {
      bar.setAttribute('aria-valuenow', String(width));
      bar.setAttribute('aria-valuemax', String(Math.max(max(), width)));
    };
    const apply = (w: number): void => {
      const width = clamp(w);
      this.#root.style.setProperty('--sidebar-width', `${width}px`);
      show(width);
      localStorage.setItem(KEY, String(width));
    };
    const current = (): number =>
      this.#root.querySelector('.sidebar')?.getBoundingClientRect().width ?? DEFAULT_SIDEBAR;
    bar.addEventListener('keydown', (ev) => {
      const to: Record<string, () => number> = {
        ArrowLeft: () => current() - 20,
        ArrowRight: () => current() + 20,
        Home: () => MIN,
        End: max,
      };
      const target = to[ev.key];
      if (!target) return;
      ev.preventDefault();
      apply(target());
    });
    bar.addEventListener('pointerdown', (ev) => {
      bar.setPointerCapture(ev.pointerId);
      const move = (e: PointerEvent): void => apply(e.clientX);
      bar.addEventListener('pointermove', move);
      bar.addEventListener('pointerup', () => bar.removeEventListener('pointermove', move), { once: true });
    });
    window.addEventListener('resize', () => show(Math.round(current())));
    const saved = Number(localStorage.getItem(KEY));
    show(DEFAULT_SIDEBAR);
    if (saved > 0) queueMicrotask(() => apply(saved));
    return bar;
  }

  #cycleRegion(step: 1 | -1): void {
    const regions: Array<() => HTMLElement | null> = [
      () => this.#root.querySelector<HTMLElement>('.quick-connect input'),
      () => this.#book.search,
      () => this.#root.querySelector<HTMLElement>('[role=tab][aria-selected=true]'),
      () =>
        this.#root.querySelector<HTMLElement>(
          '[role=tabpanel]:not([hidden]) .xterm-helper-textarea, [role=tabpanel]:not([hidden]) canvas',
        ),
    ];
    const at = regions.findIndex((r) => {
      const el = r();
      return el !== null && (el === document.activeElement || el.contains(document.activeElement));
    });
    for (let i = 1; i <= regions.length; i++) {
      const target = regions[(at + step * i + regions.length * 2) % regions.length]?.();
      if (target) {
        target.focus();
        return;
      }
    }
  }

  toast(content: string | HTMLElement): void {
    showToast(content);
  }

  #openTab(
    title: string,
    kind: 'ssh' | 'vnc',
    open: SessionTabOptions['open'],
    vnc?: SavedHost['vnc'],
    onFirstConnect?: () => void,
    hostId?: string,
  ): void {
    // xterm.js and noVNC are most of the page's weight: each loads with the
    // first tab that needs it, so the address book is usable sooner.
    const load: Promise<(opts: SessionTabOptions) => SessionTab> =
      kind === 'ssh'
        ? import('./ui/ssh-tab.js').then(
            ({ SshTab }) =>
              (opts) =>
                new SshTab({ ...opts, look: this.#look() }),
          )
        : import('./ui/vnc-tab.js').then(
            ({ VncTab }) =>
              (opts) =>
                new VncTab({ ...opts, ...(vnc ? { vnc } : {}) }),
          );
    void load.then(
      (create) => this.#addTab(create, title, kind, open, onFirstConnect, hostId),
      (err: unknown) => this.#failedLoad(err),
    );
  }

  #addTab(
    create: (opts: SessionTabOptions) => SessionTab,
    title: string,
    kind: 'ssh' | 'vnc',
    open: SessionTabOptions['open'],
    onFirstConnect: (() => void) | undefined,
    hostId?: string,
  ): void {
    const id = `s${++tabCounter}`;
    // Several tabs to one host are told apart by a number: "rig", "rig (2)".
    const same = openTabs.all().filter((t) => t.baseTitle === title).length;
    const shown = same > 0 ? `${title} (${same + 1})` : title;
    let first = true;
    const tab = create({
      api: this.#api,
      title: shown,
      baseTitle: title,
      open: async (openId, size) => {
        this.#ownOpens.add(openId);
        try {
          return await open(openId, { ...size, slot: same + 1 });
        } finally {
          this.#ownOpens.delete(openId);
        }
      },
      onStatus: (s) => this.#tabs.setStatus(id, s),
      onTitle: (text) => this.#tabs.setTitle(id, text),
      onConnected: () => {
        if (first) onFirstConnect?.();
        first = false;
      },
      // The host's own choice as saved now, else the settings' default.
      autoReconnect: () =>
        this.#snapshot.hosts.find((h) => h.id === hostId)?.autoReconnect ?? loadLocalSettings().autoReconnect,
    });
    const unregister = openTabs.add(tab);
    // A forward that fails to start with this host's first terminal is said in its tabs.
    const forgetTunnels =
      hostId !== undefined && kind === 'ssh' ? this.#tunnelNotices.addTab(hostId, tab.element) : null;
    this.#tabs.add({
      id,
      title: shown,
      kind,
      panel: tab.element,
      onClose: () => {
        forgetTunnels?.();
        unregister();
        tab.close();
      },
      onReconnect: () => void tab.connect(),
      onShow: () => {
        openTabs.activate(tab);
        tab.show();
      },
    });
    void tab.connect();
  }

  /**
   * The question dialogs, loaded with the first question (none comes before a session opens). Questions and their
   * withdrawals wait on one promise, so they keep their order.
   */
  #withPrompts(use: (dialogs: PromptDialogs) => void): void {
    this.#prompts ??= import('./ui/prompts.js').then(({ PromptDialogs }) => new PromptDialogs(this.#api));
    this.#prompts.then(use, (err: unknown) => {
      this.#prompts = null;
      this.#failedLoad(err);
    });
  }

  /** The host editor (with its field checks, forwards and jump hosts), loaded when first opened. */
  #openEditor(ctx: EditorContext): void {
    import('./ui/host-editor.js').then(
      ({ openHostEditor }) => openHostEditor(ctx),
      (err: unknown) => this.#failedLoad(err),
    );
  }

  /** A part of the page that loads on first use did not load (a broken or replaced build). */
  #failedLoad(err: unknown): void {
    this.toast(err instanceof Error ? err.message : String(err));
  }

  #edit(host?: SavedHost): void {
    this.#openEditor({
      api: this.#api,
      hosts: this.#snapshot.hosts,
      folders: this.#snapshot.folders,
      ...(host ? { host } : {}),
      onSaved: (_saved, note) => {
        if (note) this.toast(note);
        void this.refresh();
      },
    });
  }

  async #remove(host: SavedHost): Promise<void> {
    if (
      await confirmDialog(
        t('confirm.delete.title', { name: host.name }),
        t('confirm.delete.body'),
        t('confirm.delete.ok'),
        true,
      )
    )
      await this.#run(this.#api.call('hosts.delete', host.id));
  }

  async #run(p: Promise<unknown>): Promise<void> {
    try {
      await p;
    } catch (err) {
      this.toast(err instanceof ApiCallError ? err.message : String(err));
    }
  }

  #render(openSettings: () => void): void {
    clear(this.#root);
    const quickForm = this.#quickConnectForm();
    const settings = el('button', {
      class: 'icon',
      text: '⚙',
      attrs: { type: 'button', 'aria-label': t('settings.open'), title: t('settings.title') },
      on: { click: openSettings },
    });
    const tunnels = el('button', {
      text: t('tunnels.open'),
      attrs: { type: 'button', title: t('tunnels.open.title'), 'aria-keyshortcuts': 'Control+Shift+L' },
      on: { click: () => this.#tunnels.open() },
    });
    const actions = this.#sidebarActions();
    this.#root.append(
      el(
        'header',
        { class: 'topbar' },
        el('h1', { text: t('app.title') }),
        quickForm,
        el('div', { class: 'spacer' }),
        tunnels,
        settings,
      ),
      // The splitter belongs to the address book's landmark, so no content
      // sits outside a landmark (axe-core "region").
      el(
        'nav',
        { class: 'sidebar', attrs: { id: 'sidebar', 'aria-label': t('sidebar.label') } },
        actions,
        this.#warnings,
        this.#book.element,
        this.#splitter(),
      ),
      el('main', { class: 'main' }, this.#tabs.element),
      this.#statusBar(),
    );
  }

  /** The top bar's quick-connect box: connects on submit, keeps the text when it does not parse. */
  #quickConnectForm(): HTMLFormElement {
    const quick = el('input', {
      attrs: {
        type: 'text',
        'aria-label': t('quick.label'),
        placeholder: t('quick.placeholder'),
        spellcheck: 'false',
        autocapitalize: 'off',
      },
    });
    const quickForm = el(
      'form',
      { class: 'quick-connect', attrs: { role: 'search', 'aria-label': t('quick.label') } },
      quick,
      el('button', { text: t('quick.connect'), attrs: { type: 'submit' } }),
    );
    quickForm.addEventListener('submit', (ev) => {
      ev.preventDefault();
      if (this.quickConnect(quick.value)) quick.value = '';
      else this.toast(t('quick.invalid'));
    });
    return quickForm;
  }

  /** The buttons above the address book: add, import, export. */
  #sidebarActions(): HTMLElement {
    return el(
      'div',
      { class: 'sidebar-actions' },
      el('button', {
        text: t('sidebar.add'),
        class: 'primary',
        attrs: { type: 'button' },
        on: { click: () => this.#edit() },
      }),
      el('button', {
        text: t('sidebar.import'),
        attrs: { type: 'button' },
        on: { click: () => this.#importExport('import') },
      }),
      el('button', {
        text: t('sidebar.export'),
        attrs: { type: 'button' },
        on: { click: () => this.#importExport('export') },
      }),
    );
  }

  /** Import and export, loaded when first asked for. */
  #importExport(which: 'import' | 'export'): void {
    import('./ui/import-export.js').then(
      ({ openImportDialog, openExportDialog }) =>
        (which === 'import' ? openImportDialog : openExportDialog)(this.#api, (m) => this.toast(m)),
      (err: unknown) => this.#failedLoad(err),
    );
  }

  /** The status line: version and mode, and which native addons are missing. */
  #statusBar(): HTMLElement {
    const info = this.#info;
    // The desktop app runs on Electron's BoringSSL, where ssh2's OpenSSL addon
    // can never load: that is how it is built, not something to repair.
    const expectedJs = info.mode === 'desktop' && !info.native.sshCrypto;
    const missing = [!info.native.sshCrypto && !expectedJs && 'sshcrypto', !info.native.bufferutil && 'bufferutil']
      .filter(Boolean)
      .join(', ');
    return el(
      'footer',
      { class: 'statusbar' },
      el('span', { text: t('about.version', { version: info.version, mode: info.mode }) }),
      expectedJs ? el('span', { text: t('app.native.desktopJs') }) : null,
      missing ? el('span', { class: 'warn', text: t('app.native.slow', { what: missing }) }) : null,
    );
  }
}
