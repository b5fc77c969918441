// The transfer queue: every file or folder the person sends or fetches is
// one item, run a few at a time, each with pause, cancel and retry. A folder
// is one item with overall bytes, files, speed and ETA; its files are its
// children (planned up front, fetched by the page in pages). Conflicts are
// asked one at a time per item, and an answer "for all" answers the rest.
//
// Item states (shared/state-machine.ts): queued → running → done | failed |
// cancelled | paused; paused → queued (resume) | cancelled; failed and
// cancelled → queued (retry).
import { randomBytes } from 'node:crypto';
import { StateMachine, type TransitionTable } from '../../shared/state-machine.js';
import type {
  ConflictAnswer,
  ConflictChoice,
  ConflictQuestion,
  SftpApiEvents,
  TransferChild,
  TransferItem,
  TransferState,
} from '../../shared/sftp.js';
import { HostdeckError, toApiError } from '../../shared/errors.js';
import { sftpError } from './errors.js';
import type { PipeOptions } from './file-transfer.js';
import { runItem, type ItemSource } from './transfer-run.js';
import type { Plan } from './plan.js';
import type { SftpClient } from './client.js';
import type { Resolution } from './move.js';

const TRANSITIONS: TransitionTable<TransferState> = {
  queued: ['running', 'cancelled', 'paused'],
  running: ['done', 'failed', 'cancelled', 'paused'],
  paused: ['queued', 'cancelled'],
  failed: ['queued'],
  cancelled: ['queued'],
  done: [],
};

/** Sends one files-API event (shared/sftp.ts SftpApiEvents) to the page. */
export type QueueEmit = <E extends keyof SftpApiEvents>(event: E, payload: SftpApiEvents[E]) => void;

/** What TransferQueue needs: the event sink, a client per sftpId, pipelining and parallelism settings. */
export interface QueueOptions {
  emit: QueueEmit;
  /** The SFTP client for a session id; throws SFTP_NO_SESSION. */
  client(sftpId: string): SftpClient;
  pipe: PipeOptions;
  /** Files of one folder item moved at once. */
  filesInParallel: number;
  /** Files that fit in one request moved at once (default filesInParallel; transfer-run.ts). */
  smallFilesInParallel?: number;
  /** More SFTP clients on a session's connection for an upload of many small files (transfer-run.ts); none when absent. */
  helpers?(sftpId: string): Promise<SftpClient[]>;
  /** Items running at once. */
  itemsInParallel: number;
  /** Progress events at most this often (ms). */
  progressEvery?: number;
  /** false: small files' local calls always go through the thread pool (default: in place on a local disk, local-fast.ts). */
  localInPlace?: boolean;
}

/** Internal state of one item. */
export interface QueueItem {
  info: TransferItem;
  state: StateMachine<TransferState>;
  source: ItemSource;
  plan?: Plan;
  policy?: ConflictChoice;
  controller?: AbortController;
  stopReason?: 'pause' | 'cancel';
  asking: Promise<unknown>;
  questions: Set<string>;
  run?: Promise<void>;
  moved: boolean;
  speed: { at: number; bytes: number; rate: number };
}

interface OpenQuestion {
  item: QueueItem;
  resolve(answer: ConflictAnswer | null): void;
}

/** Runs transfer items through queued → running → done/failed/cancelled (paused between), emitting transfer.* events; progress every 250 ms by default. */
export class TransferQueue {
  readonly #opts: QueueOptions;
  readonly #items = new Map<string, QueueItem>();
  readonly #questions = new Map<string, OpenQuestion>();
  readonly #timer: NodeJS.Timeout;

  constructor(opts: QueueOptions) {
    this.#opts = opts;
    this.#timer = setInterval(() => this.#reportProgress(), opts.progressEvery ?? 250);
    this.#timer.unref();
  }

  /** Queues one item (a file or folder) and starts it when a slot is free; returns a copy of its TransferItem. */
  add(sftpId: string, source: ItemSource, name: string, remoteText: string): TransferItem {
    const id = randomBytes(9).toString('base64url');
    const info: TransferItem = {
      id,
      direction: source.direction,
      kind: 'file',
      sftpId,
      name,
      remoteText,
      children: 0,
      state: 'queued',
      bytesTotal: 0,
      bytesDone: 0,
      filesTotal: 0,
      filesDone: 0,
      filesFailed: 0,
      filesSkipped: 0,
      speed: 0,
      eta: null,
      createdAt: Date.now(),
    };
    const item: QueueItem = {
      info,
      source,
      state: new StateMachine('transfer', 'queued', TRANSITIONS),
      asking: Promise.resolve(),
      questions: new Set(),
      moved: false,
      speed: { at: Date.now(), bytes: 0, rate: 0 },
    };
    this.#items.set(id, item);
    this.#changed(item);
    this.#pump();
    return { ...info };
  }

