// The file browser's engine, as the API sees it: SFTP sessions (each one
// more channel on a host's pooled SSH connection, so the terminal tabs and
// the browser share one login), the folder operations, local handles and the
// transfer queue. Plain Node: the desktop shell injects its native dialog
// (pickLocal); serve mode has none.
import { randomBytes } from 'node:crypto';
import type {
  DeletePlan,
  LocalHandle,
  LocalPickPurpose,
  RemotePath,
  SftpEntry,
  SftpListing,
  SftpOpenTarget,
  SftpSessionInfo,
  PageDownloadRequest,
  PageTransfer,
  PageUploadRequest,
  TransferItem,
  TransferRequest,
} from '../../shared/sftp.js';
import type { FileServer, TargetOpener } from '../gateway/target.js';
import { PageDownloadSink } from './page-download.js';
import { PageUploadStream } from './page-upload.js';
import { localName } from './names.js';
import type { Lease } from '../ssh/pool.js';
import { SftpClient } from './client.js';
import { sftpError } from './errors.js';
import type { PipeOptions } from './file-transfer.js';
import { eachLimited, kindOf, listFolder, toEntry, walkRemote } from './listing.js';
import { LocalHandles } from './local-handles.js';
import { remoteBase, remoteBytes, toRemotePath } from './remote-path.js';
import { TransferQueue, type QueueEmit } from './transfer-queue.js';

/**
 * Defaults chosen by measurement (`npm run bench -- sftp --sweep`, docs/SFTP.md):
 * 256 KiB requests, clamped to what the server says it takes (OpenSSH's
 * sftp-server: 255 KiB, limits@openssh.com); 16 in flight per file (4 MiB:
 * 32 was no faster and doubles the memory); 16 small files at once (a small
 * file costs round trips, not bandwidth).
 */
export const DEFAULT_PIPE: PipeOptions = { requestSize: 256 * 1024, inFlight: 16 };
/** Files copied at once within one transfer item. */
export const DEFAULT_FILES_IN_PARALLEL = 16;
/**
 * Files that fit in one request (255 KiB with OpenSSH) copied at once within
 * one transfer item; a larger file counts as four of them, so sixteen large
 * files still hold at most 16 × 4 MiB. A small file costs round trips, not
 * bandwidth: more of them in flight hand the server and the SSH connection
 * fuller batches, fewer wake-ups and packets per file (docs/SFTP.md).
 */
export const DEFAULT_SMALL_FILES_IN_PARALLEL = 64;
/**
 * More SFTP channels an upload of many small files opens on the same
 * connection. OpenSSH's sftp-server is one single-threaded process per
 * channel and answers one request at a time; a small file's five requests
 * (create, write, times, close, rename) keep it, not the link, busy, and a
 * create that waits on the disk's journal stalls every other file. Four
 * servers share the work (docs/SFTP.md). Fewer when the server refuses
 * channels (MaxSessions).
 */
export const DEFAULT_HELPER_CHANNELS = 3;
/** Transfer items (one per enqueued source) running at once. */
export const DEFAULT_ITEMS_IN_PARALLEL = 2;
const PLAN_TTL_MS = 60_000;

/** What SftpService needs: an event sink, a pooled-connection lease, the desktop file picker, and transfer tuning. */
export interface SftpServiceOptions {
  emit: QueueEmit;
  /** A lease on the pooled connection for a target (asks through prompts tied to openId). */
  lease(target: SftpOpenTarget, openId: string, signal: AbortSignal): Promise<Lease>;
  /** Desktop: a native dialog; resolves with the chosen absolute paths ([] when cancelled). */
  pickLocal?: (purpose: LocalPickPurpose) => Promise<string[]>;
  /** The loopback gateway page transfers stream through (serve mode; the desktop page uses handles). */
  gateway?: () => { issueTicket(opener: TargetOpener): string; issueFileUrl(serve: FileServer): string };
  pipe?: PipeOptions;
  filesInParallel?: number;
  /** Files that fit in one request copied at once (default DEFAULT_SMALL_FILES_IN_PARALLEL, never below filesInParallel). */
  smallFilesInParallel?: number;
  /** More SFTP channels an upload of many small files may open (default DEFAULT_HELPER_CHANNELS; 0: none). */
  helperChannels?: number;
  itemsInParallel?: number;
  /** false: small files' local calls always go through the thread pool (default: in place on a local disk, local-fast.ts). */
  localInPlace?: boolean;
}

