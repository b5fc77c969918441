// Serve mode: the browser moves its own files (docs/SFTP.md, "Serve mode").
// Uploads: files from an <input type=file> (webkitdirectory for a folder) or
// a drop; main queues them and the page streams each item's files over the
// item's one-time WebSocket, pulled one file at a time by main
// (shared/sftp-stream.ts). Downloads: main queues the item and the browser
// fetches its one-time URL as an attachment, into its own downloads.
// The page never learns or sends a local path: a File is all it holds.
import type { ApiClient } from '../api/client.js';
import { PAGE_UPLOAD_FRAME, parsePageUploadWant } from '../../../shared/sftp-stream.js';
import type { PageTransfer, RemotePath, TransferItem } from '../../../shared/sftp.js';

/** A file the page holds and its '/'-separated path inside its item. */
export interface PageFile {
  file: File;
  relative: string;
}

/** One queue item the page uploads: its files, and its folders when known (a drop sees empty ones; a file input does not). */
export interface PageItem {
  files: PageFile[];
  /** '/'-separated folder paths inside the item, empty folders included. */
  folders: string[];
}

/** Bytes the page lets queue on an upload socket before it waits (the gateway reads 256 KiB frames). */
const SOCKET_HIGH_WATER = 1024 * 1024;

/** Queues `groups` (one item each) for upload into `remoteDir` and streams them; returns the queued items. */
export async function uploadFromPage(
  api: ApiClient,
  sftpId: string,
  remoteDir: RemotePath,
  groups: PageItem[],
): Promise<TransferItem[]> {
  const items = groups.filter((g) => g.files.length + g.folders.length > 0);
  if (items.length === 0) return [];
  const queued = await api.call('transfers.uploadFromPage', {
    sftpId,
    remoteDir,
    items: items.map((g) => ({
      files: g.files.map((f) => ({
        relative: f.relative,
        size: f.file.size,
        mtimeMs: Math.max(0, f.file.lastModified),
      })),
      folders: g.folders,
    })),
  });
  queued.forEach((q, i) => streamItem(q, (items[i] as PageItem).files));
  return queued.map((q) => q.item);
}

/** Queues remote entries for the browser to download (a folder as one ZIP) and starts each download. */
export async function downloadToPage(api: ApiClient, sftpId: string, sources: RemotePath[]): Promise<TransferItem[]> {
  const queued = await api.call('transfers.downloadToPage', { sftpId, sources });
  // A link to another origin: the browser ignores `download`, and the
  // response's Content-Disposition makes it a download, not a navigation.
  for (const q of queued) {
    const a = document.createElement('a');
    a.href = q.url;
    a.rel = 'noopener noreferrer';
    a.hidden = true;
    document.body.append(a);
    a.click();
    a.remove();
  }
  return queued.map((q) => q.item);
}

/** Files chosen in the browser's own dialog: each file one item, or a folder (webkitdirectory) one item. */
export function pickPageFiles(folder: boolean, host: HTMLElement): Promise<PageItem[]> {
  return new Promise((resolve) => {
    const input = document.createElement('input');
    input.type = 'file';
    input.multiple = true;
    input.webkitdirectory = folder;
    input.hidden = true;
    input.tabIndex = -1;
    host.append(input);
    const done = (groups: PageFile[][]): void => {
      input.remove();
      resolve(groups.map((files) => ({ files, folders: [] })));
    };
    input.addEventListener('cancel', () => done([]), { once: true });
    input.addEventListener(
      'change',
      () => {
        const files = [...(input.files ?? [])];
        if (!folder) return done(files.map((file) => [{ file, relative: file.name }]));
        done(groupByTop(files.map((file) => ({ file, relative: file.webkitRelativePath || file.name }))));
      },
      { once: true },
    );
    input.click();
  });
}

/**
 * Files and folders of a drop: each dropped file is an item, each dropped
 * folder one item with every file inside it. Must be called inside the drop
 * event (the entries are gone after it returns); the walk itself is async.
 */