  /** What an item moves (its ItemSource). Throws SFTP_TRANSFER_UNKNOWN. */
  source(id: string): ItemSource {
    return this.#get(id).source;
  }

  /** Copies of every item, in the order added. */
  list(): TransferItem[] {
    return [...this.#items.values()].map((i) => ({ ...i.info }));
  }

  /** A page of a folder item's files (offset, limit), with the total count. Throws SFTP_TRANSFER_UNKNOWN. */
  children(id: string, offset: number, limit: number): { total: number; children: TransferChild[] } {
    const files = this.#get(id).plan?.files ?? [];
    const children = files.slice(offset, offset + limit).map((f) => ({
      relative: f.relative,
      state: f.state,
      bytesTotal: Math.max(0, f.size),
      bytesDone: f.bytesDone,
      ...(f.error ? { error: f.error } : {}),
    }));
    return { total: files.length, children };
  }

  /** Stops a running item (its partial file stays, for resume) or holds a queued one; other states are left alone. Throws SFTP_TRANSFER_UNKNOWN. */
  pause(id: string): void {
    const item = this.#get(id);
    if (item.state.is('running')) this.#stop(item, 'pause');
    else if (item.state.is('queued')) this.#move(item, 'paused');
  }

  /** Re-queues a paused item; other states are left alone. Throws SFTP_TRANSFER_UNKNOWN. */
  resume(id: string): void {
    const item = this.#get(id);
    if (item.state.is('paused') && !item.run) {
      this.#move(item, 'queued');
      this.#pump();
    }
  }

  /** Stops a running, queued or paused item for good; finished items are left alone. Throws SFTP_TRANSFER_UNKNOWN. */
  cancel(id: string): void {
    const item = this.#get(id);
    if (item.state.is('running')) this.#stop(item, 'cancel');
    else if (item.state.is('queued') || item.state.is('paused')) this.#move(item, 'cancelled');
  }

  /** Re-queues a failed or cancelled item (a partial download resumes when size and mtime still match). Throws SFTP_TRANSFER_UNKNOWN. */
  retry(id: string): void {
    const item = this.#get(id);
    if ((item.state.is('failed') || item.state.is('cancelled')) && !item.run) {
      delete item.info.error;
      this.#move(item, 'queued');
      this.#pump();
    }
  }

  /** Forgets finished items (done, failed, cancelled) and emits transfer.removed with their ids. */
  clear(): void {
    const ids: string[] = [];
    for (const [id, item] of this.#items)
      if (!item.run && (item.state.is('done') || item.state.is('failed') || item.state.is('cancelled'))) {
        this.#items.delete(id);
        ids.push(id);
      }
    if (ids.length > 0) this.#opts.emit('transfer.removed', { ids });
  }

  /** Settles a ConflictQuestion. Throws SFTP_QUESTION_UNKNOWN for an unknown or already answered id. */
  answer(questionId: string, answer: ConflictAnswer): void {
    const q = this.#questions.get(questionId);
    if (!q) throw sftpError('SFTP_QUESTION_UNKNOWN');
    this.#questions.delete(questionId);
    q.item.questions.delete(questionId);
    q.resolve(answer);
  }

  /** Resolves when the item is no longer running (tests, shutdown). */
  async settled(id: string): Promise<TransferItem> {
    const item = this.#get(id);
    while (item.run) await item.run;
    return { ...item.info };
  }

  /** Cancels everything and waits for running items to stop. */
  async dispose(): Promise<void> {
    clearInterval(this.#timer);
    for (const item of this.#items.values()) if (item.state.is('running')) this.#stop(item, 'cancel');
    await Promise.all([...this.#items.values()].map((i) => i.run));
  }

  #get(id: string): QueueItem {
    const item = this.#items.get(id);
    if (!item) throw sftpError('SFTP_TRANSFER_UNKNOWN');
    return item;
  }

  #stop(item: QueueItem, reason: 'pause' | 'cancel'): void {
    item.stopReason = reason;
    item.controller?.abort(sftpError('SFTP_CANCELLED', { reason }));
    this.#withdrawQuestions(item);
  }

  #withdrawQuestions(item: QueueItem): void {
    for (const qid of item.questions) {
      const q = this.#questions.get(qid);
      this.#questions.delete(qid);
      this.#opts.emit('transfer.conflictGone', { questionId: qid });
      q?.resolve(null);
    }
    item.questions.clear();
  }

  #move(item: QueueItem, next: TransferState): void {
    item.state.to(next);
    item.info.state = next;
    if (next !== 'running') {
      item.info.speed = 0;
      item.info.eta = null;
    }
    this.#changed(item);
  }

  #changed(item: QueueItem): void {
    this.#opts.emit('transfer.changed', { ...item.info });
  }

  #pump(): void {
    let running = [...this.#items.values()].filter((i) => i.run).length;
    for (const item of this.#items.values()) {
      if (running >= this.#opts.itemsInParallel) break;
      if (!item.state.is('queued') || item.run) continue;
      running++;
      item.run = this.#run(item).finally(() => {
        delete item.run;
        this.#pump();
      });
    }
  }

