// The page's end of an authenticated VNC connection: the Duplex the gateway
// carries. It first plays the server's part of a handshake with the page
// (RfbPageHandshake), then moves bytes between page and server with
// backpressure both ways. Destroying it closes the server connection.
import { Duplex } from 'node:stream';
import { VncErrorCode } from '../../shared/vnc-protocol.js';
import type { ConnectionState } from './connection-state.js';
import { RfbPageHandshake, type PagePlan } from './rfb-page-handshake.js';
import { vncError } from './vnc-errors.js';

/**
 * What VncPageStream needs: the logged-in server connection, bytes already read past main's handshake, and the plan for
 * the page's handshake.
 */
export interface VncPageStreamOptions {
  /** The server connection after main's handshake (TLS or plain), paused. */
  server: Duplex;
  /** Server bytes that came after main's handshake; they follow the page's handshake. */
  serverRest: Buffer;
  /** Closes the server connection and everything under it (the TCP socket under TLS). */
  release: () => void;
  state: ConnectionState;
  plan: PagePlan;
  signal: AbortSignal | undefined;
}

/**
 * The page's end of a VNC connection: a Duplex that first plays the RFB server to the page (RfbPageHandshake), then
 * passes bytes both ways with backpressure. Destroyed with VNC_SERVER_CLOSED, VNC_TIMEOUT or VNC_ABORTED when the
 * server ends, a step times out or the signal aborts.
 */
export class VncPageStream extends Duplex {
  readonly #server: Duplex;
  readonly #release: () => void;
  readonly #state: ConnectionState;
  readonly #handshake: RfbPageHandshake;
  readonly #signal: AbortSignal | undefined;
  #serverRest: Buffer;
  #pendingWrite: ((err?: Error | null) => void) | undefined;

  constructor(options: VncPageStreamOptions) {
    // A VNC session has no half-close: when the server ends, the page's side ends too.
    super({ allowHalfOpen: false });
    this.#server = options.server;
    this.#release = options.release;
    this.#state = options.state;
    this.#signal = options.signal;
    this.#serverRest = options.serverRest;
    this.#handshake = new RfbPageHandshake(options.plan, (bytes) => this.push(bytes));

    this.#state.setTimeoutHandler((step) => this.destroy(vncError(VncErrorCode.Timeout, { step, side: 'page' })));
    this.#state.to('page-handshake');
    // Explicitly paused: attaching 'data' must not start the flow before the page is ready.
    this.#server.pause();
    this.#server.on('data', this.#serverOnData);
    this.#server.on('drain', this.#serverOnDrain);
    this.#server.on('end', this.#serverOnEnd);
    this.#server.on('error', this.#serverOnError);
    this.#server.on('close', this.#serverOnClose);
    this.#signal?.addEventListener('abort', this.#signalOnAbort);
    this.#handshake.start();
  }

  /**
   * Page bytes: fed to the page handshake until it is done, then written to the server, calling back when the server
   * drains. A bad handshake message fails the write with VNC_PROTOCOL_ERROR.
   */
  override _write(chunk: Buffer, _encoding: BufferEncoding, callback: (err?: Error | null) => void): void {
    if (this.#handshake.done) {
      this.#toServer(chunk, callback);
      return;
    }
    let rest: Buffer | undefined;
    try {
      rest = this.#handshake.push(chunk);
    } catch (err) {
      callback(err as Error);
      return;
    }
    if (rest === undefined) {
      callback();
      return;
    }
    this.#state.to('open');
    const early = this.#serverRest;
    this.#serverRest = Buffer.alloc(0);
    if (early.length > 0) this.push(early);
    this.#server.resume();
    if (rest.length > 0) this.#toServer(rest, callback);
    else callback();
  }

  /** Resumes the paused server stream once the page handshake is done (backpressure from the page's side). */
  override _read(): void {
    if (this.#handshake.done) this.#server.resume();
  }

  /** The page ended its side: end the server's too (a VNC session has no half-close). */
  override _final(callback: (err?: Error | null) => void): void {
    this.#server.end();
    callback();
  }

  /**
   * Releases everything: the step machine goes to closed, server listeners come off, the server connection is closed.
   */
  override _destroy(err: Error | null, callback: (err?: Error | null) => void): void {
    this.#state.close();
    this.#server.off('data', this.#serverOnData);
    this.#server.off('drain', this.#serverOnDrain);
    this.#server.off('end', this.#serverOnEnd);
    this.#server.off('close', this.#serverOnClose);
    // serverOnError stays: a late error from a socket being torn down must not crash main.
    this.#signal?.removeEventListener('abort', this.#signalOnAbort);
    this.#pendingWrite = undefined;
    this.#release();
    callback(err);
  }

  /** Writes to the server, holding the page's next write until the server drains. */
  #toServer(chunk: Buffer, callback: (err?: Error | null) => void): void {
    if (this.#server.write(chunk)) callback();
    else this.#pendingWrite = callback;
  }

  readonly #serverOnData = (chunk: Buffer): void => {
    if (!this.push(chunk)) this.#server.pause();
  };

  readonly #serverOnDrain = (): void => {
    const callback = this.#pendingWrite;
    this.#pendingWrite = undefined;
    callback?.();
  };

  readonly #serverOnEnd = (): void => {
    if (this.#handshake.done) this.push(null);
    else this.destroy(vncError(VncErrorCode.ServerClosed, { step: this.#state.step }));
  };

  readonly #serverOnError = (err: Error): void => {
    this.destroy(err);
  };

  readonly #serverOnClose = (): void => {
    // After 'end' the readable side finishes on its own; a close without it
    // (a reset, a destroyed channel) ends the session now.
    if (!this.#server.readableEnded) this.destroy(vncError(VncErrorCode.ServerClosed, { step: this.#state.step }));
  };

  readonly #signalOnAbort = (): void => {
    this.destroy(vncError(VncErrorCode.Aborted, { step: this.#state.step }, this.#signal?.reason));
  };
}
