// The file-browser contract: what the page sees of SFTP sessions and
// transfers, and the API methods and events that carry it. Pure (no Node, no
// DOM): main implements it (main/sftp/, main/api/files-api.ts), the page
// draws it. Everything here crosses the API as JSON, so numbers are plain
// numbers (sizes and offsets are exact up to 2^53 bytes, 8 PiB) and names
// that are not UTF-8 travel as base64 beside a display text.
//
// Two rules the types encode:
// - A remote name is text to show, never a path instruction: the page passes
//   back the `path` main gave it (or a path the person typed), and main never
//   lets a remote name choose where a local file goes.
// - The page never names a local path. Local files and folders are opaque
//   handles main issued, from a native dialog or an OS drop (LocalHandle).

import type { SftpListingPacked } from './sftp-listing.js';

/**
 * A path on the server. A string is sent as its UTF-8 bytes; `{ b64 }` is
 * the exact bytes (base64) of a path that is not valid UTF-8 (SFTP v3 names
 * are bytes, draft-ietf-secsh-filexfer-02 §6: any byte but NUL and '/').
 * Pass back what main gave you; a typed path is a string.
 */
export type RemotePath = string | { b64: string };

/** What an entry is (SFTPv3 permissions' S_IFMT bits; 'link' is a symlink seen with LSTAT). */
export type SftpEntryKind = 'file' | 'dir' | 'link' | 'other';

/** One directory entry, as sftp.list returns it. */
export interface SftpEntry {
  /**
   * The name to show: UTF-8 decoded, invalid bytes as U+FFFD. May contain
   * anything a server sends except '/' and NUL (those entries are dropped
   * and counted in SftpListing.refused).
   */
  name: string;
  /** The exact bytes of the name, base64, only when they are not valid UTF-8. */
  nameB64?: string;
  /** The entry's full path, to pass back to any method. */
  path: RemotePath;
  kind: SftpEntryKind;
  /** Bytes (exact up to 2^53). 0 when the server did not say. */
  size: number;
  /** Modification time, ms since the epoch (SFTPv3 carries whole seconds). 0 when unknown. */
  mtimeMs: number;
  /** st_mode as the server sent it (type and permission bits); 0 when unknown. */
  mode: number;
  uid?: number;
  gid?: number;
  /** Owner and group names, when the server says (OpenSSH's long name). */
  owner?: string;
  group?: string;
  /** Symlinks: where the link points (text) and what is there ('missing' or 'loop' when it cannot be reached). */
  link?: { target: string; targetKind: SftpEntryKind | 'missing' | 'loop' };
}

/** A folder as sftp.list returns it (READDIR over an OPENDIR handle, draft-ietf-secsh-filexfer-02 §6.7). */
export interface SftpListing {
  /** The folder's canonical path (after symlinks, REALPATH). */
  path: RemotePath;
  /** The canonical path as text, for the breadcrumb. */
  pathText: string;
  entries: SftpEntry[];
  /** Entries dropped because their name held '/' or NUL, or was '.' or '..'. */
  refused: number;
}

/** Where a file browser attaches: a saved SSH host, or the connection of an open SSH tab. */
export type SftpOpenTarget = { hostId: string } | { sessionId: string };

/** What sftp.open returns: the id every other sftp.* call takes, and where the browser starts. */
export interface SftpSessionInfo {
  sftpId: string;
  /** The login folder (REALPATH "."), where the browser starts. */
  home: RemotePath;
  homeText: string;
}

/** What sftp.deletePlan found: apply it by id with sftp.delete (main keeps the list). */
export interface DeletePlan {
  planId: string;
  files: number;
  folders: number;
  bytes: number;
}

// --- Local files --------------------------------------------------------

/**
 * A local file or folder main may read (upload source) or write into
 * (download target). `id` is opaque and unguessable; `name` is for display
 * only. Issued by localFiles.pick (a native dialog) or an OS drop through the
 * preload; a made-up id fails with SFTP_LOCAL_HANDLE_UNKNOWN.
 */
export interface LocalHandle {
  id: string;
  name: string;
  kind: 'file' | 'folder';
  /** Files: bytes. */
  size?: number;
}

/** Why localFiles.pick opens its native dialog: files or a folder to upload, or a folder to download into. */
export type LocalPickPurpose = 'upload-files' | 'upload-folder' | 'download-folder';

// --- Transfers ----------------------------------------------------------

/** Upload: local handles into a remote folder; download: remote paths into a local folder handle. */
export type TransferDirection = 'upload' | 'download';
/** A transfer item's lifecycle; done, failed and cancelled are final until transfers.retry. */
export type TransferState = 'queued' | 'running' | 'paused' | 'done' | 'failed' | 'cancelled';

/**
 * What to transfer. Uploads read local handles into a remote folder;
 * downloads write remote paths into a local folder handle. Serve mode has no
 * local handles: its page streams through the gateway (see docs/SFTP.md).
 */
