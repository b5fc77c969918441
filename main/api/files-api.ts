// The file browser's API: argument checks and routing to the SFTP engine
// (main/sftp/service.ts). Every argument is hostile until checked here: remote
// paths are bounded text or base64 without NUL; local files are only ever
// handle ids main issued (there is no parameter a local path could go in).
import { LIMITS } from '../../shared/model/host.js';
import {
  SFTP_LIMITS,
  type ConflictAnswer,
  type LocalPickPurpose,
  type PageDownloadRequest,
  type PageUploadFile,
  type PageUploadRequest,
  type RemotePath,
  type SftpApiMethods,
  type SftpOpenTarget,
  type TransferRequest,
} from '../../shared/sftp.js';
import { packListing } from '../../shared/sftp-listing.js';
import { sftpError } from '../sftp/errors.js';
import { SftpService, type SftpServiceOptions } from '../sftp/service.js';
import { noParams, type ApiModule } from './dispatcher.js';
import { arity, badRequest, obj, oneOf, str } from './param-checks.js';

type FileMethods = keyof SftpApiMethods;

/** The sftp.*, localFiles.* and transfers.* API methods, plus the SftpService behind them; dispose closes every SFTP session. */
export interface FilesModule extends ApiModule<FileMethods> {
  service: SftpService;
  dispose(): Promise<void>;
}

/** What filesApi needs: the SftpService options, with leases taken per saved host from the connection pool. */
export interface FilesContext extends Omit<SftpServiceOptions, 'lease'> {
  /** A pooled lease for a saved host (SessionsModule.leaseHost). */
  leaseHost: (hostId: string, openId: string) => ReturnType<SftpServiceOptions['lease']>;
  /** The live connection of an open SSH tab (SessionsModule.leaseSession); undefined when there is none. */
  leaseSession?: (sessionId: string) => ReturnType<SftpServiceOptions['lease']> | undefined;
}

const ID = 64;

/**
 * Builds the files API module. Params are checked before SftpService sees them;
 * a { sessionId } open target rides that SSH tab's live connection, or fails
 * with SFTP_NO_SESSION.
 */
export function filesApi(ctx: FilesContext): FilesModule {
  const service = new SftpService({
    ...ctx,
    lease: (target, openId) => {
      if ('hostId' in target) return ctx.leaseHost(target.hostId, openId);
      // An open tab's own connection (a quick-connect tab's too): shared, never logged into again.
      const lease = ctx.leaseSession?.(target.sessionId);
      if (!lease) return Promise.reject(sftpError('SFTP_NO_SESSION', { reason: 'not an open SSH tab' }));
      return lease.catch((err: unknown) =>
        Promise.reject(sftpError('SFTP_NO_SESSION', { reason: 'connection gone' }, err)),
      );
    },
  });
  const q = service.queue;
  return {
    service,
    dispose: () => service.dispose(),
    handlers: {
      'sftp.open': (target, options) => service.open(target, options.openId, new AbortController().signal),
      'sftp.close': (id) => (service.close(id), null),
      'sftp.list': async (id, path) => packListing(await service.list(id, path)),
      'sftp.stat': (id, path) => service.stat(id, path),
      'sftp.realpath': (id, path) => service.realpath(id, path),
      'sftp.mkdir': async (id, path) => (await service.mkdir(id, path), null),
      'sftp.rename': async (id, from, to) => (await service.rename(id, from, to), null),
      'sftp.chmod': async (id, path, mode) => (await service.chmod(id, path, mode), null),
      'sftp.deletePlan': (id, paths) => service.deletePlan(id, paths),
      'sftp.delete': (planId) => service.delete(planId),
      'localFiles.pick': (purpose) => service.pick(purpose),
      'transfers.enqueue': (req) => service.enqueue(req),
      'transfers.uploadFromPage': (req) => service.uploadFromPage(req),
      'transfers.downloadToPage': (req) => service.downloadToPage(req),
      'transfers.list': () => q.list(),
      'transfers.children': (id, offset, limit) => q.children(id, offset, limit),
      'transfers.pause': (id) => (service.pause(id), null),
      'transfers.resume': (id) => (q.resume(id), null),
      'transfers.cancel': (id) => (q.cancel(id), null),
      'transfers.retry': (id) => (q.retry(id), null),
      'transfers.clear': () => (q.clear(), null),
      'transfers.answerConflict': (qid, answer) => (q.answer(qid, answer), null),
    },
    checks: fileChecks(),
  };
}