interface Session {
  client: SftpClient;
  lease: Lease;
  /** More channels open for transfers now (#helpers), at most helperChannels for the whole session. */
  helpers: number;
}

interface StoredPlan {
  sftpId: string;
  files: Buffer[];
  folders: Buffer[];
  summary: DeletePlan;
  timer: NodeJS.Timeout;
}

/** SFTP sessions by sftpId, delete plans (kept 60 s), local handles and the transfer queue behind the files API. */
export class SftpService {
  readonly #opts: SftpServiceOptions;
  readonly #sessions = new Map<string, Session>();
  readonly #plans = new Map<string, StoredPlan>();
  /** Opaque ids for local paths the page may read or write (LocalHandle). */
  readonly handles = new LocalHandles();
  /** Uploads and downloads, run over this service's sessions. */
  readonly queue: TransferQueue;

  constructor(opts: SftpServiceOptions) {
    this.#opts = opts;
    this.queue = new TransferQueue({
      emit: opts.emit,
      client: (id) => this.#session(id).client,
      pipe: opts.pipe ?? DEFAULT_PIPE,
      filesInParallel: opts.filesInParallel ?? DEFAULT_FILES_IN_PARALLEL,
      smallFilesInParallel: opts.smallFilesInParallel ?? DEFAULT_SMALL_FILES_IN_PARALLEL,
      helpers: (id) => this.#helpers(id, opts.helperChannels ?? DEFAULT_HELPER_CHANNELS),
      itemsInParallel: opts.itemsInParallel ?? DEFAULT_ITEMS_IN_PARALLEL,
      ...(opts.localInPlace === false ? { localInPlace: false } : {}),
    });
  }

  /** Opens an SFTP channel on the target's pooled connection. Throws SFTP_UNAVAILABLE and the lease's codes. */
  async open(target: SftpOpenTarget, openId: string, signal: AbortSignal): Promise<SftpSessionInfo> {
    const lease = await this.#opts.lease(target, openId, signal);
    let client: SftpClient;
    try {
      client = await SftpClient.start(await lease.connection.subsystem('sftp'));
    } catch (err) {
      lease.release();
      throw sftpError('SFTP_UNAVAILABLE', undefined, err);
    }
    const sftpId = randomBytes(12).toString('base64url');
    this.#sessions.set(sftpId, { client, lease, helpers: 0 });
    client.once('close', (err: { code: string; message: string } | null) => {
      if (!this.#sessions.delete(sftpId)) return;
      lease.release();
      this.#opts.emit('sftp.closed', err ? { sftpId, error: { code: err.code, message: err.message } } : { sftpId });
    });
    const home = await client.realpath(Buffer.from('.'));
    return { sftpId, home: toRemotePath(home), homeText: home.toString('utf8') };
  }

  /**
   * More SFTP channels on a session's connection, opened at once, for one
   * item's small files: at most `max` for the whole session at a time (two
   * items running get what the first left), so they never crowd out the
   * terminal tabs sharing the connection (sshd's MaxSessions, 10 by default).
   * Channels the server refuses are left out: this never throws. The caller
   * closes them; a closed one frees its place.
   */
  async #helpers(sftpId: string, max: number): Promise<SftpClient[]> {
    const s = this.#sessions.get(sftpId);
    const n = s ? Math.max(0, max - s.helpers) : 0;
    if (!s || n === 0) return [];
    s.helpers += n;
    const opened = await Promise.allSettled(
      Array.from({ length: n }, async () => SftpClient.start(await s.lease.connection.subsystem('sftp'))),
    );
    const clients = opened.flatMap((r) => (r.status === 'fulfilled' ? [r.value] : []));
    s.helpers -= n - clients.length;
    for (const c of clients) c.once('close', () => s.helpers--);
    return clients;
  }

  /** Closes the channel and releases the lease; an unknown sftpId is ignored. No sftp.closed event. */
  close(sftpId: string): void {
    const s = this.#sessions.get(sftpId);
    if (!s) return;
    this.#sessions.delete(sftpId);
    s.client.close();
    s.lease.release();
  }

