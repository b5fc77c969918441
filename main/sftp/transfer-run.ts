// Running one queue item: plan it once (its files and totals), make its
// folders, then move its files a few at a time. A re-run (resume, retry)
// keeps the plan and skips files already done. Every local path is checked
// to lie inside the folder the person chose before anything is written.
import { HostdeckError, toApiError } from '../../shared/errors.js';
import type { ConflictQuestion } from '../../shared/sftp.js';
import type { SftpClient } from './client.js';
import { sftpError } from './errors.js';
import type { PipeOptions } from './file-transfer.js';
import { eachWeighted } from './listing.js';
import { downloadOne, makeLocalFolder, uploadOne, type MoveContext, type Resolution } from './move.js';
import { insideRoot, joinLocal } from './names.js';
import { planDownload, planUpload, type Plan, type PlannedFile } from './plan.js';
import { sep } from 'node:path';
import type { QueueItem } from './transfer-queue.js';
import { remoteParent } from './remote-path.js';
import { planPageUpload } from './page-plan.js';
import type { PageUploadStream } from './page-upload.js';
import { runPageDownload, type PageDownloadSink } from './page-download.js';
import { isFastLocal } from './local-fast.js';

/**
 * What one transfer item moves: a remote path into a local folder, a local
 * path into a remote folder, or (serve mode) the page's files into a remote
 * folder and a remote path into the browser's download.
 */
export type ItemSource =
  | { direction: 'download'; remote: Buffer; localDir: string; followLinks: boolean }
  | { direction: 'upload'; localPath: string; remoteDir: Buffer }
  | { direction: 'upload'; page: PageUploadStream; remoteDir: Buffer }
  | { direction: 'download'; remote: Buffer; page: PageDownloadSink };

/** What running an item needs from the queue: the client, pipelining and parallelism, stop signal and reason, and conflict asking. */
export interface RunContext {
  client: SftpClient;
  pipe: PipeOptions;
  filesInParallel: number;
  /** Files that fit in one request moved at once (default filesInParallel); a larger file counts as several. */
  smallFilesInParallel?: number;
  /** More SFTP clients on the same connection for an upload of many small files; the run closes them. */
  helpers?(): Promise<SftpClient[]>;
  signal: AbortSignal;
  stopReason(): 'pause' | 'cancel' | undefined;
  /** The plan is made: totals are known. */
  planned(): void;
  conflict(q: Omit<ConflictQuestion, 'questionId' | 'transferId'>): Promise<Resolution>;
  /** false: small files' local calls always go through the thread pool, even on a local disk (local-fast.ts). */
  localInPlace?: boolean;
}

/** Runs an item to its end; throws the first failure when nothing could be moved, or a stop. */
export async function runItem(item: QueueItem, ctx: RunContext): Promise<void> {
  try {
    await runPlanned(item, ctx);
    if ('page' in item.source) item.source.page.finish();
  } catch (err) {
    // A cancelled page item is over for good: its socket or response goes.
    if ('page' in item.source && ctx.stopReason() === 'cancel') item.source.page.finish();
    throw err;
  }
}

async function makePlan(item: QueueItem, ctx: RunContext, fastLocal: boolean): Promise<Plan> {
  const { source } = item;
  if (source.direction === 'download')
    return planDownload(ctx.client, source.remote, 'followLinks' in source && source.followLinks);
  if ('localPath' in source) return planUpload(source.localPath, source.remoteDir, fastLocal);
  const planned = planPageUpload(source.page.files, source.remoteDir, source.page.folders);
  pageIndex.set(planned.plan, planned.index);
  return planned.plan;
}

/** Serve-mode upload plans: which of the page's files each planned file is. */
const pageIndex = new WeakMap<Plan, Map<PlannedFile, number>>();