export function droppedFiles(data: DataTransfer): Promise<PageItem[]> {
  const entries = [...data.items]
    .filter((i) => i.kind === 'file')
    .map((i) => i.webkitGetAsEntry())
    .filter((e): e is FileSystemEntry => e !== null);
  return Promise.all(
    entries.map(async (e) => {
      const item: PageItem = { files: [], folders: [] };
      await walk(e, item);
      return item;
    }),
  );
}

/** Adds the files under `entry` to `item`, and every folder (so empty ones are made on the server too). */
async function walk(entry: FileSystemEntry, item: PageItem): Promise<void> {
  const relative = entry.fullPath.replace(/^\/+/, '');
  if (entry.isFile) {
    const file = await new Promise<File>((resolve, reject) => (entry as FileSystemFileEntry).file(resolve, reject));
    item.files.push({ file, relative });
    return;
  }
  item.folders.push(relative);
  const reader = (entry as FileSystemDirectoryEntry).createReader();
  // readEntries answers in batches until an empty one.
  for (;;) {
    const batch = await new Promise<FileSystemEntry[]>((resolve, reject) => reader.readEntries(resolve, reject));
    if (batch.length === 0) return;
    for (const child of batch) await walk(child, item);
  }
}

function groupByTop(files: PageFile[]): PageFile[][] {
  const groups = new Map<string, PageFile[]>();
  for (const f of files) {
    const top = f.relative.split('/')[0] ?? '';
    groups.set(top, [...(groups.get(top) ?? []), f]);
  }
  return [...groups.values()];
}

/** Answers main's requests on the item's socket: `begin`, then the file's bytes, one frame at a time. */
function streamItem(q: PageTransfer, files: PageFile[]): void {
  const ws = new WebSocket(q.url);
  ws.binaryType = 'arraybuffer';
  let current = 0;
  ws.addEventListener('message', (ev) => {
    if (typeof ev.data !== 'string') return;
    const want = parsePageUploadWant(ev.data);
    const f = want ? files[want.file] : undefined;
    if (!want || !f) return ws.close(1000);
    current = want.seq;
    void send(ws, want.seq, f.file, () => current === want.seq);
  });
}

/**
 * Sends `file` as request `seq`: `begin`, then slices of it (PAGE_UPLOAD_FRAME
 * each) as Blobs. The socket reads each Blob itself, off the page's thread:
 * the page neither reads nor copies the bytes, so a 1 GiB file costs it a few
 * thousand small tasks and no garbage. A Blob the socket cannot read fails the
 * whole socket (main then reports SFTP_PAGE_GONE), so a file that changed or
 * went away since it was chosen (NotReadableError) is looked for first, with
 * a one-byte read, and told to main as `failed` (SFTP_LOCAL_IO).
 */
async function send(ws: WebSocket, seq: number, file: File, still: () => boolean): Promise<void> {
  ws.send(JSON.stringify({ type: 'begin', seq }));
  if (!(await readable(file))) {
    if (ws.readyState === WebSocket.OPEN) ws.send(JSON.stringify({ type: 'failed', seq }));
    return;
  }
  for (let at = 0; at < file.size; at += PAGE_UPLOAD_FRAME) {
    // Main holds each frame until the server took it: wait while the socket's queue is full.
    while (ws.bufferedAmount > SOCKET_HIGH_WATER && ws.readyState === WebSocket.OPEN) await drain();
    if (!still() || ws.readyState !== WebSocket.OPEN) return;
    ws.send(file.slice(at, Math.min(file.size, at + PAGE_UPLOAD_FRAME)));
  }
}

/** False when the browser cannot read `file` any more (it changed or went away since it was chosen). */
async function readable(file: File): Promise<boolean> {
  try {
    await file.slice(0, Math.min(1, file.size)).arrayBuffer();
    return true;
  } catch {
    return false;
  }
}

/** A WebSocket has no drain event: the next look at bufferedAmount. */
function drain(): Promise<void> {
  return new Promise((r) => setTimeout(r, 10));
}
