// What the tests of main's VNC login keep open, in one place so that each test
// file cleans up the same way: the logins' streams (destroyed after each test),
// recording relays and hand-written servers (closed after each test) and real
// Xvnc servers (stopped after all).
import { randomBytes } from 'node:crypto';
import type { Duplex } from 'node:stream';
import { expect } from 'vitest';
import { HostdeckError } from '../../shared/errors.js';
import type { AuthenticatedVnc, OpenVncOptions } from '../../main/vnc/index.js';
import { startXvnc, type Xvnc } from './xvnc.js';

/** main's openAuthenticatedVnc, passed in so a test can load main/vnc when it is ready to. */
export type VncOpener = (o: OpenVncOptions) => Promise<AuthenticatedVnc>;

export class VncRig {
  readonly #open: VncOpener;
  readonly #streams: Duplex[] = [];
  readonly #closables: Array<{ close(): Promise<void> }> = [];
  readonly #xvncs: Xvnc[] = [];

  constructor(open: VncOpener) {
    this.#open = open;
  }

  /** A login that must succeed; its stream is destroyed by closeEach(). */
  async open(o: OpenVncOptions): Promise<AuthenticatedVnc> {
    const result = await this.#open(o);
    this.#streams.push(result.stream);
    return result;
  }

  /** The HostdeckError a login fails with (fails the test if it succeeds). */
  async failure(o: OpenVncOptions): Promise<HostdeckError> {
    const err = await this.#open(o).then(
      (r) => {
        this.#streams.push(r.stream);
        throw new Error(`expected a failure, got ${r.security}`);
      },
      (e: unknown) => e,
    );
    expect(err).toBeInstanceOf(HostdeckError);
    return err as HostdeckError;
  }

  /** Keeps what `made` resolves to (a recording relay, a hand-written server) for closeEach() to close. */
  async closing<T extends { close(): Promise<void> }>(made: Promise<T>): Promise<T> {
    const closable = await made;
    this.#closables.push(closable);
    return closable;
  }

  /** A real Xvnc with a desktop name of its own (random unless given); stopped by stopServers(). */
  async xvnc(
    securityTypes: string,
    extraArgs: string[] = [],
    desktopName = `hd-${randomBytes(6).toString('hex')}`,
  ): Promise<Xvnc & { desktopName: string }> {
    const x = await startXvnc({ securityTypes, extraArgs, desktopName });
    this.#xvncs.push(x);
    return Object.assign(x, { desktopName });
  }

  /** For afterEach: destroys the logins' streams, then closes what closing() kept. */
  async closeEach(): Promise<void> {
    for (const s of this.#streams.splice(0)) s.destroy();
    for (const c of this.#closables.splice(0)) await c.close();
  }

  /** For afterAll: stops every Xvnc. */
  async stopServers(): Promise<void> {
    for (const x of this.#xvncs.splice(0)) await x.stop();
  }
}
