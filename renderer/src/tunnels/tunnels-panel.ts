// The Tunnels panel: every saved forward of every host in one table, with its
// live state (tunnels.changed), open connections and bytes each way, and
// Start, Stop and Copy address. Opened from the top bar or Ctrl+Shift+L.
//
// Starting a forward with no terminal open logs in with no shell (main's
// SshOpener.lease, as `ssh -N`): the login's questions (host key, password)
// come with this panel's openId, so the app shows them above the panel.
// Rows are kept by host and forward id and updated in place, so an event
// never takes focus away from the button the person is on.
import { clear, el } from '../dom.js';
import { t } from '../i18n/i18n.js';
import { ApiCallError, type ApiClient } from '../api/client.js';
import { formatSize } from '../files/files-model.js';
import type { PortForward, SavedHost } from '../../../shared/model/host.js';
import { forwardRetryOpenId, type ForwardStatus } from '../../../shared/tunnels.js';
import { copyText, describeForward, errorText, retryReasonText } from './tunnel-text.js';
import { startedHere } from './tunnel-notices.js';
import './tunnels.css';

export interface TunnelsPanelOptions {
  api: ApiClient;
  /** The address book as the app has it now. */
  hosts(): readonly SavedHost[];
  /** Marks `openId` as the page's own, so its prompts show; the returned function forgets it. */
  own(openId: string): () => void;
}

interface Row {
  tr: HTMLTableRowElement;
  host: HTMLTableCellElement;
  auto: HTMLElement;
  forward: HTMLElement;
  state: HTMLElement;
  reason: HTMLElement;
  channels: HTMLElement;
  traffic: HTMLElement;
  start: HTMLButtonElement;
  stop: HTMLButtonElement;
  copy: HTMLButtonElement;
}

/** Ctrl+Shift+L: "L" for listeners; free in Chromium, and taken before the terminal sees it. */
export function isTunnelsShortcut(ev: KeyboardEvent): boolean {
  return ev.ctrlKey && ev.shiftKey && !ev.altKey && !ev.metaKey && (ev.key === 'L' || ev.key === 'l');
}

export class TunnelsPanel {
  readonly dialog: HTMLDialogElement;
  readonly #opts: TunnelsPanelOptions;
  readonly #body = el('tbody');
  readonly #table: HTMLTableElement;
  readonly #empty = el('p', { class: 'tunnels-empty', text: t('tunnels.empty') });
  readonly #announce = el('p', { class: 'tunnels-announce', attrs: { role: 'status', 'aria-live': 'polite' } });
  readonly #rows = new Map<string, Row>();
  readonly #statuses = new Map<string, ForwardStatus>();
  /** Forwards counting down to start again, each with the function that forgets its retry openId. */
  readonly #retrying = new Map<string, () => void>();

