// Serve mode downloads: a remote file or folder streamed into the browser's
// own download (the gateway's one-time `GET /files/<ticket>`), so main never
// writes the person's disk and the browser's download manager keeps the
// partial file. A file goes as it is; a folder as one ZIP (zip-stream.ts).
// Reads are pipelined as for any download (file-transfer.ts) and put back
// in order here; a read is not answered before the response took its bytes,
// so memory per item is the pipeline's, whatever the browser's speed.
import type { IncomingMessage, ServerResponse } from 'node:http';
import { HostdeckError, toApiError } from '../../shared/errors.js';
import { sftpError } from './errors.js';
import { downloadBytes, type ByteSink } from './file-transfer.js';
import type { PlannedFile } from './plan.js';
import type { QueueItem } from './transfer-queue.js';
import type { RunContext } from './transfer-run.js';
import { ZipStream } from './zip-stream.js';

/** How long main waits for the browser to fetch the URL (the gateway forgets the ticket after 30 s). */
const CONNECT_WAIT_MS = 35_000;

/** One item's HTTP response, once the browser fetched its URL (Gateway.issueFileUrl calls `serve`). */
export class PageDownloadSink {
  #res: ServerResponse | undefined;
  #waiters: Array<(res: ServerResponse | undefined) => void> = [];
  #expired = false;
  readonly #timer: NodeJS.Timeout;