function fileChecks(): ApiModule<FileMethods>['checks'] {
  const id = (v: unknown, name = 'sftpId'): string => str(v, name, ID);
  return {
    'sftp.open': (p) => (
      arity(p, 2),
      [openTarget(p[0]), { openId: str(obj(p[1], 'options')['openId'], 'openId', ID) }]
    ),
    'sftp.close': (p) => (arity(p, 1), [id(p[0])]),
    'sftp.list': (p) => (arity(p, 2), [id(p[0]), remotePath(p[1])]),
    'sftp.stat': (p) => (arity(p, 2), [id(p[0]), remotePath(p[1])]),
    'sftp.realpath': (p) => (arity(p, 2), [id(p[0]), remotePath(p[1])]),
    'sftp.mkdir': (p) => (arity(p, 2), [id(p[0]), remotePath(p[1])]),
    'sftp.rename': (p) => (arity(p, 3), [id(p[0]), remotePath(p[1]), remotePath(p[2])]),
    'sftp.chmod': (p) => (arity(p, 3), [id(p[0]), remotePath(p[1]), int(p[2], 'mode', 0, 0o7777)]),
    'sftp.deletePlan': (p) => (arity(p, 2), [id(p[0]), list(p[1], 'paths').map(remotePath)]),
    'sftp.delete': (p) => (arity(p, 1), [id(p[0], 'planId')]),
    'localFiles.pick': (p) => (
      arity(p, 1),
      [oneOf<LocalPickPurpose>(p[0], 'purpose', ['upload-files', 'upload-folder', 'download-folder'])]
    ),
    'transfers.enqueue': (p) => (arity(p, 1), [transferRequest(p[0])]),
    'transfers.uploadFromPage': (p) => (arity(p, 1), [pageUploadRequest(p[0])]),
    'transfers.downloadToPage': (p) => (arity(p, 1), [pageDownloadRequest(p[0])]),
    'transfers.list': noParams,
    'transfers.children': (p) => (
      arity(p, 3),
      [id(p[0], 'transferId'), int(p[1], 'offset', 0, 1e9), int(p[2], 'limit', 1, SFTP_LIMITS.childrenPage)]
    ),
    'transfers.pause': (p) => (arity(p, 1), [id(p[0], 'transferId')]),
    'transfers.resume': (p) => (arity(p, 1), [id(p[0], 'transferId')]),
    'transfers.cancel': (p) => (arity(p, 1), [id(p[0], 'transferId')]),
    'transfers.retry': (p) => (arity(p, 1), [id(p[0], 'transferId')]),
    'transfers.clear': noParams,
    'transfers.answerConflict': (p) => (arity(p, 2), [id(p[0], 'questionId'), conflictAnswer(p[1])]),
  };
}

function int(v: unknown, name: string, min: number, max: number): number {
  if (typeof v !== 'number' || !Number.isInteger(v) || v < min || v > max)
    throw badRequest(`${name} must be a whole number from ${min} to ${max}`);
  return v;
}

function list(v: unknown, name: string): unknown[] {
  if (!Array.isArray(v) || v.length < 1 || v.length > SFTP_LIMITS.sources)
    throw badRequest(`${name} must be a list of 1–${SFTP_LIMITS.sources} items`);
  return v;
}

/** A remote path: text, or base64 bytes; never empty, never NUL (SFTP strings end at none, servers' C strings at the first). */
export function remotePath(v: unknown): RemotePath {
  if (typeof v === 'string') {
    const p = str(v, 'path', SFTP_LIMITS.pathLength);
    if (p.includes('\0')) throw badRequest('path must not contain NUL');
    return p;
  }
  const o = obj(v, 'path');
  if (Object.keys(o).length !== 1) throw badRequest('path must be text or { b64 }');
  const b64 = str(o['b64'], 'path.b64', Math.ceil((SFTP_LIMITS.pathLength * 4) / 3) + 4);
  if (!/^[A-Za-z0-9+/]+={0,2}$/.test(b64)) throw badRequest('path.b64 must be base64');
  const bytes = Buffer.from(b64, 'base64');
  if (bytes.length === 0 || bytes.includes(0)) throw badRequest('path must not be empty or contain NUL');
  return { b64 };
}

function openTarget(v: unknown): SftpOpenTarget {
  const o = obj(v, 'target');
  const keys = Object.keys(o);
  if (keys.length === 1 && keys[0] === 'hostId') return { hostId: str(o['hostId'], 'hostId', LIMITS.idLength) };
  if (keys.length === 1 && keys[0] === 'sessionId') return { sessionId: str(o['sessionId'], 'sessionId', ID) };
  throw badRequest('target must be { hostId } or { sessionId }');
}

function only(o: Record<string, unknown>, allowed: readonly string[], name: string): void {
  for (const k of Object.keys(o)) if (!allowed.includes(k)) throw badRequest(`${name} has an unknown field "${k}"`);
}