  async #run(item: QueueItem): Promise<void> {
    const controller = new AbortController();
    item.controller = controller;
    delete item.stopReason;
    this.#move(item, 'running');
    try {
      await runItem(item, {
        client: this.#opts.client(item.info.sftpId),
        pipe: this.#opts.pipe,
        filesInParallel: this.#opts.filesInParallel,
        ...(this.#opts.smallFilesInParallel !== undefined
          ? { smallFilesInParallel: this.#opts.smallFilesInParallel }
          : {}),
        ...(this.#opts.helpers ? { helpers: () => this.#opts.helpers?.(item.info.sftpId) ?? Promise.resolve([]) } : {}),
        signal: controller.signal,
        stopReason: () => item.stopReason,
        planned: () => this.#changed(item),
        conflict: (q) => this.#ask(item, q),
        ...(this.#opts.localInPlace === false ? { localInPlace: false } : {}),
      });
      this.#move(item, item.stopReason === 'cancel' ? 'cancelled' : item.stopReason === 'pause' ? 'paused' : 'done');
    } catch (err) {
      if (item.stopReason) return this.#move(item, item.stopReason === 'cancel' ? 'cancelled' : 'paused');
      const e = toApiError(err instanceof HostdeckError ? err : err);
      item.info.error = { code: e.code, message: e.message };
      this.#move(item, 'failed');
    } finally {
      this.#withdrawQuestions(item);
    }
  }

  /** Asks about one clash, one question at a time per item; a standing "for all" answer is used without asking. */
  #ask(item: QueueItem, q: Omit<ConflictQuestion, 'questionId' | 'transferId'>): Promise<Resolution> {
    const next = item.asking.then(async (): Promise<Resolution> => {
      let choice = item.policy;
      if (!choice) {
        const questionId = randomBytes(9).toString('base64url');
        const answer = await new Promise<ConflictAnswer | null>((resolve) => {
          this.#questions.set(questionId, { item, resolve });
          item.questions.add(questionId);
          this.#opts.emit('transfer.conflict', { ...q, questionId, transferId: item.info.id });
        });
        if (!answer) throw sftpError('SFTP_CANCELLED');
        choice = answer.choice;
        if (answer.applyToAll) item.policy = choice;
      }
      if (choice === 'overwrite-if-newer') return q.incoming.mtimeMs > q.existing.mtimeMs ? 'overwrite' : 'skip';
      return choice;
    });
    item.asking = next.catch(() => undefined);
    return next;
  }

  #reportProgress(): void {
    const now = Date.now();
    const items = [];
    for (const item of this.#items.values()) {
      if (!item.state.is('running')) continue;
      const s = item.speed;
      const dt = (now - s.at) / 1000;
      if (dt <= 0) continue;
      const moved = item.info.bytesDone - s.bytes;
      const instant = Math.max(0, moved) / dt;
      // Exponential smoothing over about two seconds of samples.
      s.rate = s.rate === 0 ? instant : s.rate * 0.7 + instant * 0.3;
      s.at = now;
      s.bytes = item.info.bytesDone;
      if (moved === 0 && !item.moved) continue;
      item.moved = moved !== 0;
      const info = item.info;
      info.speed = Math.round(s.rate);
      info.eta = s.rate > 0 ? Math.ceil((info.bytesTotal - info.bytesDone) / s.rate) : null;
      items.push({
        id: info.id,
        state: info.state,
        bytesTotal: info.bytesTotal,
        bytesDone: info.bytesDone,
        filesTotal: info.filesTotal,
        filesDone: info.filesDone,
        speed: info.speed,
        eta: info.eta,
      });
    }
    if (items.length > 0) this.#opts.emit('transfer.progress', { items });
  }
}