async function runPlanned(item: QueueItem, ctx: RunContext): Promise<void> {
  const { info, source } = item;
  const fastLocal = await localIsFast(source, ctx);
  if (!item.plan) {
    item.plan = await makePlan(item, ctx, fastLocal);
    info.kind = item.plan.kind;
    info.name = item.plan.name;
  }
  const plan = item.plan;
  const files = plan.files;
  info.children = plan.kind === 'folder' ? files.length : 0;
  info.filesTotal = files.filter((f) => f.state !== 'skipped').length;
  info.bytesTotal = files.reduce((n, f) => n + Math.max(0, f.size), 0);
  info.filesSkipped = files.filter((f) => f.state === 'skipped').length;
  info.filesFailed = 0;
  for (const f of files) if (f.state !== 'done' && f.state !== 'skipped') [f.state, f.bytesDone] = ['queued', 0];
  info.filesDone = files.filter((f) => f.state === 'done').length;
  info.bytesDone = files.reduce((n, f) => n + (f.state === 'done' || f.state === 'skipped' ? f.bytesDone : 0), 0);
  ctx.planned();
  if (source.direction === 'download' && 'page' in source) return runPageDownload(item, ctx, source.page);
  const fresh =
    source.direction === 'download'
      ? await makeDownloadFolders(plan.folders, source.localDir)
      : await makeUploadFolders(ctx.client, plan.folders);

  let firstError: unknown;
  // The page streams one file at a time over its one socket.
  const parallel = 'page' in source ? 1 : Math.max(1, ctx.filesInParallel);
  const small = 'page' in source ? 1 : Math.max(parallel, ctx.smallFilesInParallel ?? parallel);
  const oneRequest = Math.min(ctx.pipe.requestSize, ctx.client.limits.maxRead, ctx.client.limits.maxWrite);
  const isSmall = (f: PlannedFile): boolean => f.size >= 0 && f.size <= oneRequest;
  // A file that fits in one request holds one request's buffer; a larger one holds inFlight of them.
  const weight = (f: PlannedFile): number => (isSmall(f) ? 1 : small / parallel);
  const clients = [ctx.client, ...(await helpersFor(source, ctx, files.filter(isSmall).length, small))];
  try {
    await eachWeighted(files, small, weight, async (f) => {
      if (f.state === 'done' || f.state === 'skipped') return;
      if (ctx.signal.aborted) throw ctx.signal.reason;
      try {
        await moveFile(item, { ...ctx, client: leastBusy(clients) }, f, fresh, fastLocal);
      } catch (err) {
        if (ctx.stopReason() || isConnectionLost(err)) throw err;
        // One bad file does not stop a folder; the item reports how many failed.
        const e = toApiError(err);
        [f.state, f.error] = ['failed', { code: e.code, message: e.message }];
        info.filesFailed++;
        firstError ??= err;
      }
    });
  } finally {
    // Every file has settled (eachWeighted waits for them): nothing more goes over the helpers.
    for (const c of clients.slice(1)) c.close();
  }
  if (firstError !== undefined && (plan.kind === 'file' || info.filesDone === 0)) throw firstError;
  if (firstError !== undefined) throw sftpError('SFTP_FAILURE', { failed: info.filesFailed, done: info.filesDone });
}

/** Small files an upload must have before it asks for more SFTP channels: fewer are done before those open. */
const HELPERS_FROM = 256;

/** An upload of many small files from a local folder gets more SFTP clients (ctx.helpers); anything else none. */
async function helpersFor(
  source: ItemSource,
  ctx: RunContext,
  smallFiles: number,
  small: number,
): Promise<SftpClient[]> {
  if (source.direction !== 'upload' || 'page' in source || !ctx.helpers) return [];
  if (smallFiles < Math.max(HELPERS_FROM, small)) return [];
  return ctx.helpers();
}

/** The client with the fewest requests waiting for a reply. */
function leastBusy(clients: SftpClient[]): SftpClient {
  return clients.reduce((a, b) => (b.inFlight < a.inFlight ? b : a));
}

/** Whether this item's local side is a disk where small files' calls are done in place (local-fast.ts). */
async function localIsFast(source: ItemSource, ctx: RunContext): Promise<boolean> {
  if (ctx.localInPlace === false) return false;
  if ('localDir' in source) return isFastLocal(source.localDir);
  return 'localPath' in source ? isFastLocal(source.localPath) : false;
}

