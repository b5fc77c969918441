// Moving one file's bytes, pipelined: `inFlight` workers each keep one
// request of up to `requestSize` bytes outstanding, so at most
// inFlight × requestSize bytes are in memory whatever the file's size
// (backpressure both ways: a download issues no read while its data waits
// for the disk; an upload issues no write while the SSH channel is full).
// Offsets are JavaScript numbers, exact to 2^53, sent as SFTP's uint64.
// The choice of sizes is measured in bench/sftp.bench.ts (docs/SFTP.md).
import type { SftpClient } from './client.js';
import { localIoError, sftpError } from './errors.js';
import { OPEN_FLAGS } from './wire.js';

/** How one file is pipelined: request size in bytes and requests in flight (defaults: DEFAULT_PIPE). */
export interface PipeOptions {
  /** Bytes per READ/WRITE request (clamped to the server's limits). */
  requestSize: number;
  /** Requests outstanding at once for one file. */
  inFlight: number;
}

/**
 * Where a download's bytes go: a local file (a FileHandle fits), or a stream
 * that takes them in order (page-download.ts). `position` is the offset in
 * the file; a promise that resolves means the bytes are taken.
 */
export interface ByteSink {
  write(data: Buffer, at: number, len: number, position: number): Promise<unknown>;
}

/**
 * Where an upload's bytes come from: a local file (a FileHandle fits), or the
 * page's stream (page-upload.ts), which serves reads in increasing position.
 */
export interface ByteSource {
  read(buf: Buffer, at: number, len: number, position: number): Promise<{ bytesRead: number }>;
}

/** One file copy's cancel signal and byte-progress callback. */
export interface ByteJob {
  signal: AbortSignal;
  /** Called as bytes reach their destination. */
  onBytes(n: number): void;
}

/** Where a stopped transfer got to: every byte below `watermark` is written. */
export interface PipeResult {
  watermark: number;
}

/**
 * Runs `inFlight` workers over [start, size), each taking the next range.
 * The watermark is the lowest offset not yet done. Rejects with the first
 * error once every worker has stopped (so no write lands after it returns);
 * the error carries the watermark as `watermark`.
 */
async function runWorkers(
  start: number,
  size: number,
  step: number,
  count: number,
  signal: AbortSignal,
  move: (offset: number, len: number, slot: number) => Promise<void>,
): Promise<PipeResult> {
  let next = start;
  let failure: unknown;
  const current: Array<number | undefined> = [];
  const worker = async (slot: number): Promise<void> => {
    while (failure === undefined && next < size) {
      if (signal.aborted) throw signal.reason;
      const offset = next;
      const len = Math.min(step, size - offset);
      next += len;
      current[slot] = offset;
      await move(offset, len, slot);
      current[slot] = undefined;
    }
  };
  const results = await Promise.allSettled(
    Array.from({ length: Math.max(1, count) }, (_, slot) =>
      worker(slot).catch((err: unknown) => {
        failure ??= err;
        throw err;
      }),
    ),
  );
  const watermark = Math.min(next, ...current.filter((c): c is number => c !== undefined));
  if (results.some((r) => r.status === 'rejected')) throw Object.assign(asError(failure), { watermark });
  return { watermark: size };
}

function asError(err: unknown): Error {
  return err instanceof Error ? err : new Error(String(err));
}

/**
 * Downloads remote bytes [start, size) into `fd` at the same offsets, then
 * checks the file ends exactly at `size`. Throws SFTP_SIZE_CHANGED (shorter
 * or longer than said), SFTP_LOCAL_IO, the client's SFTP_ codes, or the
 * signal's reason; each with `watermark`.
 */
export async function downloadBytes(
  client: SftpClient,
  remote: Buffer,
  fd: ByteSink,
  range: { start: number; size: number },
  opts: PipeOptions,
  job: ByteJob,
): Promise<PipeResult> {
  const handle = await client.open(remote, OPEN_FLAGS.READ);
  const step = Math.min(opts.requestSize, client.limits.maxRead);
  try {
    await runWorkers(range.start, range.size, step, opts.inFlight, job.signal, async (offset, len) => {
      // The last request asks for one byte more: a byte past the size the
      // server gave means the file is longer than it said, and an exact answer
      // saves the round trip of a separate end-of-file read (OpenSSH's
      // sftp-server answers a regular file's READ with one read(2), in full).
      const last = offset + len === range.size;
      let done = 0;
      // A short read (the server may cap a request) is followed by a read of the rest.
      while (done < len) {
        const want = len - done + (last ? 1 : 0);
        const data = await client.read(handle, offset + done, want);
        if (data === null || data.length === 0) throw sftpError('SFTP_SIZE_CHANGED', { expected: range.size });
        if (done + data.length > len) throw sftpError('SFTP_SIZE_CHANGED', { expected: range.size });
        try {
          await fd.write(data, 0, data.length, offset + done);
        } catch (err) {
          throw localIoError(err, 'write');
        }
        done += data.length;
        job.onBytes(data.length);
      }
    });
    // An empty file (or a resume that had everything): one read says whether it is really at its end.
    if (range.start >= range.size && (await client.read(handle, range.size, 1)) !== null)
      throw Object.assign(sftpError('SFTP_SIZE_CHANGED', { expected: range.size }), { watermark: range.size });
    return { watermark: range.size };
  } finally {
    // Not awaited: the server answers in order, and nothing depends on the answer.
    client.closeHandle(handle).catch(() => undefined);
  }
}

/**
 * Uploads local bytes [start, size) of `fd` to an open remote handle.
 * Throws SFTP_SIZE_CHANGED when the local file is shorter than `size`,
 * SFTP_LOCAL_IO, the client's codes, or the signal's reason; each with
 * `watermark`.
 */
export async function uploadBytes(
  client: SftpClient,
  handle: Buffer,
  fd: ByteSource,
  range: { start: number; size: number },
  opts: PipeOptions,
  job: ByteJob,
): Promise<PipeResult> {
  const step = Math.min(opts.requestSize, client.limits.maxWrite);
  // Only as many packets as there are requests: an 8 KiB file needs one, not inFlight.
  const slots = Math.max(1, Math.min(opts.inFlight, Math.ceil((range.size - range.start) / step)));
  const packets = Array.from({ length: slots }, () =>
    client.writePacket(handle, Math.min(step, Math.max(1, range.size))),
  );
  return runWorkers(range.start, range.size, step, slots, job.signal, async (offset, len, slot) => {
    const packet = packets[slot] as (typeof packets)[number];
    let got: number;
    try {
      ({ bytesRead: got } = await fd.read(packet.buf, packet.dataAt, len, offset));
    } catch (err) {
      throw localIoError(err, 'read');
    }
    if (got !== len) throw sftpError('SFTP_SIZE_CHANGED', { expected: range.size });
    if (client.congested) await client.drained();
    await client.write(packet, offset, len);
    job.onBytes(len);
  });
}
