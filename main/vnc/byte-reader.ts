// Bytes from a peer, read as the handshake needs them: "give me n bytes"
// resolves when n have arrived, however the network chopped them. Pushing and
// reading are apart, so the protocol code never touches a socket.

/**
 * Turns a socket's chunks into exact-length reads for the RFB handshake (RFC 6143 §7 messages are length-prefixed,
 * never framed): one pending read at a time, resolved once enough bytes have arrived, however they were split.
 */
export class ByteReader {
  #chunks: Buffer[] = [];
  #buffered = 0;
  #waiting: { n: number; resolve: (b: Buffer) => void; reject: (e: Error) => void } | undefined;
  #failure: Error | undefined;

  readonly #onEnd: () => Error;

  /**
   * @param onEnd makes the error a read gets once the peer has ended (called
   *   at that read, so it can say which step was cut short).
   */
  constructor(onEnd: () => Error) {
    this.#onEnd = onEnd;
  }

  /** Bytes buffered and not yet read. */
  get length(): number {
    return this.#buffered;
  }

  /** Adds bytes from the peer; ignored after a failure or end. May resolve the pending read. */
  push(chunk: Buffer): void {
    if (this.#failure || chunk.length === 0) return;
    this.#chunks.push(chunk);
    this.#buffered += chunk.length;
    this.#settle();
  }

  /** No more bytes will come: a pending or later read beyond what is buffered fails. */
  end(err?: Error): void {
    if (this.#failure) return;
    this.#failure = err ?? this.#onEnd();
    this.#settle();
  }

  /**
   * Resolves with exactly `n` bytes (a copy). Rejects when the peer ended or failed first (the onEnd error, e.g.
   * VNC_SERVER_CLOSED), or with a plain Error if a read is already pending (a bug).
   */
  read(n: number): Promise<Buffer> {
    if (this.#waiting) return Promise.reject(new Error('ByteReader: one read at a time'));
    return new Promise((resolve, reject) => {
      this.#waiting = { n, resolve, reject };
      this.#settle();
    });
  }

  /** One unsigned byte (RFC 6143 §7 U8). */
  async readU8(): Promise<number> {
    return (await this.read(1)).readUInt8(0);
  }

  /** A big-endian U16 (RFC 6143 §7: all multi-byte integers are big-endian). */
  async readU16(): Promise<number> {
    return (await this.read(2)).readUInt16BE(0);
  }

  /** A big-endian U32 (RFC 6143 §7), e.g. a reason-string length. */
  async readU32(): Promise<number> {
    return (await this.read(4)).readUInt32BE(0);
  }

  /** Everything buffered and not read yet (the reader is empty afterwards). */
  takeRest(): Buffer {
    const rest = Buffer.concat(this.#chunks);
    this.#chunks = [];
    this.#buffered = 0;
    return rest;
  }

  #settle(): void {
    const w = this.#waiting;
    if (!w) return;
    if (this.#buffered >= w.n) {
      this.#waiting = undefined;
      w.resolve(this.#take(w.n));
    } else if (this.#failure) {
      this.#waiting = undefined;
      w.reject(this.#failure);
    }
  }

  #take(n: number): Buffer {
    const all = this.#chunks.length === 1 ? (this.#chunks[0] as Buffer) : Buffer.concat(this.#chunks);
    const out = Buffer.from(all.subarray(0, n));
    const rest = all.subarray(n);
    this.#chunks = rest.length > 0 ? [rest] : [];
    this.#buffered = rest.length;
    return out;
  }
}
