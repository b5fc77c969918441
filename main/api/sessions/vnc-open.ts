// Opening VNC sessions. The VNC login happens here in main (main/vnc), so a
// VNC password never reaches the page; the page's ticket carries an already
// authenticated stream. Through an SSH host, the VNC connection is a
// forwardOut channel on a pooled SSH connection.
import type { Duplex } from 'node:stream';
import { HostdeckError } from '../../../shared/errors.js';
import type { SavedHost } from '../../../shared/model/host.js';
import type { SessionOptions, SessionTicket, VncTicketInfo } from '../../../shared/api/contract.js';
import type { Lease } from '../../ssh/pool.js';
import { openTunnel } from '../../ssh/tunnel.js';
import type { AddressBookStore } from '../../store/address-book-store.js';
import type { VncCertificateTrust } from '../../vnc/cert-trust.js';
import {
  connectTcp,
  openAuthenticatedVnc,
  type AuthenticatedVnc,
  type OpenVncOptions,
  type VncCertificateInfo,
} from '../../vnc/index.js';
import type { PromptBroker } from '../prompt-broker.js';
import { canSeal, rememberSecret, type Emit } from './remember.js';
import type { SshOpener } from './ssh-open.js';
import type { TicketRegistry } from './ticket-registry.js';

/**
 * What VncOpener needs: the store, certificate trust, prompts, tickets, the SSH opener (for viaSshHostId tunnels), the
 * event sender and the connect log.
 */
export interface VncOpenContext {
  store: AddressBookStore;
  certs: VncCertificateTrust;
  prompts: PromptBroker;
  tickets: TicketRegistry;
  ssh: SshOpener;
  emit: Emit;
  /** The connect log: one line per VNC connection, saying how it is secured. */
  log: (line: string) => void;
}

/**
 * Opens VNC sessions for saved hosts: main logs in (password and certificate prompts through the broker), optionally
 * through an SSH tunnel, and issues the gateway ticket for the page.
 */
export class VncOpener {
  readonly #ctx: VncOpenContext;

  constructor(ctx: VncOpenContext) {
    this.#ctx = ctx;
  }

  /**
   * Connects and logs in to a saved VNC host, then issues its ticket. Throws
   * the VNC_ codes of openAuthenticatedVnc and, through an SSH host, what
   * SshOpener.lease throws.
   */
  async open(host: SavedHost, opts: SessionOptions, signal: AbortSignal): Promise<SessionTicket> {
    const { store, ssh, log } = this.#ctx;
    const via = host.vnc?.viaSshHostId;
    const viaName = via ? store.getHost(via).name : undefined;
    let viaLease: Lease | undefined;
    const where = `VNC "${host.name}" (${hostPort(host.address, host.port)})`;
    try {
      if (via) viaLease = (await ssh.lease(via, opts.openId, signal)).lease;
      const result = await openAuthenticatedVnc(this.#connectOptions(host, opts.openId, viaLease, signal));
      store.markConnected(host.id);
      const { sessionId, url } = this.#ticket(result.stream, viaLease);
      const info = vncTicketInfo(result, host, viaName);
      log(`${where}: connected with ${result.security}; ${describeWire(info, result)}`);
      return { sessionId, kind: 'vnc', url, title: host.name, vnc: info };
    } catch (err) {
      viaLease?.release();
      log(
        `${where}: not connected: ${err instanceof HostdeckError ? `${err.code}: ${err.message}` : 'an internal error'}`,
      );
      throw err;
    }
  }

  #connectOptions(host: SavedHost, openId: string, viaLease: Lease | undefined, signal: AbortSignal): OpenVncOptions {
    return {
      connect: () =>
        viaLease
          ? openTunnel(viaLease.connection, host.address, host.port)
          : connectTcp(host.address, host.port, signal),
      password: (sig) => this.#password(host, openId, sig),
      trustCertificate: (info, sig) => this.#trustCertificate(host, openId, info, sig),
      shared: host.vnc?.shared ?? true,
      // An SSH tunnel is encryption enough: the person chose that path
      // (the status line says where the SSH leg ends).
      requireEncryption: (host.vnc?.requireEncryption ?? false) && viaLease === undefined,
      signal,
      ...(host.username ? { username: host.username } : {}),
    };
  }

  async #password(host: SavedHost, openId: string, signal: AbortSignal): Promise<string | undefined> {
    const { store, prompts } = this.#ctx;
    const saved = store.useSecret(host.id, 'vncPassword');
    if (saved !== undefined) return saved;
    const a = await prompts.ask(
      {
        kind: 'secret',
        openId,
        secret: 'vncPassword',
        host: host.address,
        port: host.port,
        hostName: host.name,
        attempt: 1,
        canRemember: canSeal(store),
      },
      signal,
    );
    if (!a || a.type !== 'secret' || a.value === null) return undefined;
    if (a.remember) rememberSecret(store, this.#ctx.emit, host.id, 'vncPassword', a.value);
    return a.value;
  }

