// The transfers drawer: main's queue as a virtualised list (fixed-height
// rows, only those in view in the DOM), redrawn at most once per animation
// frame from the TransferCenter. A folder item shows overall bytes, files,
// speed and ETA and expands to its files, fetched a page at a time with
// transfers.children.
import type { ApiClient } from '../api/client.js';
import { Disposables, el } from '../dom.js';
import { locale, t } from '../i18n/i18n.js';
import { SFTP_MESSAGES } from '../../../shared/sftp-messages.js';
import type { TransferChild, TransferItem } from '../../../shared/sftp.js';
import { formatSize } from './files-model.js';
import './files.css';
import type { TransferCenter } from './transfer-center.js';
import { FrameTask, rowWindow } from '../ui/virtual-rows.js';

/** Row height in CSS pixels (files.css .transfer-row). */
export const TRANSFER_ROW = 48;
const CHILD_PAGE = 200;

type Row =
  | { kind: 'item'; item: TransferItem }
  | { kind: 'child'; child: TransferChild; parent: string }
  | { kind: 'more'; parent: string };

export class TransfersDrawer {
  readonly element: HTMLElement;
  readonly #api: ApiClient;
  readonly #center: TransferCenter;
  readonly #viewport: HTMLElement;
  readonly #spacer: HTMLElement;
  readonly #summary: HTMLElement;
  readonly #pool: HTMLElement[] = [];
  readonly #expanded = new Map<string, { total: number; children: TransferChild[]; loading: boolean }>();
  readonly #d = new Disposables();
  #rows: Row[] = [];
  readonly #frame = new FrameTask(() => this.#draw());

  constructor(api: ApiClient, center: TransferCenter) {
    this.#api = api;
    this.#center = center;
    this.#summary = el('span', { class: 'transfers-summary', attrs: { 'aria-live': 'polite' } });
    this.#spacer = el('div', { class: 'transfers-spacer' });
    this.#viewport = el(
      'div',
      // tabindex -1: where focus goes when the row holding it leaves the view and no other row shows its item.
      { class: 'transfers-viewport', attrs: { role: 'list', 'aria-label': t('files.transfers'), tabindex: -1 } },
      this.#spacer,
    );
    const clear = el('button', {
      text: t('files.transfers.clear'),
      attrs: { type: 'button' },
      on: { click: () => void api.call('transfers.clear').catch(() => undefined) },
    });
    this.element = el(
      'section',
      { class: 'transfers-drawer', attrs: { 'aria-label': t('files.transfers'), hidden: true } },
      el('header', {}, el('h3', { text: t('files.transfers') }), this.#summary, clear),
      this.#viewport,
    );
    this.#d.add(center.subscribe(() => this.#rebuild()));
    this.#d.listen(this.#viewport, 'scroll', () => this.#frame.schedule());
    this.#d.listen(this.#spacer, 'click', (ev) => this.#clickAction(ev));
    this.#d.add(() => this.#frame.cancel());
    this.#rebuild();
  }

  get open(): boolean {
    return !this.element.hidden;
  }

  toggle(open = !this.open): void {
    this.element.hidden = !open;
    if (open) this.#rebuild();
  }

  dispose(): void {
    this.#d.dispose();
  }

  /** Once a frame at most while anything moves: a closed drawer only counts (its rows are built when it opens). */
  #rebuild(): void {
    const items = this.#center.items();
    let running = 0;
    for (const item of items) if (item.state === 'running' || item.state === 'queued') running++;
    this.#summary.textContent = t('files.transfers.summary', { active: running, total: items.length });
    if (!this.open) return;
    const rows: Row[] = [];
    for (const item of items) {
      rows.push({ kind: 'item', item });
      const open = this.#expanded.get(item.id);
      if (!open) continue;
      for (const child of open.children) rows.push({ kind: 'child', child, parent: item.id });
      if (open.children.length < open.total) rows.push({ kind: 'more', parent: item.id });
    }
    this.#rows = rows;
    this.#spacer.style.height = `${rows.length * TRANSFER_ROW}px`;
    this.#draw();
    for (const id of this.#expanded.keys()) this.#refreshChildren(id);
  }

