// The loopback WebSocket gateway: one-time tickets in, byte streams out. It
// answers every HTTP request itself, so a request that is not a valid ticket
// redemption from an allowed Origin and a loopback Host is refused before the
// upgrade and before any target is touched (docs/SECURITY.md "Gateway" 1–6).
import http from 'node:http';
import type { Duplex } from 'node:stream';
import type { AddressInfo } from 'node:net';
import type { WebSocketServer, WebSocket } from 'ws';
import { GatewayClose, GatewayCloseReason } from '../../shared/gateway-protocol.js';
import { Session, type SessionStats, type TrafficTotals } from './session.js';
import { TicketBook } from './ticket-book.js';
import { isAllowedOrigin, isLoopbackHost } from './loopback-guard.js';
import type { FileServer, TargetOpener } from './target.js';
import { wsPackage } from './ws-module.js';

/** Gateway settings: allowed Origins, ticket lifetime, size and backpressure limits (bytes), and a log line sink. */
export interface GatewayOptions {
  /** Exact Origin values a page may come from (e.g. 'http://127.0.0.1:5173'). */
  allowedOrigins: string[];
  /** How long an unredeemed ticket lives, in ms; at most 30 s (docs/SECURITY.md, "Gateway" 4). */
  ticketTtlMs?: number;
  /** Largest message the page may send, in bytes (default 1 MiB). */
  maxPayload?: number;
  /** Bytes queued towards one page above which its target is paused (default 1 MiB). */
  pageHighWaterMark?: number;
  /**
   * Cork the page socket across a burst of target reads (default true: +22–30%
   * server→client in bench/gateway.bench.ts --ab; false only to measure).
   */
  corkWrites?: boolean;
  /**
   * Receives one line per refused request or failed session. Lines never hold
   * a ticket or a URL: they say which check failed.
   */
  log?: (line: string) => void;
}

/**
 * Why an upgrade was refused: a Host header that is not loopback, an Origin not allowed, or a ticket that is not live.
 */
export type RefusalReason = 'host' | 'origin' | 'ticket';

/**
 * Counters for tests and the bench: sessions, live tickets, bytes and frames each way since start, refusals by reason,
 * and each open session's own counters.
 */
export interface GatewayStats {
  openSessions: number;
  totalSessions: number;
  liveTickets: number;
  bytesToPage: number;
  bytesFromPage: number;
  framesToPage: number;
  refused: Record<RefusalReason, number>;
  notFound: number;
  sessions: SessionStats[];
}

const MAX_TICKET_TTL_MS = 30_000;
/** Where file tickets are redeemed: GET /files/<ticket>. */
const FILES_PREFIX = '/files/';
const SHUTDOWN_GRACE_MS = 1_000;

/**
 * The loopback WebSocket gateway between the page and targets: listens on 127.0.0.1 on an OS-chosen port, redeems
 * one-time tickets, and joins each page socket to its target in a Session.
 */
export class Gateway {
  /** The TCP port it listens on, on 127.0.0.1. */
  readonly port: number;
  readonly #server: http.Server;
  /** Made on the first upgrade, which is when ws is loaded (ws-module.ts). */
  #wss: WebSocketServer | null = null;
  readonly #tickets: TicketBook<TargetOpener>;
  readonly #files: TicketBook<FileServer>;
  readonly #origins: ReadonlySet<string>;
  readonly #opts: Required<Omit<GatewayOptions, 'log' | 'allowedOrigins'>>;
  readonly #log: (line: string) => void;
  readonly #sessions = new Set<Session>();
  readonly #totals: TrafficTotals = { bytesToPage: 0, bytesFromPage: 0, framesToPage: 0 };
  readonly #refused: Record<RefusalReason, number> = { host: 0, origin: 0, ticket: 0 };
  /** Which opener a request redeemed, between verifyClient and the upgrade callback. */
  readonly #redeemed = new WeakMap<http.IncomingMessage, TargetOpener>();
  #notFound = 0;
  #nextId = 1;
  #totalSessions = 0;
  #closing = false;

  /** Starts a gateway on 127.0.0.1 and an OS-chosen port. */
  static async start(opts: GatewayOptions): Promise<Gateway> {
    checkOptions(opts);
    const server = http.createServer();
    await new Promise<void>((resolve, reject) => {
      server.once('error', reject);
      // Loopback only: other machines must never reach it (docs/SECURITY.md Gateway 1).
      server.listen(0, '127.0.0.1', () => {
        server.off('error', reject);
        resolve();
      });
    });
    return new Gateway(server, opts);
  }