function isConnectionLost(err: unknown): boolean {
  return (
    err instanceof HostdeckError &&
    (err.code === 'SFTP_CLOSED' || err.code === 'SFTP_PROTOCOL' || err.code === 'SFTP_PAGE_GONE')
  );
}

async function moveFile(
  item: QueueItem,
  ctx: RunContext,
  f: PlannedFile,
  fresh: Set<string>,
  fastLocal: boolean,
): Promise<void> {
  const { info, source } = item;
  f.state = 'running';
  const move: MoveContext = {
    client: ctx.client,
    fastLocal,
    pipe: ctx.pipe,
    signal: ctx.signal,
    stopReason: ctx.stopReason,
    onBytes: (n) => {
      f.bytesDone += n;
      info.bytesDone += n;
    },
    ...('page' in source && source.direction === 'upload' ? { openSource: pageSource(item, ctx, source.page) } : {}),
    conflict: (existing) =>
      ctx.conflict({
        name: f.relative.slice(f.relative.lastIndexOf('/') + 1),
        relative: f.relative,
        existing,
        incoming: { size: Math.max(0, f.size), mtimeMs: f.mtime * 1000 },
        remaining: info.filesTotal - info.filesDone - 1,
      }),
  };
  let moved: boolean;
  try {
    if (source.direction === 'download' && 'localDir' in source) {
      const root = Buffer.from(source.localDir);
      const target = f.local.reduce((p, c) => joinLocal(p, c), root);
      if (!insideRoot(root, target)) throw sftpError('SFTP_UNSAFE_NAME', { relative: f.relative });
      const parent = target.subarray(0, target.lastIndexOf(sep.charCodeAt(0)));
      moved = await downloadOne(move, f, target, fresh.has(parent.toString('base64')));
    } else moved = await uploadOne(move, f, fresh.has(remoteParent(f.remote).toString('base64')));
  } catch (err) {
    info.bytesDone -= f.bytesDone;
    f.bytesDone = 0;
    f.state = 'queued';
    throw err;
  }
  if (moved) {
    f.state = 'done';
    info.filesDone++;
  } else {
    [f.state, f.bytesDone] = ['skipped', 0];
    info.filesSkipped++;
    info.filesTotal--;
    info.bytesTotal -= Math.max(0, f.size);
  }
}

function pageSource(item: QueueItem, ctx: RunContext, page: PageUploadStream): MoveContext['openSource'] {
  return async (f) => {
    const index = item.plan ? pageIndex.get(item.plan)?.get(f) : undefined;
    if (index === undefined) throw new Error('page upload file without an index');
    // An empty file needs no bytes: the page is not asked.
    if (f.size === 0) return { read: async () => ({ bytesRead: 0 }), close: async () => undefined };
    return page.source(index, ctx.signal);
  };
}

/** Makes the item's local folders; returns the ones it created (base64 of the path), where nothing can clash. */
async function makeDownloadFolders(folders: Array<{ local: Buffer[] }>, localDir: string): Promise<Set<string>> {
  const root = Buffer.from(localDir);
  const created = new Set<string>();
  for (const folder of folders) {
    const path = folder.local.reduce((p, c) => joinLocal(p, c), root);
    if (!insideRoot(root, path)) throw sftpError('SFTP_UNSAFE_NAME');
    if (await makeLocalFolder(path)) created.add(path.toString('base64'));
  }
  return created;
}

/** Makes the item's remote folders; returns the ones it created (base64 of the path), where nothing can clash. */
async function makeUploadFolders(client: SftpClient, folders: Array<{ remote: Buffer }>): Promise<Set<string>> {
  const created = new Set<string>();
  for (const folder of folders) {
    try {
      await client.mkdir(folder.remote);
      created.add(folder.remote.toString('base64'));
    } catch (err) {
      // An existing folder is merged into; anything else in the way fails.
      const st = await client.lstat(folder.remote).catch(() => null);
      if (!st || ((st.mode ?? 0) & 0o170000) !== 0o040000) throw err;
    }
  }
  return created;
}