  #draw(): void {
    const focus = focusedAction(this.#spacer);
    const { first, count } = rowWindow(this.#viewport, TRANSFER_ROW, this.#rows.length, 3, 300);
    while (this.#pool.length < count)
      this.#pool.push(this.#spacer.appendChild(el('div', { class: 'transfer-row', attrs: { role: 'listitem' } })));
    this.#pool.forEach((row, i) => {
      const r = i < count ? this.#rows[first + i] : undefined;
      row.hidden = !r;
      if (!r) return;
      row.style.transform = `translateY(${(first + i) * TRANSFER_ROW}px)`;
      row.setAttribute('aria-posinset', String(first + i + 1));
      row.setAttribute('aria-setsize', String(this.#rows.length));
      fillRow(row, r, this.#expanded.has(r.kind === 'item' ? r.item.id : ''));
    });
    if (focus && !this.#spacer.contains(document.activeElement)) this.#restoreFocus(focus);
  }

  /**
   * A keyboard user's focus follows the item, not the pooled row: a rebuilt
   * row gets it back on the same action, or on the action that replaced it
   * (Pause pressed: Resume, where Pause was). It never lands on another
   * item's button, where Enter would act on the wrong transfer; with no
   * button of the item in view it stays in the list.
   */
  #restoreFocus({ id, action }: { id: string; action: string }): void {
    const buttons = [...this.#spacer.querySelectorAll<HTMLButtonElement>('button[data-action]')].filter(
      (b) => b.dataset['id'] === id && !b.closest('[hidden]'),
    );
    const pick =
      buttons.find((b) => b.dataset['action'] === action) ??
      buttons.find((b) => b.dataset['action'] === REPLACED_BY[action]) ??
      buttons.find((b) => b.dataset['action'] !== 'expand') ??
      buttons[0];
    (pick ?? this.#viewport).focus({ preventScroll: true });
  }

  #clickAction(ev: Event): void {
    const button = (ev.target as Element).closest<HTMLButtonElement>('button[data-action]');
    const id = button?.dataset['id'];
    if (!button || !id) return;
    const action = button.dataset['action'];
    if (action === 'expand') {
      if (this.#expanded.has(id)) this.#expanded.delete(id);
      else {
        this.#expanded.set(id, { total: 0, children: [], loading: false });
        this.#loadChildren(id, 0);
      }
      this.#rebuild();
    } else if (action === 'more') {
      this.#loadChildren(id, this.#expanded.get(id)?.children.length ?? 0);
    } else if (action === 'pause' || action === 'resume' || action === 'cancel' || action === 'retry') {
      void this.#api.call(`transfers.${action}`, id).catch(() => undefined);
    }
  }

  #loadChildren(id: string, offset: number): void {
    const open = this.#expanded.get(id);
    if (!open || open.loading) return;
    open.loading = true;
    void this.#api.call('transfers.children', id, offset, CHILD_PAGE).then(
      ({ total, children }) => {
        open.loading = false;
        open.total = total;
        open.children.splice(offset, children.length, ...children);
        this.#rebuild();
      },
      () => (open.loading = false),
    );
  }

  /** Re-reads the pages already shown of a running folder, at most once a second. */
  #refreshChildren(id: string): void {
    const open = this.#expanded.get(id);
    const item = this.#center.get(id);
    if (!open || !item || open.loading || item.state !== 'running') return;
    const now = performance.now();
    const last = refreshed.get(id) ?? 0;
    if (now - last < 1000) return;
    refreshed.set(id, now);
    this.#loadChildren(id, 0);
  }
}

const refreshed = new Map<string, number>();

/** The button that takes an action's place when the item's new state no longer offers it. */
const REPLACED_BY: Record<string, string> = { pause: 'resume', resume: 'pause', retry: 'pause', more: 'expand' };

/** The item and action of the drawer button that has focus, if any. */
function focusedAction(spacer: HTMLElement): { id: string; action: string } | null {
  const active = document.activeElement;
  if (!(active instanceof HTMLElement) || !spacer.contains(active)) return null;
  const { id, action } = active.dataset;
  return id && action ? { id, action } : null;
}

/**
 * Fills a pooled row. A row that already shows the same item in the same
 * state keeps its elements and only has its numbers updated: rebuilding it on
 * every progress frame detached the Cancel button under the pointer and took
 * keyboard focus away from it. Focus lost to a rebuild is put back by the
 * drawer (#restoreFocus).
 */
function fillRow(row: HTMLElement, r: Row, expanded: boolean): void {
  const key = rowKey(r, expanded);
  if (row.dataset['key'] === key && r.kind === 'item') return updateItem(row, r.item);
  row.replaceChildren();
  row.dataset['key'] = key;
  row.className = `transfer-row transfer-${r.kind}`;
  if (r.kind === 'more') {
    row.append(
      el('button', {
        text: t('files.transfers.more'),
        attrs: { type: 'button', 'data-action': 'more', 'data-id': r.parent },
      }),
    );
  } else if (r.kind === 'child') {
    row.dataset['state'] = r.child.state;
    row.append(
      el('span', { class: 'transfer-name', text: r.child.relative }),
      el('span', { class: 'transfer-state', text: t(`files.state.${r.child.state}`) }),
      el('span', {
        class: 'transfer-bytes',
        text: `${formatSize(r.child.bytesDone)} / ${formatSize(r.child.bytesTotal)}`,
      }),
    );
  } else fillItem(row, r.item, expanded);
}

/** What a row shows that needs new elements when it changes (the numbers do not). */
function rowKey(r: Row, expanded: boolean): string {
  if (r.kind === 'more') return `more:${r.parent}`;
  if (r.kind === 'child') return `child:${r.parent}:${r.child.relative}:${r.child.state}:${r.child.bytesDone}`;
  return `item:${r.item.id}:${r.item.state}:${expanded}:${r.item.error ? 'e' : ''}`;
}

function fillItem(row: HTMLElement, item: TransferItem, expanded: boolean): void {
  row.dataset['state'] = item.state;
  row.dataset['id'] = item.id;
  const arrow = item.direction === 'upload' ? '↑' : '↓';
  row.append(
    el(
      'div',
      { class: 'transfer-line' },
      el('span', {
        class: 'transfer-dir',
        text: arrow,
        attrs: { 'aria-label': t(`files.transfers.${item.direction}`) },
      }),
      el('span', { class: 'transfer-name', text: item.name }),
      el('span', { class: 'transfer-state', text: t(`files.state.${item.state}`) }),
      el('span', { class: 'transfer-actions' }, ...itemActions(item, expanded)),
    ),
    el('div', { class: 'transfer-line' }, progressBar(item.name), el('span', { class: 'transfer-facts' })),
  );
  updateItem(row, item);
}

/** The parts of an item row that move with progress: the bar and the facts line. */
function updateItem(row: HTMLElement, item: TransferItem): void {
  const pct =
    item.bytesTotal > 0 ? Math.round((item.bytesDone / item.bytesTotal) * 100) : item.state === 'done' ? 100 : 0;
  const bar = row.querySelector<HTMLElement>('.transfer-bar');
  if (bar) {
    bar.setAttribute('aria-valuenow', String(pct));
    // CSSOM, not a style attribute: the page's CSP has no 'unsafe-inline' for styles.
    (bar.firstElementChild as HTMLElement).style.width = `${pct}%`;
  }
  const facts = row.querySelector('.transfer-facts');
  if (facts) facts.textContent = item.error ? errorSentence(item.error) : itemFacts(item).join(' · ');
}

/** An item's error in the page's language: main sends the English sentence; SFTP_ codes have a zh-CN one too. */
function errorSentence(error: { code: string; message: string }): string {
  const known = SFTP_MESSAGES[error.code as keyof typeof SFTP_MESSAGES];
  return known ? known[locale() === 'zh-CN' ? 'zh-CN' : 'en'] : error.message;
}

/** The buttons a queue item offers in its state (each named with the item's name). */
function itemActions(item: TransferItem, expanded: boolean): HTMLElement[] {
  const btn = (action: string, label: string, text: string): HTMLElement =>
    el('button', {
      text,
      class: 'icon',
      attrs: {
        type: 'button',
        'data-action': action,
        'data-id': item.id,
        'aria-label': `${label}: ${item.name}`,
        title: label,
      },
    });
  const actions: HTMLElement[] = [];
  if (item.kind === 'folder')
    actions.push(
      el('button', {
        text: expanded ? '▾' : '▸',
        class: 'icon',
        attrs: {
          type: 'button',
          'data-action': 'expand',
          'data-id': item.id,
          'aria-expanded': String(expanded),
          'aria-label': t('files.transfers.expand', { name: item.name }),
        },
      }),
    );
  if (item.state === 'running' || item.state === 'queued') actions.push(btn('pause', t('files.transfers.pause'), '‖'));
  if (item.state === 'paused') actions.push(btn('resume', t('files.transfers.resume'), '▶'));
  if (item.state === 'failed' || item.state === 'cancelled')
    actions.push(btn('retry', t('files.transfers.retry'), '↻'));
  if (item.state !== 'done' && item.state !== 'cancelled' && item.state !== 'failed')
    actions.push(btn('cancel', t('files.transfers.cancel'), '✕'));
  return actions;
}

/** Bytes, files, speed and ETA of an item, as short phrases. */
function itemFacts(item: TransferItem): string[] {
  const facts = [`${formatSize(item.bytesDone)} / ${formatSize(item.bytesTotal)}`];
  if (item.kind === 'folder') facts.push(t('files.transfers.files', { done: item.filesDone, total: item.filesTotal }));
  if (item.state === 'running' && item.speed > 0) facts.push(`${formatSize(item.speed)}/s`);
  if (item.state === 'running' && item.eta !== null)
    facts.push(t('files.transfers.eta', { time: formatEta(item.eta) }));
  if (item.filesFailed > 0) facts.push(t('files.transfers.failedCount', { count: item.filesFailed }));
  if (item.filesSkipped > 0) facts.push(t('files.transfers.skippedCount', { count: item.filesSkipped }));
  return facts;
}

function formatEta(seconds: number): string {
  const s = Math.max(0, Math.round(seconds));
  const h = Math.floor(s / 3600);
  const m = Math.floor((s % 3600) / 60);
  const ss = String(s % 60).padStart(2, '0');
  return h > 0 ? `${h}:${String(m).padStart(2, '0')}:${ss}` : `${m}:${ss}`;
}

function progressBar(name: string): HTMLElement {
  return el(
    'div',
    {
      class: 'transfer-bar',
      attrs: { role: 'progressbar', 'aria-valuemin': 0, 'aria-valuemax': 100, 'aria-valuenow': 0, 'aria-label': name },
    },
    el('div'),
  );
}
