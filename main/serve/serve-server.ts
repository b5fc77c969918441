// Serve mode's front door: the built page over HTTP and the API over a
// WebSocket, both on 127.0.0.1 only. The API socket is guarded like the
// gateway (Host, Origin, a per-launch token, refused before the upgrade), as
// Jupyter guards its kernels: any web page can reach a loopback port.
import { randomBytes } from 'node:crypto';
import { createServer, type IncomingMessage, type Server, type ServerResponse } from 'node:http';
import type { Duplex } from 'node:stream';
import type { RawData, WebSocket, WebSocketServer } from 'ws';
import { contentSecurityPolicy } from '../../shared/csp.js';
import { MAX_API_MESSAGE_BYTES, parseRpcRequest, type RpcServerMessage } from '../../shared/api/rpc.js';
import type { ApiDispatcher } from '../api/dispatcher.js';
import { isAllowedOrigin, isLoopbackHost, secretMatches } from '../gateway/loopback-guard.js';
import { wsPackage } from '../gateway/ws-module.js';
import { StaticFiles } from './static-files.js';

/**
 * How to start serve mode's HTTP server: port, the built page folder, the API dispatcher, extra connect-src sources,
 * and the per-launch token.
 */
export interface ServeServerOptions {
  /** 0 (the default) lets the OS choose. */
  port?: number;
  /** The built page (out/renderer). */
  staticDir: string;
  dispatcher: ApiDispatcher;
  /** Extra sources for the page's connect-src (the gateway's ws:// origin). */
  connectSources?: () => string[];
  /** Per-launch secret; generated when absent. */
  token?: string;
}

/** Path of the API WebSocket. */
export const API_PATH = '/api';

/**
 * The calls a page may ask in its socket's address (`/api?token=…&first=book.get,app.info`), which main then answers
 * as soon as the socket is open, unasked, as replies with ids 1, 2, … in the order named (the page counts its own
 * calls from there): the page's first screen needs both, and they no longer wait for the page to learn the socket is
 * open and send them. Only calls with no parameters that read: they go to a page that passed the same checks (token,
 * Origin, Host) as any call.
 */
export const FIRST_CALLS: readonly string[] = ['book.get', 'app.info'];

/**
 * Serve mode's HTTP server on 127.0.0.1: the built page as static files, and the API over a WebSocket at API_PATH that
 * needs the per-launch token.
 */
export class ServeServer {
  /** The TCP port it listens on, on 127.0.0.1. */
  readonly port: number;
  /**
   * Per-launch secret (base64url, 32 random bytes by default) that API connections must present; it reaches the page in
   * the URL fragment.
   */
  readonly token: string;
  readonly #http: Server;
  readonly #wss: WebSocketServer;
  readonly #sockets = new Set<WebSocket>();
  readonly #disposeEvents: () => void;

