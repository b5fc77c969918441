// The page's one view of main's transfer queue: it subscribes to the
// transfer events once, keeps the items by id, and applies progress at most
// once per animation frame however often events arrive (a 10,000-item queue
// costs one Map update per event and one redraw per frame). Conflict
// questions are asked one at a time, in arrival order.
import type { ApiClient } from '../api/client.js';
import { locale } from '../i18n/i18n.js';
import type { ConflictQuestion, TransferItem, TransferProgress } from '../../../shared/sftp.js';
import { conflictDialog, type ConflictDialogHandle } from './file-dialogs.js';

type Listener = () => void;

export class TransferCenter {
  readonly #api: ApiClient;
  readonly #items = new Map<string, TransferItem>();
  readonly #listeners = new Set<Listener>();
  readonly #pendingProgress = new Map<string, TransferProgress>();
  readonly #questions: ConflictQuestion[] = [];
  readonly #unsubscribe: Array<() => void> = [];
  #asking: { q: ConflictQuestion; dialog: ConflictDialogHandle } | null = null;
  #frame = 0;
  #order: TransferItem[] | null = null;
  /** Bumped on every redraw: rows compare it to know the data moved. */
  version = 0;

  constructor(api: ApiClient) {
    this.#api = api;
    this.#unsubscribe.push(
      api.on('transfer.changed', (item) => {
        this.#pendingProgress.delete(item.id);
        if (!this.#items.has(item.id)) this.#order = null;
        this.#items.set(item.id, item);
        this.#schedule();
      }),
      api.on('transfer.progress', ({ items }) => {
        for (const p of items) this.#pendingProgress.set(p.id, p);
        this.#schedule();
      }),
      api.on('transfer.removed', ({ ids }) => {
        for (const id of ids) this.#items.delete(id);
        this.#order = null;
        this.#schedule();
      }),
      api.on('transfer.conflict', (q) => this.#ask(q)),
      api.on('transfer.conflictGone', ({ questionId }) => this.#gone(questionId)),
    );
    void api.call('transfers.list').then(
      (items) => {
        for (const item of items) if (!this.#items.has(item.id)) this.#items.set(item.id, item);
        this.#order = null;
        this.#schedule();
      },
      () => undefined,
    );
  }

  /** Items oldest first (the queue's order). */
  items(): readonly TransferItem[] {
    this.#order ??= [...this.#items.values()].sort((a, b) => a.createdAt - b.createdAt);
    return this.#order;
  }

  get(id: string): TransferItem | undefined {
    return this.#items.get(id);
  }

  /** Adds items main returned from transfers.enqueue before their first event arrives. */
  add(items: TransferItem[]): void {
    for (const item of items) this.#items.set(item.id, item);
    this.#order = null;
    this.#schedule();
  }

  /** Called once per frame at most, after the items changed. */
  subscribe(fn: Listener): () => void {
    this.#listeners.add(fn);
    return () => this.#listeners.delete(fn);
  }

  dispose(): void {
    for (const u of this.#unsubscribe) u();
    cancelAnimationFrame(this.#frame);
    this.#asking?.dialog.close();
  }

  #schedule(): void {
    if (this.#frame) return;
    this.#frame = requestAnimationFrame(() => {
      this.#frame = 0;
      for (const [id, p] of this.#pendingProgress) {
        const item = this.#items.get(id);
        if (item) this.#items.set(id, { ...item, ...p });
      }
      this.#pendingProgress.clear();
      this.#order = null;
      this.version++;
      for (const fn of this.#listeners) fn();
    });
  }

  #ask(q: ConflictQuestion): void {
    this.#questions.push(q);
    if (!this.#asking) this.#next();
  }

  #next(): void {
    const q = this.#questions.shift();
    if (!q) return;
    const fmt = new Intl.DateTimeFormat(locale(), { dateStyle: 'medium', timeStyle: 'medium' });
    const dialog = conflictDialog(q, (ms) => fmt.format(ms));
    this.#asking = { q, dialog };
    void dialog.answer.then((answer) => {
      const gone = this.#asking?.q !== q;
      this.#asking = null;
      // Esc answers "skip": the existing file is left as it was.
      if (!gone)
        void this.#api
          .call('transfers.answerConflict', q.questionId, answer ?? { choice: 'skip', applyToAll: false })
          .catch(() => undefined);
      this.#next();
    });
  }

  #gone(questionId: string): void {
    const at = this.#questions.findIndex((q) => q.questionId === questionId);
    if (at >= 0) this.#questions.splice(at, 1);
    if (this.#asking?.q.questionId === questionId) {
      const { dialog } = this.#asking;
      this.#asking = null;
      dialog.close();
    }
  }
}

const centers = new WeakMap<ApiClient, TransferCenter>();

/** The one center for this API connection (every files panel shares it). */
export function transferCenter(api: ApiClient): TransferCenter {
  let c = centers.get(api);
  if (!c) centers.set(api, (c = new TransferCenter(api)));
  return c;
}
