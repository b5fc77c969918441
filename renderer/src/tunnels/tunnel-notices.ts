// A forward that starts with a host's first terminal and cannot (its port is
// taken, the server refuses) is said in that host's open tabs as a notice
// above the terminal, with a way to the Tunnels panel. The terminal itself is
// never touched: the failure is the forward's, not the session's.
//
// What counts: a 'tunnels.changed' going from starting to failed that the
// panel did not ask for (the panel shows its own starts' failures in its row).
import { el } from '../dom.js';
import { t } from '../i18n/i18n.js';
import type { ApiClient } from '../api/client.js';
import type { SavedHost } from '../../../shared/model/host.js';
import type { ForwardState, ForwardStatus } from '../../../shared/tunnels.js';
import { describeForward, errorText } from './tunnel-text.js';

/** Forwards being started from the Tunnels panel now (host id NUL forward id). */
export const startedHere = new Set<string>();

export interface TunnelNoticesOptions {
  api: ApiClient;
  hosts(): readonly SavedHost[];
  openPanel(): void;
}

export class TunnelNotices {
  readonly #opts: TunnelNoticesOptions;
  /** Each open SSH tab's panel element and its saved host's id. */
  readonly #tabs = new Map<HTMLElement, string>();
  readonly #last = new Map<string, ForwardState>();

  constructor(opts: TunnelNoticesOptions) {
    this.#opts = opts;
    opts.api.on('tunnels.changed', (s) => this.#changed(s));
  }

  /** A tab to a saved host opened; the returned function forgets it (the tab closed). */
  addTab(hostId: string, panel: HTMLElement): () => void {
    this.#tabs.set(panel, hostId);
    return () => this.#tabs.delete(panel);
  }

  #changed(s: ForwardStatus): void {
    const k = `${s.hostId}\u0000${s.forwardId}`;
    const before = this.#last.get(k);
    this.#last.set(k, s.state);
    if (s.state !== 'failed' || before !== 'starting' || startedHere.has(k) || !s.error) return;
    const spec = this.#opts
      .hosts()
      .find((h) => h.id === s.hostId)
      ?.forwards?.find((f) => f.id === s.forwardId);
    const text = t('tunnels.notice', {
      forward: spec ? describeForward(spec) : s.forwardId,
      reason: errorText(s.error),
    });
    for (const [panel, hostId] of this.#tabs) if (hostId === s.hostId) panel.prepend(this.#notice(text));
  }

  #notice(text: string): HTMLElement {
    const open = el('button', { text: t('tunnels.notice.open'), attrs: { type: 'button' } });
    const dismiss = el('button', {
      class: 'icon',
      text: '×',
      attrs: { type: 'button', 'aria-label': t('tunnels.notice.dismiss'), title: t('tunnels.notice.dismiss') },
    });
    const notice = el(
      'div',
      { class: 'tunnel-notice', attrs: { role: 'status' } },
      el('span', { text }),
      open,
      dismiss,
    );
    open.addEventListener('click', () => this.#opts.openPanel());
    dismiss.addEventListener('click', () => notice.remove());
    return notice;
  }
}