  private constructor(http: Server, port: number, token: string, dispatcher: ApiDispatcher) {
    this.#http = http;
    this.port = port;
    this.token = token;
    // ws is loaded here, before the URL line, although the desktop app loads it only on its first upgrade
    // (main/gateway/ws-module.ts): the page's first act is to open this socket, and loading ws after printing the URL
    // put its 100+ ms (under load) in the way of the page's own requests. No compression (CRIME/BREACH-style leaks,
    // CPU); bounded messages.
    this.#wss = new (wsPackage().WebSocketServer)({
      noServer: true,
      perMessageDeflate: false,
      maxPayload: MAX_API_MESSAGE_BYTES,
    });
    this.#disposeEvents = dispatcher.subscribe((event, payload) => {
      const text = JSON.stringify({ event, payload } satisfies RpcServerMessage);
      for (const ws of this.#sockets) ws.send(text);
    });
  }

  /** Listens on 127.0.0.1:`port` (0: the OS picks). Rejects with the listen error (EADDRINUSE, EACCES). */
  static async start(opts: ServeServerOptions): Promise<ServeServer> {
    const token = opts.token ?? randomBytes(32).toString('base64url');
    const files = new StaticFiles(opts.staticDir, (path): Record<string, string> =>
      path.endsWith('.html')
        ? { 'Content-Security-Policy': server.contentSecurityPolicy(opts.connectSources?.() ?? []) }
        : {},
    );
    const http = createServer();
    await new Promise<void>((resolve, reject) => {
      http.once('error', reject);
      http.listen(opts.port ?? 0, '127.0.0.1', () => {
        http.off('error', reject);
        resolve();
      });
    });
    const port = (http.address() as { port: number }).port;
    const server = new ServeServer(http, port, token, opts.dispatcher);
    http.on('request', (req, res) => server.#serveFile(files, req, res));
    http.on('upgrade', (req, socket, head) => server.#upgrade(opts.dispatcher, req, socket, head));
    return server;
  }

  /** The page's own origins: what the gateway and the API accept. */
  get origins(): string[] {
    return [`http://127.0.0.1:${this.port}`, `http://localhost:${this.port}`];
  }

  /** The one URL to open. The token rides in the fragment: never sent in a request, never in a log. */
  get url(): string {
    return `http://127.0.0.1:${this.port}/#token=${this.token}`;
  }

  /**
   * The page's CSP in serve mode: its own origin and API socket (127.0.0.1 and localhost on this port) plus
   * `connectSources`.
   */
  contentSecurityPolicy(connectSources: readonly string[]): string {
    return contentSecurityPolicy([
      "'self'",
      `ws://127.0.0.1:${this.port}`,
      `ws://localhost:${this.port}`,
      ...connectSources,
    ]);
  }

  #serveFile(files: StaticFiles, req: IncomingMessage, res: ServerResponse): void {
    if (!isLoopbackHost(req.headers.host, this.port)) {
      res.writeHead(403, { 'Content-Length': '0' }).end();
      return;
    }
    if (!files.serve(req, res)) res.writeHead(404, { 'Content-Length': '0' }).end();
  }

  #upgrade(dispatcher: ApiDispatcher, req: IncomingMessage, socket: Duplex, head: Buffer): void {
    socket.on('error', () => socket.destroy());
    let url: URL;
    try {
      url = new URL(req.url ?? '/', 'http://127.0.0.1');
    } catch {
      return refuse(socket, 404);
    }
    if (url.pathname !== API_PATH) return refuse(socket, 404);
    if (
      !isLoopbackHost(req.headers.host, this.port) ||
      !isAllowedOrigin(req, this.origins) ||
      !secretMatches(url.searchParams.get('token'), this.token)
    ) {
      return refuse(socket, 403);
    }
    const first = firstCalls(url.searchParams.get('first'));
    this.#wss.handleUpgrade(req, socket, head, (ws) => {
      this.#attach(dispatcher, ws);
      first.forEach((method, i) => answerFirst(dispatcher, ws, i + 1, method));
    });
  }

  #attach(dispatcher: ApiDispatcher, ws: WebSocket): void {
    this.#sockets.add(ws);
    // Opens still in progress for this page: when the page goes (closed,
    // reloaded), they are cancelled, so no question waits for a page that
    // will never answer and no connection is left half-open.
    const opening = new Set<string>();
    ws.on('close', () => {
      this.#sockets.delete(ws);
      for (const openId of opening) void dispatcher.handle({ id: 0, method: 'sessions.cancel', params: [openId] });
      opening.clear();
    });
    ws.on('error', () => ws.terminate());
    ws.on('message', (data: RawData, isBinary: boolean) => {
      if (isBinary) {
        ws.close(1003, 'The API takes text frames only.');
        return;
      }
      const req = parseRpcRequest(data.toString());
      if ('error' in req) {
        if (req.id === null) ws.close(1007, req.error.message);
        else ws.send(JSON.stringify({ id: req.id, ok: false, error: req.error } satisfies RpcServerMessage));
        return;
      }
      const openId =
        req.method === 'sessions.open' || req.method === 'sessions.quickConnect' ? openIdOf(req.params[1]) : undefined;
      if (openId) opening.add(openId);
      void dispatcher.handle(req).then((reply) => {
        if (openId) opening.delete(openId);
        if (ws.readyState === ws.OPEN) ws.send(JSON.stringify(reply));
      });
    });
  }

  /** Closes every API socket at once and stops listening; resolves when the server is closed. */
  async close(): Promise<void> {
    this.#disposeEvents();
    for (const ws of this.#sockets) ws.terminate();
    this.#wss.close();
    this.#http.closeAllConnections();
    await new Promise<void>((resolve) => this.#http.close(() => resolve()));
  }
}

/** The calls named in `first` (comma-separated, at most as many as FIRST_CALLS); each answered, allowed or not. */
function firstCalls(first: string | null): string[] {
  return first ? first.split(',', FIRST_CALLS.length) : [];
}

/** Answers a call named in the socket's address as the reply to request `id`; a call not in FIRST_CALLS is refused. */
function answerFirst(dispatcher: ApiDispatcher, ws: WebSocket, id: number, method: string): void {
  const reply: Promise<RpcServerMessage> = FIRST_CALLS.includes(method)
    ? dispatcher.handle({ id, method, params: [] })
    : Promise.resolve({
        id,
        ok: false,
        error: { code: 'API_BAD_REQUEST', message: "Only the first screen's calls can be asked when connecting." },
      });
  void reply.then((r) => {
    if (ws.readyState === ws.OPEN) ws.send(JSON.stringify(r));
  });
}

function openIdOf(options: unknown): string | undefined {
  const id = typeof options === 'object' && options !== null ? (options as { openId?: unknown }).openId : undefined;
  return typeof id === 'string' && id.length <= 64 ? id : undefined;
}

function refuse(socket: Duplex, status: 403 | 404): void {
  socket.end(
    `HTTP/1.1 ${status} ${status === 403 ? 'Forbidden' : 'Not Found'}\r\nConnection: close\r\nContent-Length: 0\r\n\r\n`,
  );
}
