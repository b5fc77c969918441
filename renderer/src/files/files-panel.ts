// The files panel of one SSH tab: an SFTP session on the tab's connection,
// a path bar, a virtualised listing (file-grid.ts), actions by menu and by
// key, and the transfers drawer. Every call goes through the API contract
// (shared/sftp.ts); the page never names a local path: local files come as
// handles from localFiles.pick or an OS drop (desktop), and in serve mode
// the browser moves its own files (page-transfers.ts).
import { ApiCallError, type ApiClient } from '../api/client.js';
import { Disposables, el } from '../dom.js';
import { locale, t } from '../i18n/i18n.js';
import { confirmDialog } from '../ui/dialogs.js';
import { SFTP_MESSAGES } from '../../../shared/sftp-messages.js';
import { unpackListing } from '../../../shared/sftp-listing.js';
import type {
  LocalPickPurpose,
  RemotePath,
  SftpEntry,
  SftpListing,
  SftpOpenTarget,
  SftpSessionInfo,
} from '../../../shared/sftp.js';
import { openMenu, type MenuItem } from './context-menu.js';
import { askMode, askName } from './file-dialogs.js';
import { FileGrid } from './file-grid.js';
import {
  childPath,
  formatSize,
  isFolder,
  parentPath,
  sortEntries,
  visibleEntries,
  type SortKey,
} from './files-model.js';
import { PathBar } from './path-bar.js';
import { FilesToolbar } from './files-toolbar.js';
import { transferCenter } from './transfer-center.js';
import { downloadToPage, droppedFiles, pickPageFiles, uploadFromPage, type PageItem } from './page-transfers.js';
import { TransfersDrawer } from './transfers-drawer.js';
import './files.css';

export interface FilesPanelOptions {
  api: ApiClient;
  /**
   * Where to attach, best first: the tab's session, then its saved host. The
   * panel tries the next when main answers SFTP_NO_SESSION (an engine that
   * reaches tabs only through their saved host). Empty while the tab has no session.
   */
  targets(): Promise<SftpOpenTarget[]>;
  /** The shell's current folder from OSC 7, or null when it never said. */
  shellDir(): string | null;
}

let openSeq = 0;

/** Whether this page runs in the desktop app (a preload bridge) rather than serve mode. */
export function isDesktop(): boolean {
  return Boolean((globalThis as { hostdeck?: { api?: unknown } }).hostdeck?.api);
}

/** The sentence for an API error: by code in the page's language when shared/sftp-messages.ts has it. */
export function errorText(err: unknown): string {
  if (err instanceof ApiCallError && err.code in SFTP_MESSAGES) {
    return SFTP_MESSAGES[err.code as keyof typeof SFTP_MESSAGES][locale() === 'zh-CN' ? 'zh-CN' : 'en'];
  }
  return err instanceof Error ? err.message : String(err);
}

export class FilesPanel {
  readonly element: HTMLElement;
  readonly grid: FileGrid;
  readonly #opts: FilesPanelOptions;
  readonly #d = new Disposables();
  readonly #bar: PathBar;
  readonly #tools: FilesToolbar;
  readonly #drawer: TransfersDrawer;
  readonly #status = el('div', { class: 'files-status', attrs: { role: 'status' } });
  readonly #alert = el('div', { class: 'files-alert', attrs: { role: 'alert' } });
  #sftpId: string | null = null;
  #opening: Promise<void> | null = null;
  #listing: SftpListing | null = null;
  #back: RemotePath[] = [];
  #showHidden = false;
  #sort: SortKey = 'name';
  #descending = false;
  #filter = '';
  #seq = 0;
  /** The tab's link is down (linkLost): nothing reopens until the tab has a session again. */
  #linkDown = false;