  private constructor(server: http.Server, opts: GatewayOptions) {
    const ttl = opts.ticketTtlMs ?? MAX_TICKET_TTL_MS;
    this.#server = server;
    this.port = (server.address() as AddressInfo).port;
    this.#origins = new Set(opts.allowedOrigins);
    this.#opts = {
      ticketTtlMs: ttl,
      maxPayload: opts.maxPayload ?? 1024 * 1024,
      pageHighWaterMark: opts.pageHighWaterMark ?? 1024 * 1024,
      corkWrites: opts.corkWrites ?? true,
    };
    this.#log = opts.log ?? (() => {});
    this.#tickets = new TicketBook(ttl);
    this.#files = new TicketBook(ttl);
    // No static files, no API: anything that is not an upgrade or a file
    // ticket's GET is a 404 with an empty body (docs/SECURITY.md Gateway 6).
    server.on('request', this.#serverOnRequest);
    server.on('upgrade', this.#serverOnUpgrade);
    // A handshake that never completes must not hold a socket for long.
    server.headersTimeout = 10_000;
    server.requestTimeout = 10_000;
  }

  /** A single-use `ws://127.0.0.1:<port>/<ticket>` URL that opens `opener`'s target. */
  issueTicket(opener: TargetOpener): string {
    if (this.#closing) throw new Error('Gateway is closed');
    return `ws://127.0.0.1:${this.port}/${this.#tickets.issue(opener)}`;
  }

  /**
   * A single-use `http://127.0.0.1:<port>/files/<ticket>` URL: the browser's
   * GET of it (a download the person started) is handed to `serve`, which
   * answers it. Same lifetime and checks as a WebSocket ticket.
   */
  issueFileUrl(serve: FileServer): string {
    if (this.#closing) throw new Error('Gateway is closed');
    return `http://127.0.0.1:${this.port}${FILES_PREFIX}${this.#files.issue(serve)}`;
  }

  /** Forgets an unredeemed ticket (given as the URL or the bare ticket); true if it was live. */
  revokeTicket(urlOrTicket: string): boolean {
    return this.#tickets.revoke(ticketFromPath(urlOrTicket.replace(/^ws:\/\/[^/]*/, '')));
  }

  /** A snapshot of the counters; cheap enough to poll. */
  stats(): GatewayStats {
    return {
      openSessions: this.#sessions.size,
      totalSessions: this.#totalSessions,
      liveTickets: this.#tickets.size + this.#files.size,
      bytesToPage: this.#totals.bytesToPage,
      bytesFromPage: this.#totals.bytesFromPage,
      framesToPage: this.#totals.framesToPage,
      refused: { ...this.#refused },
      notFound: this.#notFound,
      sessions: [...this.#sessions].map((s) => s.stats()),
    };
  }

  /** Closes every session with 1001 and stops listening. */
  async close(): Promise<void> {
    if (this.#closing) return;
    this.#closing = true;
    this.#tickets.clear();
    this.#files.clear();
    const sessions = [...this.#sessions];
    const allGone = new Promise<void>((resolve) => {
      const check = (): void => {
        if (this.#sessions.size === 0) resolve();
      };
      this.#onSessionGone = check;
      check();
    });
    for (const s of sessions) s.close({ code: GatewayClose.GOING_AWAY, reason: GatewayCloseReason.SHUTTING_DOWN });
    let timer: NodeJS.Timeout | undefined;
    await Promise.race([allGone, new Promise<void>((resolve) => (timer = setTimeout(resolve, SHUTDOWN_GRACE_MS)))]);
    clearTimeout(timer);
    for (const s of this.#sessions) s.terminate();
    this.#wss?.close();
    await new Promise<void>((resolve) => {
      this.#server.close(() => resolve());
      this.#server.closeAllConnections();
    });
  }

  #onSessionGone: () => void = () => {};

  #serverOnRequest = (req: http.IncomingMessage, res: http.ServerResponse): void => {
    if (req.method === 'GET' && (req.url ?? '').startsWith(FILES_PREFIX) && !this.#closing) return this.#file(req, res);
    this.#notFound++;
    res.writeHead(404, { 'Content-Length': '0', Connection: 'close' });
    res.end();
  };

  #serverOnUpgrade = (req: http.IncomingMessage, socket: Duplex, head: Buffer): void => {
    socket.on('error', socketOnError);
    // Only WebSocket upgrades exist here; anything else (h2c...) is not found.
    if (this.#closing || (req.headers.upgrade ?? '').toLowerCase() !== 'websocket') {
      this.#notFound++;
      socket.end('HTTP/1.1 404 Not Found\r\nContent-Length: 0\r\nConnection: close\r\n\r\n');
      socket.once('finish', () => socket.destroy());
      return;
    }
    // ws validates the handshake (400 for a bad key or version), then calls
    // #verify, which redeems the ticket, and only then upgrades.
    this.#webSocketServer().handleUpgrade(req, socket, head, (ws) => {
      socket.off('error', socketOnError);
      this.#admit(ws, req, socket);
    });
  };

  #webSocketServer(): WebSocketServer {
    this.#wss ??= new (wsPackage().WebSocketServer)({
      noServer: true,
      clientTracking: false,
      // Compression costs 30× throughput and opens zip-bomb style memory
      // attacks; RFB and terminal bytes gain little (docs/SECURITY.md Gateway 7).
      perMessageDeflate: false,
      maxPayload: this.#opts.maxPayload,
      verifyClient: (info, done) => this.#verify(info.req, done),
    });
    return this.#wss;
  }

  #verify(req: http.IncomingMessage, done: (ok: boolean, code?: number, message?: string) => void): void {
    // docs/SECURITY.md Gateway 3 (Host: DNS rebinding) and 2 (Origin: cross-site WebSockets).
    if (!isLoopbackHost(req.headers.host, this.port)) return this.#refuse('host', done);
    if (!isAllowedOrigin(req, this.#origins)) return this.#refuse('origin', done);
    // Checked last so that a refused Host or Origin never burns a ticket.
    // The rest of the URL (more path, a query) is ignored: the ticket alone
    // names the target (docs/SECURITY.md Gateway 5).
    const opener = this.#tickets.redeem(ticketFromPath(req.url ?? ''));
    if (opener === undefined) return this.#refuse('ticket', done);
    this.#redeemed.set(req, opener);
    done(true);
  }

  /**
   * A file ticket's GET. The checks of an upgrade (Host, then Origin when the
   * browser sent one, then the ticket), plus Sec-Fetch-Site: another site's
   * page may not start the download. A refusal answers 204 No Content, which
   * a browser's navigation treats as "stay on this page", so a stale link
   * never replaces Hostdeck's page with an error page.
   */
  #file(req: http.IncomingMessage, res: http.ServerResponse): void {
    const refuse = (reason: RefusalReason): void => {
      this.#refused[reason]++;
      this.#log(`gateway: refused a file request (${reason} check failed)`);
      res.writeHead(204, { 'Cache-Control': 'no-store', Connection: 'close' });
      res.end();
    };
    if (!isLoopbackHost(req.headers.host, this.port)) return refuse('host');
    const site = req.headers['sec-fetch-site'];
    if (req.headers.origin !== undefined && !isAllowedOrigin(req, this.#origins)) return refuse('origin');
    if (site !== undefined && site !== 'same-origin' && site !== 'same-site' && site !== 'none')
      return refuse('origin');
    const serve = this.#files.redeem(ticketFromPath((req.url ?? '').slice(FILES_PREFIX.length - 1)));
    if (serve === undefined) return refuse('ticket');
    res.on('error', () => undefined);
    serve(req, res);
  }

  #refuse(reason: RefusalReason, done: (ok: boolean, code?: number, message?: string) => void): void {
    this.#refused[reason]++;
    this.#log(`gateway: refused an upgrade (${reason} check failed)`);
    done(false, 403);
  }

  #admit(ws: WebSocket, req: http.IncomingMessage, socket: Duplex): void {
    const opener = this.#redeemed.get(req);
    this.#redeemed.delete(req);
    if (opener === undefined || this.#closing) {
      ws.close(GatewayClose.GOING_AWAY, GatewayCloseReason.SHUTTING_DOWN);
      return;
    }
    const session = new Session(this.#nextId++, ws, socket, this.#opts, this.#totals, (s) => {
      this.#sessions.delete(s);
      this.#onSessionGone();
    });
    this.#sessions.add(session);
    this.#totalSessions++;
    session.start(opener);
  }
}

function checkOptions(opts: GatewayOptions): void {
  if (opts.allowedOrigins.length === 0 || opts.allowedOrigins.includes('null'))
    throw new Error('Gateway needs allowed Origins (and never "null")');
  const ttl = opts.ticketTtlMs ?? MAX_TICKET_TTL_MS;
  if (!(ttl > 0 && ttl <= MAX_TICKET_TTL_MS)) throw new RangeError(`ticketTtlMs must be in (0, ${MAX_TICKET_TTL_MS}]`);
}

function socketOnError(this: Duplex): void {
  this.destroy();
}

/** The first path segment of a request target: '/abc/x?y' -> 'abc'. */
function ticketFromPath(path: string): string {
  const p = path.split('?', 1)[0] ?? '';
  return (p.startsWith('/') ? p.slice(1) : p).split('/', 1)[0] ?? '';
}