  constructor(opts: TunnelsPanelOptions) {
    this.#opts = opts;
    const head = el(
      'tr',
      {},
      ...(['host', 'forward', 'state', 'channels', 'traffic', 'actions'] as const).map((c) =>
        el('th', { text: t(`tunnels.col.${c}`), attrs: { scope: 'col' } }),
      ),
    );
    this.#table = el('table', { class: 'tunnels-table' }, el('thead', {}, head), this.#body);
    const close = el('button', { text: t('tunnels.close'), attrs: { type: 'button' } });
    this.dialog = el(
      'dialog',
      { class: 'tunnels-panel', attrs: { 'aria-labelledby': 'hd-tunnels-title' } },
      el('h2', { text: t('tunnels.title'), attrs: { id: 'hd-tunnels-title' } }),
      this.#empty,
      el('div', { class: 'tunnels-scroll' }, this.#table),
      this.#announce,
      el('div', { class: 'dialog-actions' }, close),
    );
    close.addEventListener('click', () => this.dialog.close());
    opts.api.on('tunnels.changed', (s) => this.#update(s));
    opts.api.on('book.changed', () => {
      if (this.dialog.open) void this.reload();
    });
  }

  /** Shows the panel (modal, so Escape closes it and focus stays inside) with a fresh list. */
  open(): void {
    if (!this.dialog.isConnected) document.body.append(this.dialog);
    if (!this.dialog.open) this.dialog.showModal();
    void this.reload();
  }

  /** Reads every forward's status again (tunnels.list) and redraws, keeping the rows that stay. */
  async reload(): Promise<void> {
    let list: ForwardStatus[];
    try {
      list = await this.#opts.api.call('tunnels.list');
    } catch (err) {
      this.#announce.textContent = err instanceof Error ? err.message : String(err);
      return;
    }
    const keep = new Set<string>();
    for (const s of list) {
      const k = key(s.hostId, s.forwardId);
      keep.add(k);
      this.#statuses.set(k, s);
      const row = this.#rows.get(k) ?? this.#makeRow(s);
      this.#rows.set(k, row);
      this.#body.append(row.tr);
      this.#paint(row, s);
    }
    for (const [k, row] of this.#rows)
      if (!keep.has(k)) {
        row.tr.remove();
        this.#rows.delete(k);
      }
    this.#empty.hidden = list.length > 0;
    this.#table.hidden = list.length === 0;
  }

  #update(s: ForwardStatus): void {
    const k = key(s.hostId, s.forwardId);
    this.#statuses.set(k, s);
    this.#followRetry(k, s);
    const row = this.#rows.get(k);
    if (row) this.#paint(row, s);
    else if (this.dialog.open) void this.reload();
  }

  /**
   * While a forward reconnects by itself (and through each try), a question
   * its login asks is this page's to show: main leases with forwardRetryOpenId.
   */
  #followRetry(k: string, s: ForwardStatus): void {
    if (s.state === 'reconnecting') {
      if (!this.#retrying.has(k)) this.#retrying.set(k, this.#opts.own(forwardRetryOpenId(s.hostId, s.forwardId)));
    } else if (s.state !== 'starting') {
      this.#retrying.get(k)?.();
      this.#retrying.delete(k);
    }
  }

  #lookup(s: ForwardStatus): { host: SavedHost | undefined; spec: PortForward | undefined } {
    const host = this.#opts.hosts().find((h) => h.id === s.hostId);
    return { host, spec: host?.forwards?.find((f) => f.id === s.forwardId) };
  }

  #makeRow(s: ForwardStatus): Row {
    const button = (text: string): HTMLButtonElement => el('button', { text, attrs: { type: 'button' } });
    const row: Row = {
      tr: el('tr', { dataset: { host: s.hostId, forward: s.forwardId } }),
      host: el('th', { attrs: { scope: 'row' } }),
      auto: el('div', { class: 'tunnels-sub' }),
      forward: el('span', { class: 'tunnels-forward' }),
      state: el('span', { class: 'tunnels-state' }),
      reason: el('div', { class: 'tunnels-reason' }),
      channels: el('td', { class: 'num' }),
      traffic: el('td', { class: 'num' }),
      start: button(t('tunnels.start')),
      stop: button(t('tunnels.stop')),
      copy: button(t('tunnels.copy')),
    };
    row.tr.append(
      row.host,
      el(
        'td',
        {},
        el('span', { class: `tunnels-kind kind-${s.kind}`, text: t(`tunnels.kind.${s.kind}`) }),
        ' ',
        row.forward,
        row.auto,
      ),
      el('td', {}, row.state, row.reason),
      row.channels,
      row.traffic,
      el('td', { class: 'tunnels-actions' }, row.start, row.stop, row.copy),
    );
    row.start.addEventListener('click', () => void this.#start(s.hostId, s.forwardId));
    row.stop.addEventListener('click', () => void this.#stop(s.hostId, s.forwardId));
    row.copy.addEventListener('click', () => void this.#copy(s.hostId, s.forwardId));
    return row;
  }

  #paint(row: Row, s: ForwardStatus): void {
    const { host, spec } = this.#lookup(s);
    // Names are read each time: a host renamed or a forward edited shows at once.
    const hostName = host?.name ?? t('tunnels.deletedHost');
    const name = spec ? describeForward(spec, s) : s.forwardId;
    row.host.textContent = hostName;
    row.forward.textContent = name;
    row.auto.textContent = spec?.autoStart === false ? t('tunnels.manual') : t('tunnels.auto');
    // While a forward reconnects by itself, Start does not start it: it tries now, instead of in N s.
    const retrying = s.state === 'reconnecting';
    row.start.textContent = t(retrying ? 'tunnels.tryNow' : 'tunnels.start');
    for (const [b, k] of [
      [row.start, retrying ? 'tunnels.tryNow.label' : 'tunnels.start.label'],
      [row.stop, 'tunnels.stop.label'],
      [row.copy, 'tunnels.copy.label'],
    ] as const)
      b.setAttribute('aria-label', t(k, { forward: name, host: hostName }));
    row.tr.dataset['state'] = s.state;
    // Reconnecting counts down: main reports each second (retryIn).
    row.state.textContent = retrying
      ? t('tunnels.state.reconnecting', { seconds: s.retryIn ?? 0 })
      : t(`tunnels.state.${s.state}`);
    clear(row.reason);
    if (s.error) row.reason.textContent = retrying ? retryReasonText(s.error) : errorText(s.error);
    row.channels.textContent = t('tunnels.channels', { open: s.channels, total: s.channelsTotal });
    const out = formatSize(s.bytesOut);
    const inn = formatSize(s.bytesIn);
    row.traffic.textContent = t('tunnels.traffic', { out, in: inn });
    row.traffic.setAttribute('aria-label', t('tunnels.traffic.label', { out, in: inn }));
    const hadFocus = [row.start, row.stop].find((b) => b === document.activeElement);
    // While reconnecting, Start tries at once and Stop cancels the tries.
    row.start.disabled = s.state === 'starting' || s.state === 'active' || s.state === 'stopping';
    row.stop.disabled = s.state === 'stopped' || s.state === 'failed' || s.state === 'stopping';
    row.copy.disabled = s.state !== 'active' || copyText(s) === null;
    // A button that just became disabled would drop focus to the page: hand it to its partner.
    if (hadFocus?.disabled) (hadFocus === row.start ? row.stop : row.start).focus();
  }

  async #start(hostId: string, forwardId: string): Promise<void> {
    const openId = crypto.randomUUID();
    const forget = this.#opts.own(openId);
    const k = key(hostId, forwardId);
    startedHere.add(k);
    try {
      this.#update(await this.#opts.api.call('tunnels.start', hostId, forwardId, { openId }));
    } catch (err) {
      this.#announce.textContent = err instanceof ApiCallError ? err.message : String(err);
    } finally {
      startedHere.delete(k);
      forget();
    }
  }

  async #stop(hostId: string, forwardId: string): Promise<void> {
    try {
      this.#update(await this.#opts.api.call('tunnels.stop', hostId, forwardId));
    } catch (err) {
      this.#announce.textContent = err instanceof ApiCallError ? err.message : String(err);
    }
  }

  async #copy(hostId: string, forwardId: string): Promise<void> {
    const s = this.#statuses.get(key(hostId, forwardId));
    const address = s ? copyText(s) : null;
    if (address === null) return;
    try {
      await navigator.clipboard.writeText(address);
      this.#announce.textContent = t('tunnels.copied', { address });
    } catch {
      this.#announce.textContent = t('tunnels.copyFailed', { address });
    }
  }
}

function key(hostId: string, forwardId: string): string {
  return `${hostId}\u0000${forwardId}`;
}