  constructor(opts: FilesPanelOptions) {
    this.#opts = opts;
    this.grid = new FileGrid({
      onActivate: (e) => void this.#activate(e),
      onKey: (ev) => this.#gridKey(ev),
      onContextMenu: (x, y) => this.#menu(x, y),
      onSort: (key) => this.setSort(key, key === this.#sort ? !this.#descending : false),
    });
    this.#bar = new PathBar({ go: (p) => void this.navigate(p) });
    this.#tools = new FilesToolbar(this.#toolbarActions());
    this.#drawer = new TransfersDrawer(opts.api, transferCenter(opts.api));
    this.element = el(
      'section',
      { class: 'files-panel', attrs: { 'aria-label': t('files.panel') } },
      this.#tools.element,
      this.#bar.element,
      this.#alert,
      this.grid.element,
      this.#status,
      this.#drawer.element,
    );
    this.grid.setSort(this.#sort, this.#descending);
    this.#d.listen(this.element, 'keydown', (ev) => this.#panelKey(ev as KeyboardEvent));
    this.#listenDrops();
    this.#d.add(
      opts.api.on('sftp.closed', ({ sftpId, error }) => {
        if (sftpId !== this.#sftpId) return;
        this.#sftpId = null;
        this.#showError(
          error ? new ApiCallError({ code: error.code as never, message: error.message }) : t('files.closed'),
        );
      }),
    );
    // An upload that lands in the folder shown: show it.
    this.#d.add(
      opts.api.on('transfer.changed', (item) => {
        if (item.state !== 'done' || item.direction !== 'upload' || item.sftpId !== this.#sftpId) return;
        if (item.remoteText === this.#listing?.pathText) void this.refresh().catch(() => undefined);
      }),
    );
    this.#d.add(() => this.grid.dispose());
    this.#d.add(() => this.#drawer.dispose());
    this.#d.add(() => {
      if (this.#sftpId) void opts.api.call('sftp.close', this.#sftpId).catch(() => undefined);
    });
  }

  /** Opens the SFTP session (once) and shows the login folder. */
  start(): Promise<void> {
    if (this.#sftpId || this.#linkDown) return Promise.resolve();
    this.#opening ??= this.#open().finally(() => (this.#opening = null));
    return this.#opening;
  }

  focus(): void {
    this.grid.focus();
  }

  /**
   * The tab's SSH link dropped, and the SFTP channel with it: the folder stays
   * shown, the panel says it waits for the tab to reconnect, and the dead
   * channel's errors are not left on screen.
   */
  linkLost(): void {
    this.#linkDown = true;
    const id = this.#sftpId;
    this.#sftpId = null;
    if (id) void this.#opts.api.call('sftp.close', id).catch(() => undefined);
    this.#seq++; // a listing still in flight on the old channel is not shown
    this.#alert.textContent = '';
    this.#status.textContent = t('files.reconnecting');
    this.element.setAttribute('aria-busy', 'true');
  }

  /** The tab has a session again: a panel without a live channel opens one and lists the folder it showed. */
  linkRestored(): void {
    if (!this.#linkDown && this.#sftpId) return;
    this.#linkDown = false;
    this.element.removeAttribute('aria-busy');
    void this.start();
  }

  /** The shell reported a new current folder (OSC 7): the follow button becomes usable. */
  shellDirChanged(): void {
    this.#tools.setFollow(this.#opts.shellDir() !== null);
  }

  /** Lists `path` and shows it; `remember` pushes the current folder on the back stack. */
  async navigate(path: RemotePath, remember = true): Promise<boolean> {
    await this.start();
    const id = this.#sftpId;
    if (!id) return false;
    const seq = ++this.#seq;
    this.#status.textContent = t('files.loading');
    try {
      const listing = unpackListing(await this.#opts.api.call('sftp.list', id, path));
      if (seq !== this.#seq) return false;
      if (remember && this.#listing) this.#back.push(this.#listing.path);
      this.#listing = listing;
      this.#alert.textContent = '';
      this.#bar.set(listing.pathText);
      this.#tools.setBack(this.#back.length > 0);
      this.#redraw(false);
      return true;
    } catch (err) {
      if (seq === this.#seq) this.#showError(err);
      return false;
    }
  }

  refresh(): Promise<boolean> {
    return this.#listing ? this.navigate(this.#listing.path, false) : this.start().then(() => true);
  }

  setSort(key: SortKey, descending: boolean): void {
    this.#sort = key;
    this.#descending = descending;
    this.#tools.setSort(key, descending);
    this.grid.setSort(key, descending);
    this.#redraw(true);
  }

  dispose(): void {
    this.#d.dispose();
  }

  async #open(): Promise<void> {
    this.#status.textContent = t('files.connecting');
    let home: RemotePath;
    try {
      const info = await this.#attach(await this.#opts.targets());
      // The link dropped while this opened: the channel is on the dead connection; linkRestored opens another.
      if (this.#linkDown) return void this.#opts.api.call('sftp.close', info.sftpId).catch(() => undefined);
      this.#sftpId = info.sftpId;
      home = info.home;
    } catch (err) {
      if (this.#linkDown) return;
      this.#showError(err);
      return;
    }
    // Reopened after the session dropped: stay in the folder that was shown.
    await this.navigate(this.#listing?.path ?? home, false);
  }

  async #attach(targets: SftpOpenTarget[]): Promise<SftpSessionInfo> {
    if (targets.length === 0) throw new Error(t('files.noSession'));
    for (let i = 0; ; i++) {
      try {
        return await this.#opts.api.call('sftp.open', targets[i] as SftpOpenTarget, {
          openId: `files-${++openSeq}-${Date.now()}`,
        });
      } catch (err) {
        const last = i >= targets.length - 1;
        if (last || !(err instanceof ApiCallError) || err.code !== 'SFTP_NO_SESSION') throw err;
      }
    }
  }

  #redraw(keepActive: boolean): void {
    const listing = this.#listing;
    if (!listing) return;
    const shown = sortEntries(
      visibleEntries(listing.entries, this.#showHidden, this.#filter),
      this.#sort,
      this.#descending,
    );
    this.grid.setEntries(shown, keepActive);
    const hidden = listing.entries.length - shown.length;
    this.#status.textContent = [
      t('files.count', { shown: shown.length, total: listing.entries.length }),
      hidden > 0 && this.#filter ? t('files.filtered', { count: hidden }) : '',
      listing.refused > 0 ? t('files.refused', { count: listing.refused }) : '',
    ]
      .filter(Boolean)
      .join(' · ');
  }

  #showError(err: unknown): void {
    this.#status.textContent = '';
    this.#alert.textContent = typeof err === 'string' ? err : errorText(err);
  }

  async #activate(entry: SftpEntry): Promise<void> {
    if (isFolder(entry)) await this.navigate(entry.path);
    else await this.#download([entry]);
  }

  async up(): Promise<void> {
    if (this.#listing) await this.navigate(parentPath(this.#listing.pathText));
  }

  async back(): Promise<void> {
    const to = this.#back.pop();
    if (to !== undefined) await this.navigate(to, false);
    this.#tools.setBack(this.#back.length > 0);
  }

  #toolbarActions(): ConstructorParameters<typeof FilesToolbar>[0] {
    return {
      back: () => void this.back(),
      up: () => void this.up(),
      refresh: () => void this.refresh(),
      hidden: (on) => {
        this.#showHidden = on;
        this.#redraw(true);
      },
      sort: (key, desc) => this.setSort(key, desc),
      filter: (text) => {
        this.#filter = text;
        this.#redraw(false);
      },
      newFolder: () => void this.#newFolder(),
      upload: (folder) => void this.#upload(folder ? 'upload-folder' : 'upload-files'),
      download: () => void this.#download(this.grid.selection()),
      follow: () => {
        const dir = this.#opts.shellDir();
        if (dir) void this.navigate(dir);
      },
      transfers: () => this.#drawer.toggle(),
      explain: (text) => (this.#alert.textContent = text),
      desktop: isDesktop(),
      hasShellDir: () => this.#opts.shellDir() !== null,
    };
  }

  /** Keys that work anywhere in the panel (outside text fields they do not clash with typing). */
  #panelKey(ev: KeyboardEvent): void {
    const ctrl = ev.ctrlKey || ev.metaKey;
    if (ctrl && !ev.shiftKey && (ev.key === 'l' || ev.key === 'L')) this.#bar.edit();
    else if (ctrl && !ev.shiftKey && (ev.key === 'f' || ev.key === 'F')) this.#tools.focusFilter();
    else if (ctrl && !ev.shiftKey && (ev.key === 'h' || ev.key === 'H')) this.#tools.toggleHidden();
    else if (ev.key === 'F5') void this.refresh();
    else if (ev.altKey && ev.key === 'ArrowLeft') void this.back();
    else if (ev.altKey && ev.key === 'ArrowUp') void this.up();
    else if (ctrl && ev.shiftKey && (ev.key === 'N' || ev.key === 'n')) void this.#newFolder();
    else if (ctrl && ev.key === 'u') void this.#upload('upload-files');
    else if (ev.key === 'Escape' && this.#drawer.open) this.#drawer.toggle(false);
    else return;
    ev.preventDefault();
    ev.stopPropagation();
  }

  #gridKey(ev: KeyboardEvent): boolean {
    const sel = this.grid.selection();
    const one = this.grid.activeEntry();
    if (ev.key === 'Enter' && ev.altKey) void (one && this.#chmod(one));
    else if (ev.key === 'Enter') void (one && this.#activate(one));
    else if (ev.key === 'Backspace') void this.up();
    else if (ev.key === 'F2') void (one && this.#rename(one));
    else if (ev.key === 'Delete') void this.#delete(sel);
    else if ((ev.ctrlKey || ev.metaKey) && ev.key === 'd') void this.#download(sel);
    else return false;
    return true;
  }

  #menu(x: number, y: number): void {
    const sel = this.grid.selection();
    const one = this.grid.activeEntry();
    const none = sel.length === 0;
    const transfer = isDesktop() ? false : true;
    const items: MenuItem[] = [
      {
        label: t('files.action.open'),
        keys: 'Enter',
        disabled: !one || !isFolder(one),
        run: () => void (one && this.navigate(one.path)),
      },
      { label: t('files.action.up'), keys: 'Backspace', run: () => void this.up() },
      { label: t('files.action.rename'), keys: 'F2', disabled: !one, run: () => void (one && this.#rename(one)) },
      { label: t('files.action.delete'), keys: 'Delete', disabled: none, run: () => void this.#delete(sel) },
      { label: t('files.action.newFolder'), keys: 'Control+Shift+N', run: () => void this.#newFolder() },
      { label: t('files.action.chmod'), keys: 'Alt+Enter', disabled: !one, run: () => void (one && this.#chmod(one)) },
      {
        label: t('files.action.download'),
        keys: 'Control+D',
        disabled: none || transfer,
        run: () => void this.#download(sel),
      },
      {
        label: t('files.action.upload'),
        keys: 'Control+U',
        disabled: transfer,
        run: () => void this.#upload('upload-files'),
      },
      { label: t('files.action.refresh'), keys: 'F5', run: () => void this.refresh() },
    ];
    openMenu(t('files.menu'), items, x, y);
  }

  async #run(action: () => Promise<unknown>, refresh = true): Promise<void> {
    try {
      await action();
      if (refresh) await this.refresh();
    } catch (err) {
      this.#showError(err);
    }
  }

  async #newFolder(): Promise<void> {
    const id = this.#sftpId;
    const dir = this.#listing?.pathText;
    if (!id || dir === undefined) return;
    const name = await askName(t('files.newFolder.title'), t('files.name.label'), '', t('files.newFolder.ok'));
    if (name) await this.#run(() => this.#opts.api.call('sftp.mkdir', id, childPath(dir, name)));
  }

  async #rename(entry: SftpEntry): Promise<void> {
    const id = this.#sftpId;
    const dir = this.#listing?.pathText;
    if (!id || dir === undefined) return;
    const name = await askName(
      t('files.rename.title', { name: entry.name }),
      t('files.name.label'),
      entry.name,
      t('files.rename.ok'),
    );
    if (name && name !== entry.name)
      await this.#run(() => this.#opts.api.call('sftp.rename', id, entry.path, childPath(dir, name)));
  }

  async #chmod(entry: SftpEntry): Promise<void> {
    const id = this.#sftpId;
    if (!id) return;
    const mode = await askMode(entry.name, entry.mode);
    if (mode !== null) await this.#run(() => this.#opts.api.call('sftp.chmod', id, entry.path, mode));
  }

  /** Counts first (sftp.deletePlan), says what will go, then deletes on confirmation. */
  async #delete(entries: SftpEntry[]): Promise<void> {
    const id = this.#sftpId;
    if (!id || entries.length === 0) return;
    await this.#run(async () => {
      const plan = await this.#opts.api.call(
        'sftp.deletePlan',
        id,
        entries.map((e) => e.path),
      );
      const what =
        entries.length === 1 ? (entries[0] as SftpEntry).name : t('files.delete.items', { count: entries.length });
      const body = t('files.delete.body', {
        what,
        files: plan.files,
        folders: plan.folders,
        size: formatSize(plan.bytes),
      });
      if (!(await confirmDialog(t('files.delete.title'), body, t('files.delete.ok'), true))) return;
      const done = await this.#opts.api.call('sftp.delete', plan.planId);
      this.#status.textContent = t('files.delete.done', { files: done.files, folders: done.folders });
    });
    this.grid.focus();
  }

  async #upload(purpose: LocalPickPurpose): Promise<void> {
    const id = this.#sftpId;
    const dir = this.#listing?.path;
    if (!id || dir === undefined) return;
    if (!isDesktop()) {
      const groups = await pickPageFiles(purpose === 'upload-folder', this.element);
      return this.#uploadPage(groups);
    }
    await this.#uploadHandles(() => this.#opts.api.call('localFiles.pick', purpose), false);
  }

  /**
   * The desktop: local files main issued handles for (a native dialog or an
   * OS drop) into the folder shown. `refresh`: list the folder again after
   * enqueueing.
   */
  async #uploadHandles(pick: () => Promise<Array<{ id: string }> | undefined>, refresh: boolean): Promise<void> {
    const id = this.#sftpId;
    const dir = this.#listing?.path;
    if (!id || dir === undefined) return;
    await this.#run(async () => {
      const handles = await pick();
      if (!handles || handles.length === 0) return;
      this.#enqueued(
        await this.#opts.api.call('transfers.enqueue', {
          direction: 'upload',
          sftpId: id,
          sources: handles.map((h) => h.id),
          remoteDir: dir,
        }),
      );
    }, refresh);
  }

  async #download(entries: SftpEntry[]): Promise<void> {
    const id = this.#sftpId;
    if (!id || entries.length === 0) return;
    if (!isDesktop()) {
      const sources = entries.map((e) => e.path);
      return this.#run(async () => this.#enqueued(await downloadToPage(this.#opts.api, id, sources)), false);
    }
    await this.#run(async () => {
      const [folder] = await this.#opts.api.call('localFiles.pick', 'download-folder');
      if (!folder) return;
      this.#enqueued(
        await this.#opts.api.call('transfers.enqueue', {
          direction: 'download',
          sftpId: id,
          sources: entries.map((e) => e.path),
          localDir: folder.id,
        }),
      );
    }, false);
  }

  /** Serve mode: the browser's own files (chosen or dropped) into the folder shown. */
  async #uploadPage(groups: PageItem[]): Promise<void> {
    const id = this.#sftpId;
    const dir = this.#listing?.path;
    if (!id || dir === undefined || groups.length === 0) return;
    await this.#run(async () => this.#enqueued(await uploadFromPage(this.#opts.api, id, dir, groups)), false);
  }

  #enqueued(items: Parameters<ReturnType<typeof transferCenter>['add']>[0]): void {
    transferCenter(this.#opts.api).add(items);
    this.#drawer.toggle(true);
  }

  /**
   * Files dropped from the OS. Serve mode: the browser reads them itself. The
   * desktop: the preload turns the drop's File objects into handles main
   * issued (preload/index.ts); the page never sees a path.
   */
  async #uploadDropped(): Promise<void> {
    const bridge = (globalThis as { hostdeck?: { droppedFiles?: () => Promise<Array<{ id: string }>> } }).hostdeck;
    const dropped = bridge?.droppedFiles;
    if (!dropped) return;
    await this.#uploadHandles(() => dropped.call(bridge), true);
  }

  #listenDrops(): void {
    const hasFiles = (ev: DragEvent): boolean => ev.dataTransfer?.types.includes('Files') ?? false;
    this.#d.listen(this.element, 'dragover', (ev) => {
      if (!hasFiles(ev as DragEvent)) return;
      ev.preventDefault();
      this.element.classList.add('drop-target');
    });
    this.#d.listen(this.element, 'dragleave', () => this.element.classList.remove('drop-target'));
    this.#d.listen(this.element, 'drop', (ev) => {
      if (!hasFiles(ev as DragEvent)) return;
      ev.preventDefault();
      this.element.classList.remove('drop-target');
      if (isDesktop()) return void this.#uploadDropped();
      const data = (ev as DragEvent).dataTransfer;
      if (data) void droppedFiles(data).then((groups) => this.#uploadPage(groups));
    });
  }
}