export type TransferRequest =
  | { direction: 'upload'; sftpId: string; sources: string[]; remoteDir: RemotePath }
  | {
      direction: 'download';
      sftpId: string;
      sources: RemotePath[];
      /** A 'folder' LocalHandle id. */
      localDir: string;
      /** Follow symlinks that point out of a folder being downloaded (default false: they are skipped). */
      followLinks?: boolean;
    };

/** Counts every transfer item carries (a file: files 0/1). */
export interface TransferProgress {
  id: string;
  state: TransferState;
  bytesTotal: number;
  bytesDone: number;
  filesTotal: number;
  filesDone: number;
  /** Bytes per second, smoothed over the last few seconds; 0 when idle. */
  speed: number;
  /** Seconds left at the current speed; null when unknown. */
  eta: number | null;
}

/** One queue entry: a file, or a whole folder (one item with overall progress). */
export interface TransferItem extends TransferProgress {
  direction: TransferDirection;
  kind: 'file' | 'folder';
  sftpId: string;
  /** What to show: the source's name. */
  name: string;
  /** Remote side: the destination folder (upload) or the source path (download), as text. */
  remoteText: string;
  /** Files inside a folder item: fetch with transfers.children. 0 for a file. */
  children: number;
  /** Files in a folder that failed or were skipped (by conflict answers or unsafe names). */
  filesFailed: number;
  filesSkipped: number;
  /** Failed items: why. */
  error?: { code: string; message: string };
  createdAt: number;
}

/** One file of a folder item (transfers.children). */
export interface TransferChild {
  /** Path inside the folder, '/'-separated, sanitised (what was written locally, for downloads). */
  relative: string;
  state: TransferState | 'skipped';
  bytesTotal: number;
  bytesDone: number;
  error?: { code: string; message: string };
}

// --- Serve mode: the browser's own files -------------------------------

/** One file the page holds (a File from an input or a drop), by its path inside the item. */
export interface PageUploadFile {
  /** '/'-separated path; its first component is the item's name ("report.pdf", "photos/2024/a.jpg"). */
  relative: string;
  /** Bytes (File.size). */
  size: number;
  /** File.lastModified, ms since the epoch (0 when unknown). */
  mtimeMs: number;
}

/**
 * Serve mode upload: the page's own files into a remote folder, one queue item
 * per entry of `items` (a file, or a folder's files). Names are checked like
 * remote names (docs/SFTP.md, Safety); the bytes stream over the item's
 * one-time gateway URL (shared/sftp-stream.ts).
 */
export interface PageUploadRequest {
  sftpId: string;
  remoteDir: RemotePath;
  /**
   * `folders`: '/'-separated paths of the item's folders, under the same
   * first component as its files; the ones no file lies in (empty folders,
   * which only a drop can carry) are made too. An item may be folders only.
   */
  items: Array<{ files: PageUploadFile[]; folders?: string[] }>;
}

/** Serve mode download: remote files or folders into the browser's own downloads, one item (and URL) each. */
export interface PageDownloadRequest {
  sftpId: string;
  sources: RemotePath[];
}

/**
 * A queued page transfer and its one-time gateway URL: ws:// for an upload
 * (the page streams the bytes), http:// for a download (the browser fetches
 * it as an attachment; a folder arrives as one ZIP). Each URL works once and
 * only for about 30 s.
 */
export interface PageTransfer {
  item: TransferItem;
  url: string;
}

// --- Conflicts ----------------------------------------------------------

/** How a clash with an existing destination is settled; overwrite-if-newer compares mtimeMs. */
export type ConflictChoice = 'overwrite' | 'skip' | 'rename' | 'overwrite-if-newer';

/** Asked once per clash; an answer with applyToAll answers the rest of that transfer item. */
export interface ConflictQuestion {
  questionId: string;
  transferId: string;
  /** Where the clash is: the existing destination's name and path inside the item. */
  name: string;
  relative: string;
  existing: { size: number; mtimeMs: number };
  incoming: { size: number; mtimeMs: number };
  /** How many more clashes may follow in this item (0 for a file). */
  remaining: number;
}

/** The reply to a ConflictQuestion; applyToAll reuses the choice for the rest of that item. */
export interface ConflictAnswer {
  choice: ConflictChoice;
  applyToAll: boolean;
}

// --- Limits -------------------------------------------------------------

/** Caps main enforces on API input and output; over one fails with the SFTP_ code named per field. */
export const SFTP_LIMITS = {
  /** Longest remote path the API accepts (bytes of text or base64 text). */
  pathLength: 8192,
  /** Most entries sftp.list returns; a longer listing fails with SFTP_LISTING_TOO_LONG. */
  listEntries: 200_000,
  /** Most sources in one transfers.enqueue or paths in one deletePlan. */
  sources: 10_000,
  /** Largest page of transfers.children. */
  childrenPage: 1000,
  /** Most files in one transfers.uploadFromPage request (all items together). */
  pageFiles: 100_000,
  /** Longest relative path of a page file (characters). */
  pageRelative: 4096,
} as const;

// --- API ----------------------------------------------------------------