  async #trustCertificate(
    host: SavedHost,
    openId: string,
    info: CertificateFacts,
    signal: AbortSignal,
  ): Promise<boolean | 'changed'> {
    const { certs, prompts } = this.#ctx;
    const verdict = certs.verdict(host.address, host.port, info.fingerprint);
    if (verdict !== 'unknown') return verdict === 'trusted' ? true : 'changed';
    const a = await prompts.ask(
      {
        kind: 'vncCertificate',
        openId,
        host: host.address,
        port: host.port,
        fingerprint: info.fingerprint,
        subject: info.subject,
        issuer: info.issuer,
        validTo: info.validTo,
      },
      signal,
    );
    const ok = a?.type === 'decision' && a.accept;
    if (ok) certs.remember(host.address, host.port, info.fingerprint);
    return ok;
  }

  #ticket(stream: Duplex, viaLease: Lease | undefined): { sessionId: string; url: string } {
    // Until the page redeems the ticket nobody listens: a server that goes
    // away meanwhile makes the stream emit 'error', which unheard would
    // bring main down. The gateway adds its own handling when it takes it.
    stream.on('error', () => undefined);
    if (viaLease) stream.once('close', () => viaLease.release());
    return this.#ctx.tickets.issue(
      async () => stream,
      () => undefined,
      () => stream.destroy(),
    );
  }
}

type CertificateFacts = VncCertificateInfo;

function hostPort(address: string, port: number): string {
  return address.includes(':') ? `[${address}]:${port}` : `${address}:${port}`;
}

/** An address that, seen from the SSH host, is that host itself. */
function isLoopback(address: string): boolean {
  const a = address.toLowerCase();
  return a === 'localhost' || a === '::1' || /^127\.\d+\.\d+\.\d+$/.test(a) || /^::ffff:127\./.test(a);
}

/**
 * What the page is told about a VNC connection's security: TLS with the
 * server, else the SSH tunnel (all the way when the VNC server is on the SSH
 * host itself, otherwise only as far as the SSH host), else nothing.
 */
export function vncTicketInfo(
  result: Pick<AuthenticatedVnc, 'security' | 'encrypted' | 'desktopName' | 'anonymousTlsSkipped'>,
  host: Pick<SavedHost, 'address' | 'port'>,
  viaName: string | undefined,
): VncTicketInfo {
  const wire = result.encrypted
    ? 'tls'
    : viaName === undefined
      ? 'none'
      : isLoopback(host.address)
        ? 'ssh'
        : 'ssh-partial';
  return {
    security: result.security,
    encrypted: wire === 'tls' || wire === 'ssh',
    wire,
    passthrough: result.security === 'passthrough',
    ...(result.desktopName !== undefined ? { desktopName: result.desktopName } : {}),
    ...(viaName !== undefined ? { via: viaName } : {}),
    ...(wire === 'ssh-partial' ? { target: hostPort(host.address, host.port) } : {}),
    ...(result.anonymousTlsSkipped ? { anonymousTlsSkipped: result.anonymousTlsSkipped } : {}),
  };
}

/** The connect log's account of the wire (English, like main's other logs). */
export function describeWire(info: VncTicketInfo, result: Pick<AuthenticatedVnc, 'tls'>): string {
  const skipped = info.anonymousTlsSkipped
    ? ` (the server's TLS is anonymous (${info.anonymousTlsSkipped.join(', ')}), which this TLS library cannot do: enable X509 on the server for TLS)`
    : '';
  switch (info.wire) {
    case 'tls': {
      const fingerprint = result.tls?.certificate
        ? `, certificate SHA256 ${result.tls.certificate.fingerprint}`
        : ', anonymous (no certificate)';
      return `encrypted (TLS ${result.tls?.protocol ?? '?'} ${result.tls?.cipher ?? '?'}${fingerprint})${info.via !== undefined ? `, inside SSH through "${info.via}"` : ''}`;
    }
    case 'ssh':
      return `encrypted by SSH through "${info.via ?? '?'}" all the way (the VNC server is on that host), no TLS with the VNC server${skipped}`;
    case 'ssh-partial':
      return `encrypted by SSH only as far as "${info.via ?? '?'}"; NOT encrypted from there to ${info.target ?? '?'}${skipped}`;
    case 'none':
      return `NOT encrypted: the screen and everything typed cross the network in the clear${skipped}`;
  }
}