  constructor() {
    this.#timer = setTimeout(() => {
      this.#expired = true;
      for (const w of this.#waiters.splice(0)) w(this.#res);
    }, CONNECT_WAIT_MS);
    this.#timer.unref();
  }

  /** The gateway's handler for the redeemed request (once). */
  readonly serve = (_req: IncomingMessage, res: ServerResponse): void => {
    clearTimeout(this.#timer);
    this.#res = res;
    for (const w of this.#waiters.splice(0)) w(res);
  };

  /** The response, once the browser asked; throws SFTP_PAGE_GONE when it never did, or already went away. */
  async response(signal: AbortSignal): Promise<ServerResponse> {
    let res = this.#res;
    if (!res && !this.#expired)
      res = await new Promise<ServerResponse | undefined>((resolve, reject) => {
        signal.addEventListener('abort', () => reject(signal.reason), { once: true });
        this.#waiters.push(resolve);
      });
    if (!res || res.headersSent || res.destroyed) throw sftpError('SFTP_PAGE_GONE');
    return res;
  }

  /** The item is over: an unused or unfinished response is ended (the browser marks it failed). */
  finish(): void {
    clearTimeout(this.#timer);
    this.#expired = true;
    for (const w of this.#waiters.splice(0)) w(undefined);
    if (this.#res && !this.#res.writableFinished) this.#res.destroy();
  }
}

/** Runs a page download item: headers, then the file's bytes or the folder's ZIP. Throws the first failure. */
export async function runPageDownload(item: QueueItem, ctx: RunContext, sink: PageDownloadSink): Promise<void> {
  const plan = item.plan;
  if (!plan) throw new Error('page download without a plan');
  const res = await sink.response(ctx.signal);
  const out = responseWriter(res);
  const single = plan.kind === 'file';
  const name = single ? plan.name : `${plan.name}.zip`;
  res.writeHead(200, {
    'Content-Type': single ? 'application/octet-stream' : 'application/zip',
    'Content-Disposition': contentDisposition(name),
    ...(single ? { 'Content-Length': String(Math.max(0, plan.files[0]?.size ?? 0)) } : {}),
    'Cache-Control': 'no-store',
    'X-Content-Type-Options': 'nosniff',
    'Content-Security-Policy': "sandbox; default-src 'none'",
    'Referrer-Policy': 'no-referrer',
  });
  try {
    if (single) await sendFile(item, ctx, plan.files[0] as PlannedFile, out);
    else await sendZip(item, ctx, out);
    await new Promise<void>((resolve) => res.end(resolve));
  } catch (err) {
    // A half-sent file or archive must not look whole: the browser marks the download failed.
    res.destroy();
    throw err;
  }
}

async function sendFile(item: QueueItem, ctx: RunContext, f: PlannedFile, out: (b: Buffer) => Promise<void>) {
  f.state = 'running';
  await downloadBytes(ctx.client, f.remote, inOrder(out), { start: 0, size: f.size }, ctx.pipe, {
    signal: ctx.signal,
    onBytes: (n) => progress(item, f, n),
  });
  f.state = 'done';
  item.info.filesDone++;
}

async function sendZip(item: QueueItem, ctx: RunContext, out: (b: Buffer) => Promise<void>): Promise<void> {
  const plan = item.plan as NonNullable<QueueItem['plan']>;
  const zip = new ZipStream(out);
  for (const folder of plan.folders) await zip.folder(zipPath(folder.local), 0);
  let firstError: unknown;
  for (const f of plan.files) {
    if (f.state === 'skipped' || f.state === 'done') continue;
    if (ctx.signal.aborted) throw ctx.signal.reason;
    let begun = false;
    let written = 0;
    const begin = async (): Promise<void> => {
      if (!begun) await zip.begin(zipPath(f.local), f.mtime, f.size, f.mode);
      begun = true;
    };
    f.state = 'running';
    try {
      const data = async (b: Buffer): Promise<void> => {
        await begin();
        written += b.length;
        await zip.data(b);
      };
      await downloadBytes(ctx.client, f.remote, inOrder(data), { start: 0, size: f.size }, ctx.pipe, {
        signal: ctx.signal,
        onBytes: (n) => progress(item, f, n),
      });
      await begin();
      await zip.end(written);
      f.state = 'done';
      item.info.filesDone++;
    } catch (err) {
      // Bytes already in the archive cannot be taken back; a file that failed before its first byte is left out.
      if (begun || ctx.stopReason() || isCode(err, 'SFTP_CLOSED') || isCode(err, 'SFTP_PAGE_GONE')) throw err;
      const e = toApiError(err);
      item.info.bytesDone -= f.bytesDone;
      [f.state, f.error, f.bytesDone] = ['failed', { code: e.code, message: e.message }, 0];
      item.info.filesFailed++;
      firstError ??= err;
    }
  }
  await zip.finish();
  if (firstError !== undefined) throw sftpError('SFTP_FAILURE', { failed: item.info.filesFailed });
}

function progress(item: QueueItem, f: PlannedFile, n: number): void {
  f.bytesDone += n;
  item.info.bytesDone += n;
}

function isCode(err: unknown, code: string): boolean {
  return err instanceof HostdeckError && err.code === code;
}

/** Folder components (already checked by names.ts) joined with '/', as ZIP names are. */
function zipPath(local: Buffer[]): Buffer {
  const parts: Buffer[] = [];
  local.forEach((c, i) => parts.push(...(i > 0 ? [Buffer.from('/'), c] : [c])));
  return Buffer.concat(parts);
}

/** Awaits each write: the response's buffer above its mark waits for 'drain'; a closed one is SFTP_PAGE_GONE. */
function responseWriter(res: ServerResponse): (b: Buffer) => Promise<void> {
  return (b) =>
    new Promise<void>((resolve, reject) => {
      if (res.destroyed) return reject(sftpError('SFTP_PAGE_GONE'));
      if (res.write(b)) return resolve();
      const done = (err?: unknown): void => {
        res.off('drain', done);
        res.off('close', gone);
        if (err) reject(err);
        else resolve();
      };
      const gone = (): void => done(sftpError('SFTP_PAGE_GONE'));
      res.on('drain', done);
      res.on('close', gone);
    });
}

/**
 * A ByteSink that hands chunks to `out` in file order. downloadBytes's workers
 * finish out of order; a chunk that arrives early waits (copied: its buffer
 * belongs to the reader) and its write resolves only once it was taken, so
 * at most one chunk per worker is held.
 */
function inOrder(out: (b: Buffer) => Promise<void>, start = 0): ByteSink {
  let next = start;
  const waiting = new Map<number, { data: Buffer; resolve(): void; reject(e: unknown): void }>();
  let flushing = false;
  let failed: unknown;
  const flush = async (): Promise<void> => {
    if (flushing) return;
    flushing = true;
    try {
      for (let w = waiting.get(next); w; w = waiting.get(next)) {
        waiting.delete(next);
        next += w.data.length;
        try {
          if (failed !== undefined) throw failed;
          await out(w.data);
          w.resolve();
        } catch (err) {
          failed ??= err;
          w.reject(err);
          for (const rest of waiting.values()) rest.reject(err);
          waiting.clear();
        }
      }
    } finally {
      flushing = false;
    }
  };
  return {
    write(data, at, len, position) {
      if (failed !== undefined) return Promise.reject(failed);
      const chunk = position === next ? data.subarray(at, at + len) : Buffer.from(data.subarray(at, at + len));
      return new Promise<void>((resolve, reject) => {
        waiting.set(position, { data: chunk, resolve, reject });
        void flush();
      });
    },
  };
}

/** RFC 6266 §4.3: an ASCII fallback and the exact name as RFC 8187 UTF-8. */
export function contentDisposition(name: string): string {
  const ascii = name.replace(/[^\x20-\x7e]|["\\%;]/g, '_') || 'download';
  const exact = encodeURIComponent(name).replace(/['()*]/g, (c) => `%${c.charCodeAt(0).toString(16).toUpperCase()}`);
  return `attachment; filename="${ascii}"; filename*=UTF-8''${exact}`;
}