  /** The folder's entries with symlinks resolved. Throws SFTP_NO_SESSION, or the server's status as SFTP_NOT_FOUND, SFTP_PERMISSION_DENIED, SFTP_FAILURE, SFTP_LISTING_TOO_LONG, SFTP_LINK_LOOP. */
  async list(sftpId: string, path: RemotePath): Promise<SftpListing> {
    return listFolder(this.#session(sftpId).client, remoteBytes(path));
  }

  /** STAT (follows symlinks) of one path as an SftpEntry. Throws SFTP_NO_SESSION, or the server's status as SFTP_NOT_FOUND, SFTP_PERMISSION_DENIED, SFTP_FAILURE. */
  async stat(sftpId: string, path: RemotePath): Promise<SftpEntry> {
    const p = remoteBytes(path);
    const attrs = await this.#session(sftpId).client.stat(p);
    const entry = toEntry(Buffer.alloc(0), { name: Buffer.from(remoteBase(p)), longname: '', attrs });
    entry.path = path;
    return entry;
  }

  /** The canonical path (REALPATH), as bytes and as text. Throws SFTP_NO_SESSION, or the server's status as SFTP_NOT_FOUND, SFTP_PERMISSION_DENIED, SFTP_FAILURE. */
  async realpath(sftpId: string, path: RemotePath): Promise<{ path: RemotePath; text: string }> {
    const p = await this.#session(sftpId).client.realpath(remoteBytes(path));
    return { path: toRemotePath(p), text: p.toString('utf8') };
  }

  /** MKDIR with server-default permissions. Throws SFTP_NO_SESSION, or the server's status as SFTP_NOT_FOUND, SFTP_PERMISSION_DENIED, SFTP_FAILURE. */
  async mkdir(sftpId: string, path: RemotePath): Promise<void> {
    return this.#session(sftpId).client.mkdir(remoteBytes(path));
  }

  /** Renames (see SftpClient.rename for replacing an existing target). Throws SFTP_NO_SESSION, or the server's status as SFTP_NOT_FOUND, SFTP_PERMISSION_DENIED, SFTP_FAILURE. */
  async rename(sftpId: string, from: RemotePath, to: RemotePath): Promise<void> {
    return this.#session(sftpId).client.rename(remoteBytes(from), remoteBytes(to));
  }

  /** Sets permission bits (mode & 0o7777) with SETSTAT. Throws SFTP_NO_SESSION, or the server's status as SFTP_NOT_FOUND, SFTP_PERMISSION_DENIED, SFTP_FAILURE. */
  async chmod(sftpId: string, path: RemotePath, mode: number): Promise<void> {
    return this.#session(sftpId).client.setstat(remoteBytes(path), { mode: mode & 0o7777 });
  }

  /** Counts what deleting `paths` removes; links are removed, never followed. */
  async deletePlan(sftpId: string, paths: RemotePath[]): Promise<DeletePlan> {
    const { client } = this.#session(sftpId);
    const files: Buffer[] = [];
    const folders: Buffer[] = [];
    let bytes = 0;
    for (const path of paths) {
      const p = remoteBytes(path);
      const attrs = await client.lstat(p);
      if (kindOf(attrs) !== 'dir') {
        files.push(p);
        bytes += attrs.size ?? 0;
        continue;
      }
      const inner: Buffer[] = [p];
      await walkRemote(client, p, (node) => {
        if (node.kind === 'dir') return void inner.push(node.path);
        files.push(node.path);
        bytes += node.attrs.size ?? 0;
      });
      folders.push(...inner);
    }
    const planId = randomBytes(12).toString('base64url');
    const summary: DeletePlan = { planId, files: files.length, folders: folders.length, bytes };
    const timer = setTimeout(() => this.#plans.delete(planId), PLAN_TTL_MS);
    timer.unref();
    this.#plans.set(planId, { sftpId, files, folders, summary, timer });
    return summary;
  }

  /** Deletes what a plan counted: files first, then folders deepest first. Throws SFTP_PLAN_UNKNOWN. */
  async delete(planId: string): Promise<{ files: number; folders: number }> {
    const plan = this.#plans.get(planId);
    if (!plan) throw sftpError('SFTP_PLAN_UNKNOWN');
    this.#plans.delete(planId);
    clearTimeout(plan.timer);
    const { client } = this.#session(plan.sftpId);
    await eachLimited(plan.files, 16, (f) => client.remove(f));
    const deepestFirst = [...plan.folders].sort((a, b) => b.length - a.length);
    for (const d of deepestFirst) await client.rmdir(d);
    return { files: plan.files.length, folders: plan.folders.length };
  }

  /** Desktop: asks with a native dialog and issues handles. Throws SFTP_NO_LOCAL_FILES in serve mode. */
  async pick(purpose: LocalPickPurpose): Promise<LocalHandle[]> {
    if (!this.#opts.pickLocal) throw sftpError('SFTP_NO_LOCAL_FILES');
    const paths = await this.#opts.pickLocal(purpose);
    return paths.map((p) => this.handles.issue(p));
  }

  /** Queues one item per source. Throws SFTP_LOCAL_HANDLE_UNKNOWN, SFTP_NO_SESSION. */
  enqueue(req: TransferRequest): TransferItem[] {
    this.#session(req.sftpId);
    if (req.direction === 'download') {
      const localDir = this.handles.resolve(req.localDir, 'folder').path;
      return req.sources.map((src) => {
        const remote = remoteBytes(src);
        const source = { direction: 'download' as const, remote, localDir, followLinks: req.followLinks === true };
        return this.queue.add(req.sftpId, source, remoteBase(remote).toString('utf8'), remote.toString('utf8'));
      });
    }
    const remoteDir = remoteBytes(req.remoteDir);
    const sources = req.sources.map((id) => this.handles.resolve(id));
    return sources.map(({ path, handle }) =>
      this.queue.add(
        req.sftpId,
        { direction: 'upload', localPath: path, remoteDir },
        handle.name,
        remoteDir.toString('utf8'),
      ),
    );
  }

  /**
   * Serve mode: queues the page's own files, one item per entry of
   * req.items, each with a one-time ws:// URL the page streams its bytes to.
   * Throws SFTP_NO_SESSION, SFTP_UNSAFE_NAME (an item's own name), and
   * SFTP_NO_LOCAL_FILES when there is no gateway.
   */
  uploadFromPage(req: PageUploadRequest): PageTransfer[] {
    this.#session(req.sftpId);
    const gateway = this.#gateway();
    const remoteDir = remoteBytes(req.remoteDir);
    // Every item's name is checked before any is queued: a bad request queues nothing.
    const names = req.items.map((it) => {
      const first = it.files[0]?.relative ?? it.folders?.[0] ?? '';
      const root = localName(Buffer.from(first.split('/')[0] ?? '', 'utf8'), 'posix');
      if (!root) throw sftpError('SFTP_UNSAFE_NAME');
      return root.text;
    });
    return req.items.map((it, i) => {
      const page = new PageUploadStream(it.files, it.folders);
      const url = gateway.issueTicket(page.opener);
      const item = this.queue.add(
        req.sftpId,
        { direction: 'upload', page, remoteDir },
        names[i] as string,
        remoteDir.toString('utf8'),
      );
      return { item, url };
    });
  }

  /**
   * Serve mode: queues remote files or folders for the browser to fetch, one
   * item and one-time http:// URL each (a folder arrives as a ZIP). Throws
   * SFTP_NO_SESSION, SFTP_NO_LOCAL_FILES when there is no gateway.
   */
  downloadToPage(req: PageDownloadRequest): PageTransfer[] {
    this.#session(req.sftpId);
    const gateway = this.#gateway();
    return req.sources.map((src) => {
      const remote = remoteBytes(src);
      const page = new PageDownloadSink();
      const url = gateway.issueFileUrl(page.serve);
      const name = remoteBase(remote).toString('utf8');
      const item = this.queue.add(req.sftpId, { direction: 'download', remote, page }, name, remote.toString('utf8'));
      return { item, url };
    });
  }

  /** Pauses an item; a download into the browser cannot hold (SFTP_PAUSE_UNSUPPORTED). Throws SFTP_TRANSFER_UNKNOWN. */
  pause(id: string): void {
    const source = this.queue.source(id);
    if (source.direction === 'download' && 'page' in source) throw sftpError('SFTP_PAUSE_UNSUPPORTED');
    this.queue.pause(id);
  }

  #gateway(): ReturnType<NonNullable<SftpServiceOptions['gateway']>> {
    if (!this.#opts.gateway) throw sftpError('SFTP_NO_LOCAL_FILES', { reason: 'no gateway' });
    return this.#opts.gateway();
  }

  /** Stops the queue, closes every session and drops pending delete plans. */
  async dispose(): Promise<void> {
    await this.queue.dispose();
    for (const id of [...this.#sessions.keys()]) this.close(id);
    for (const p of this.#plans.values()) clearTimeout(p.timer);
    this.#plans.clear();
    this.handles.clear();
  }

  #session(sftpId: string): Session {
    const s = this.#sessions.get(sftpId);
    if (!s || s.client.closed) throw sftpError('SFTP_NO_SESSION');
    return s;
  }
}