function transferRequest(v: unknown): TransferRequest {
  const o = obj(v, 'request');
  const direction = oneOf(o['direction'], 'direction', ['upload', 'download'] as const);
  const sftpId = str(o['sftpId'], 'sftpId', ID);
  if (direction === 'upload') {
    only(o, ['direction', 'sftpId', 'sources', 'remoteDir'], 'request');
    const sources = list(o['sources'], 'sources').map((s, i) => str(s, `sources[${i}]`, ID));
    return { direction, sftpId, sources, remoteDir: remotePath(o['remoteDir']) };
  }
  only(o, ['direction', 'sftpId', 'sources', 'localDir', 'followLinks'], 'request');
  if (o['followLinks'] !== undefined && typeof o['followLinks'] !== 'boolean')
    throw badRequest('followLinks must be true or false');
  const req: TransferRequest = {
    direction,
    sftpId,
    sources: list(o['sources'], 'sources').map(remotePath),
    localDir: str(o['localDir'], 'localDir', ID),
  };
  if (o['followLinks'] === true) req.followLinks = true;
  return req;
}

/** The page's own files: '/'-separated relative paths (each item's files share their first component), sizes, times. */
function pageUploadRequest(v: unknown): PageUploadRequest {
  const o = obj(v, 'request');
  only(o, ['sftpId', 'remoteDir', 'items'], 'request');
  const items = list(o['items'], 'items').map((it, i) => {
    const io = obj(it, `items[${i}]`);
    only(io, ['files', 'folders'], `items[${i}]`);
    const files = pageList(io['files'], `items[${i}].files`).map((f, j) => pageFile(f, `items[${i}].files[${j}]`));
    const folders = io['folders'] === undefined ? [] : pageList(io['folders'], `items[${i}].folders`);
    const paths = folders.map((f, j) => pageRelative(f, `items[${i}].folders[${j}]`));
    if (files.length + paths.length < 1) throw badRequest(`items[${i}] must hold a file or a folder`);
    return { files, folders: paths };
  });
  const total = items.reduce((n, it) => n + it.files.length + it.folders.length, 0);
  if (total > SFTP_LIMITS.pageFiles)
    throw badRequest(`at most ${SFTP_LIMITS.pageFiles} files and folders in one request`);
  for (const [i, it] of items.entries()) {
    const tops = [...it.files.map((f) => f.relative), ...it.folders].map((r) => r.split('/')[0]);
    if (tops.some((top) => top !== tops[0]))
      throw badRequest(`items[${i}]: every file and folder must lie in the item's one top-level name`);
  }
  return { sftpId: str(o['sftpId'], 'sftpId', ID), remoteDir: remotePath(o['remoteDir']), items };
}

/** A list of a page item's files or folders: maybe empty, at most SFTP_LIMITS.pageFiles. */
function pageList(v: unknown, name: string): unknown[] {
  if (!Array.isArray(v) || v.length > SFTP_LIMITS.pageFiles)
    throw badRequest(`${name} must be a list of at most ${SFTP_LIMITS.pageFiles}`);
  return v;
}

/** A '/'-separated path inside a page item: text, bounded, no NUL (each component is checked when planned). */
function pageRelative(v: unknown, name: string): string {
  const relative = str(v, name, SFTP_LIMITS.pageRelative);
  if (relative.includes('\0')) throw badRequest(`${name} must not contain NUL`);
  return relative;
}

function pageFile(v: unknown, name: string): PageUploadFile {
  const o = obj(v, name);
  only(o, ['relative', 'size', 'mtimeMs'], name);
  return {
    relative: pageRelative(o['relative'], `${name}.relative`),
    size: int(o['size'], `${name}.size`, 0, Number.MAX_SAFE_INTEGER),
    mtimeMs: int(o['mtimeMs'], `${name}.mtimeMs`, 0, 8.64e15),
  };
}

function pageDownloadRequest(v: unknown): PageDownloadRequest {
  const o = obj(v, 'request');
  only(o, ['sftpId', 'sources'], 'request');
  const sources = list(o['sources'], 'sources');
  if (sources.length > 100) throw badRequest('at most 100 sources in one download to the page');
  return { sftpId: str(o['sftpId'], 'sftpId', ID), sources: sources.map(remotePath) };
}

function conflictAnswer(v: unknown): ConflictAnswer {
  const o = obj(v, 'answer');
  only(o, ['choice', 'applyToAll'], 'answer');
  const choice = oneOf(o['choice'], 'choice', ['overwrite', 'skip', 'rename', 'overwrite-if-newer'] as const);
  if (typeof o['applyToAll'] !== 'boolean') throw badRequest('applyToAll must be true or false');
  return { choice, applyToAll: o['applyToAll'] };
}
