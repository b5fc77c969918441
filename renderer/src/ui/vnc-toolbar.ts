// The controls above a remote desktop: fit, view only, special keys, the
// clipboard panel, full screen, screenshot, and two read-outs: what
// protects the wire (vncSecurityText) and how fast data arrives.
import { Disposables, downloadBlob, el } from '../dom.js';
import { t } from '../i18n/i18n.js';
import type { VncTicketInfo } from '../../../shared/api/contract.js';
import type { VncOptions } from '../../../shared/model/host.js';
import { KEYS, type VncScaling, type VncSession } from '../vnc/vnc-session.js';
import { vncSecurityText } from '../vnc/security-text.js';

export interface VncToolbarOptions {
  vnc: VncSession;
  /** The host's saved options, for the controls' first values. */
  options: VncOptions | undefined;
  /** The desktop's element, for full screen. */
  surface: HTMLElement;
  /** For the screenshot's file name. */
  title: string;
  /** Gives the desktop the keyboard back after a menu. */
  focus(): void;
}

/** Special keys, sent as chords (X11 keysyms, RFC 6143 §7.5.4). */
const CHORDS: ReadonlyArray<
  readonly [value: string, label: Parameters<typeof t>[0], keys: ReadonlyArray<keyof typeof KEYS>]
> = [
  ['ctrlEsc', 'vnc.key.ctrlEsc', ['ControlL', 'Escape']],
  ['altTab', 'vnc.key.altTab', ['AltL', 'Tab']],
  ['altF4', 'vnc.key.altF4', ['AltL', 'F4']],
  ['super', 'vnc.key.super', ['SuperL']],
  ['print', 'vnc.key.printScreen', ['Print']],
];

export class VncToolbar {
  readonly element: HTMLElement;
  readonly #opts: VncToolbarOptions;
  readonly #security = el('span', { class: 'vnc-security' });
  readonly #rate = el('span', { class: 'vnc-rate', attrs: { title: t('vnc.rateTitle') } });
  readonly #clipboard = el('textarea', { attrs: { rows: 2, 'aria-label': t('vnc.clipboard.label') } });
  readonly #d = new Disposables();

  constructor(opts: VncToolbarOptions) {
    this.#opts = opts;
    const vnc = opts.vnc;
    const clip = el(
      'details',
      { class: 'vnc-clipboard' },
      el('summary', { text: t('vnc.clipboard') }),
      // A popover, so the toolbar does not reflow under it while it is open.
      el(
        'div',
        { class: 'clip-panel' },
        this.#clipboard,
        this.#button(t('vnc.clipboard.send'), () => vnc.pasteText(this.#clipboard.value)),
      ),
    );
    // Controls on one row, what protects the wire and the rate on a row of
    // their own: the security sentence is long and made the controls wrap.
    this.element = el(
      'div',
      { class: 'vnc-bar' },
      el(
        'div',
        { class: 'vnc-toolbar', attrs: { role: 'toolbar', 'aria-label': t('vnc.toolbar') } },
        this.#scaling(),
        this.#viewOnly(),
        this.#button(t('vnc.ctrlAltDel'), () => vnc.sendCtrlAltDel()),
        this.#keys(),
        clip,
        this.#button(t('vnc.fullscreen'), () => void opts.surface.requestFullscreen?.().catch(() => undefined)),
        this.#button(t('vnc.screenshot'), () => void this.#screenshot()),
      ),
      el('div', { class: 'vnc-status' }, this.#security, this.#rate),
    );
  }

  showSecurity(info: VncTicketInfo): void {
    this.#security.textContent = vncSecurityText(info);
    this.#security.dataset['encrypted'] = String(info.encrypted);
    this.#security.dataset['wire'] = info.wire;
  }

  /** Bytes received in the last second; null clears the read-out (the session ended). */
  showRate(bytesPerSecond: number | null): void {
    this.#rate.textContent = bytesPerSecond === null ? '' : t('vnc.rate', { rate: formatBytes(bytesPerSecond) });
  }

  /** The remote clipboard changed. */
  clipboardIn(text: string): void {
    this.#clipboard.value = text;
    // Where the browser allows it, the remote clipboard lands in the local one too.
    void navigator.clipboard?.writeText(text).catch(() => undefined);
  }

  dispose(): void {
    this.#d.dispose();
  }

  #button(label: string, run: () => void): HTMLButtonElement {
    const button = el('button', { text: label, attrs: { type: 'button' } });
    this.#d.listen(button, 'click', run);
    return button;
  }

  #scaling(): HTMLSelectElement {
    const chosen = this.#opts.options?.scaling ?? 'scale';
    const select = el(
      'select',
      { attrs: { 'aria-label': t('vnc.scaling') } },
      // Short labels: the toolbar must fit one row beside the address book.
      ...(['scale', 'remote', 'none'] as const).map((s) =>
        el('option', { text: t(`vnc.scaling.${s}`), attrs: { value: s, selected: chosen === s } }),
      ),
    );
    this.#d.listen(select, 'change', () => (this.#opts.vnc.scaling = select.value as VncScaling));
    return select;
  }

  #viewOnly(): HTMLLabelElement {
    const box = el('input', { attrs: { type: 'checkbox', checked: this.#opts.options?.viewOnly ?? false } });
    this.#d.listen(box, 'change', () => (this.#opts.vnc.viewOnly = box.checked));
    return el('label', { class: 'inline' }, box, ` ${t('vnc.viewOnly')}`);
  }

  #keys(): HTMLSelectElement {
    const select = el(
      'select',
      { attrs: { 'aria-label': t('vnc.keys') } },
      el('option', { text: t('vnc.keys'), attrs: { value: '' } }),
      ...CHORDS.map(([value, label]) => el('option', { text: t(label), attrs: { value } })),
    );
    this.#d.listen(select, 'change', () => {
      const keys = CHORDS.find(([value]) => value === select.value)?.[2];
      if (keys) this.#opts.vnc.sendChord(keys.map((k) => KEYS[k]));
      select.value = '';
      this.#opts.focus();
    });
    return select;
  }

  async #screenshot(): Promise<void> {
    const blob = await this.#opts.vnc.screenshot();
    if (!blob) return;
    downloadBlob(
      blob,
      `${this.#opts.title.replace(/[^\w.-]+/g, '_')}-${new Date().toISOString().replace(/[:.]/g, '-')}.png`,
    );
  }
}

/** Bytes per second as a person reads it (B, KB, MB; 1 KB = 1024 B). */
function formatBytes(n: number): string {
  if (n < 1024) return `${n} B`;
  if (n < 1024 * 1024) return `${(n / 1024).toFixed(1)} KB`;
  return `${(n / 1024 / 1024).toFixed(1)} MB`;
}