/** Method name → parameter tuple and result; merged into ApiMethods (shared/api/contract.ts). */
export interface SftpApiMethods {
  /** Opens an SFTP channel on the host's pooled SSH connection (asks through prompts like sessions.open). */
  'sftp.open': { params: [target: SftpOpenTarget, options: { openId: string }]; result: SftpSessionInfo };
  'sftp.close': { params: [sftpId: string]; result: null };
  /** LSTAT on every entry; symlinks also report their target. Packed by columns: unpackListing (sftp-listing.ts). */
  'sftp.list': { params: [sftpId: string, path: RemotePath]; result: SftpListingPacked };
  /** Follows symlinks (STAT). */
  'sftp.stat': { params: [sftpId: string, path: RemotePath]; result: SftpEntry };
  'sftp.realpath': { params: [sftpId: string, path: RemotePath]; result: { path: RemotePath; text: string } };
  'sftp.mkdir': { params: [sftpId: string, path: RemotePath]; result: null };
  'sftp.rename': { params: [sftpId: string, from: RemotePath, to: RemotePath]; result: null };
  /** Permission bits only (0–0o7777). */
  'sftp.chmod': { params: [sftpId: string, path: RemotePath, mode: number]; result: null };
  /** Counts what deleting these would remove (recursively, links not followed). */
  'sftp.deletePlan': { params: [sftpId: string, paths: RemotePath[]]; result: DeletePlan };
  /** Deletes what a plan counted; SFTP_PLAN_UNKNOWN when expired (60 s) or used. */
  'sftp.delete': { params: [planId: string]; result: { files: number; folders: number } };
  /** Desktop: a native dialog; [] when the person cancels. Serve: SFTP_NO_LOCAL_FILES. */
  'localFiles.pick': { params: [purpose: LocalPickPurpose]; result: LocalHandle[] };
  'transfers.enqueue': { params: [request: TransferRequest]; result: TransferItem[] };
  /** Serve mode: queues the page's own files; the page streams each item's bytes to its ws:// URL. */
  'transfers.uploadFromPage': { params: [request: PageUploadRequest]; result: PageTransfer[] };
  /** Serve mode: queues remote files or folders for the browser to fetch from each item's http:// URL. */
  'transfers.downloadToPage': { params: [request: PageDownloadRequest]; result: PageTransfer[] };
  'transfers.list': { params: []; result: TransferItem[] };
  'transfers.children': {
    params: [transferId: string, offset: number, limit: number];
    result: { total: number; children: TransferChild[] };
  };
  'transfers.pause': { params: [transferId: string]; result: null };
  'transfers.resume': { params: [transferId: string]; result: null };
  'transfers.cancel': { params: [transferId: string]; result: null };
  /** A failed or cancelled item runs again (a partial download resumes when size and mtime still match). */
  'transfers.retry': { params: [transferId: string]; result: null };
  /** Forgets finished items (done, failed, cancelled). */
  'transfers.clear': { params: []; result: null };
  'transfers.answerConflict': { params: [questionId: string, answer: ConflictAnswer]; result: null };
}

/** The method names in SftpApiMethods, for the dispatcher to register and the preload to allow. */
export const SFTP_API_METHODS = [
  'sftp.open',
  'sftp.close',
  'sftp.list',
  'sftp.stat',
  'sftp.realpath',
  'sftp.mkdir',
  'sftp.rename',
  'sftp.chmod',
  'sftp.deletePlan',
  'sftp.delete',
  'localFiles.pick',
  'transfers.enqueue',
  'transfers.uploadFromPage',
  'transfers.downloadToPage',
  'transfers.list',
  'transfers.children',
  'transfers.pause',
  'transfers.resume',
  'transfers.cancel',
  'transfers.retry',
  'transfers.clear',
  'transfers.answerConflict',
] as const satisfies ReadonlyArray<keyof SftpApiMethods>;

/** Event name → payload; merged into ApiEvents. */
export interface SftpApiEvents {
  /** An item was added or changed state (or its counts changed at a state change). */
  'transfer.changed': TransferItem;
  /** Running items' progress, batched (at most 4 a second, only items that moved). */
  'transfer.progress': { items: TransferProgress[] };
  /** Items forgotten (transfers.clear). */
  'transfer.removed': { ids: string[] };
  /** A clash: answer with transfers.answerConflict. */
  'transfer.conflict': ConflictQuestion;
  /** The question ended unanswered (its item was cancelled): close its dialog. */
  'transfer.conflictGone': { questionId: string };
  /** An SFTP session ended (its connection dropped, or the server closed the channel). */
  'sftp.closed': { sftpId: string; error?: { code: string; message: string } };
}

/** The event names in SftpApiEvents, for the preload to forward. */
export const SFTP_API_EVENTS = [
  'transfer.changed',
  'transfer.progress',
  'transfer.removed',
  'transfer.conflict',
  'transfer.conflictGone',
  'sftp.closed',
] as const satisfies ReadonlyArray<keyof SftpApiEvents>;
