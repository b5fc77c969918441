// The page's one way to reach main. In the desktop app the preload exposes a
// fixed table (window.hostdeck); in serve mode the same calls travel over the
// loopback API WebSocket. Callers see one typed interface either way.
import type { ApiError, ErrorCode } from '../../../shared/errors.js';
import type { ApiEventName, ApiEvents, ApiMethodName, ApiParams, ApiResult } from '../../../shared/api/contract.js';
import type { RpcServerMessage } from '../../../shared/api/rpc.js';

export class ApiCallError extends Error implements ApiError {
  readonly code: ErrorCode;
  readonly details: Record<string, unknown> | undefined;
  constructor(err: ApiError) {
    super(err.message);
    this.name = 'ApiCallError';
    this.code = err.code;
    this.details = err.details;
  }
}

type Listener<E extends ApiEventName> = (payload: ApiEvents[E]) => void;

export interface ApiClient {
  call<M extends ApiMethodName>(method: M, ...params: ApiParams<M>): Promise<ApiResult<M>>;
  on<E extends ApiEventName>(event: E, listener: Listener<E>): () => void;
}

type DesktopReply = { ok: true; result: unknown } | { ok: false; error: ApiError };

/** What the preload exposes (see preload/index.ts): one function per method. */
interface DesktopBridge {
  api: Readonly<Record<string, (...params: unknown[]) => Promise<DesktopReply>>>;
  onEvent(listener: (event: string, payload: unknown) => void): () => void;
}

export function connectApi(): Promise<ApiClient> {
  return connectAsking([]).api;
}

/** A connection being made, and the answers to the calls asked with it. */
export interface Connecting {
  api: Promise<ApiClient>;
  /** answers[i] settles as the call first[i] does (rejects with ApiCallError). */
  answers: Array<Promise<unknown>>;
}

/**
 * Connects and asks `first` (calls that take no parameters) at once. In serve mode they ride in the socket's address
 * and main answers them as soon as the socket is open (main/serve/serve-server.ts, FIRST_CALLS), before the page has
 * even learnt that it is; in the desktop app they are ordinary calls.
 */
export function connectAsking(first: readonly ApiMethodName[]): Connecting {
  const bridge = (globalThis as { hostdeck?: DesktopBridge }).hostdeck;
  if (bridge?.api) {
    const client = desktopClient(bridge);
    const call = client.call as (method: ApiMethodName) => Promise<unknown>;
    return { api: Promise.resolve(client), answers: first.map((m) => call(m)) };
  }
  return serveClient(first);
}

class EventHub {
  readonly #listeners = new Map<string, Set<(payload: unknown) => void>>();
  on(event: string, listener: (payload: unknown) => void): () => void {
    let set = this.#listeners.get(event);
    if (!set) this.#listeners.set(event, (set = new Set()));
    set.add(listener);
    return () => set.delete(listener);
  }
  emit(event: string, payload: unknown): void {
    for (const l of this.#listeners.get(event) ?? []) l(payload);
  }
}

function desktopClient(bridge: DesktopBridge): ApiClient {
  const hub = new EventHub();
  bridge.onEvent((event, payload) => hub.emit(event, payload));
  return {
    async call(method, ...params) {
      const fn = bridge.api[method];
      if (!fn)
        throw new ApiCallError({
          code: 'API_UNKNOWN_METHOD',
          message: 'This version of Hostdeck cannot do that. Restart the app.',
        });
      const reply = await fn(...params);
      if (!reply.ok) throw new ApiCallError(reply.error);
      return reply.result as never;
    },
    on: (event, listener) => hub.on(event, listener as (p: unknown) => void),
  };
}

const TOKEN_KEY = 'hostdeck.token';

/** The per-launch token: from the URL fragment (the first load; keep it with keepToken), else from this tab's storage. */
function readToken(): { token: string | null; fromUrl: boolean } {
  const match = /(?:^#|&)token=([A-Za-z0-9_-]+)/.exec(location.hash);
  if (match?.[1]) return { token: match[1], fromUrl: true };
  return { token: sessionStorage.getItem(TOKEN_KEY), fromUrl: false };
}

/** Keeps the token for this tab's reloads and takes it out of the address bar (and so out of history and bookmarks). */
function keepToken(token: string): void {
  sessionStorage.setItem(TOKEN_KEY, token);
  history.replaceState(null, '', location.pathname + location.search);
}

function serveClient(first: readonly ApiMethodName[]): Connecting {
  const { token, fromUrl } = readToken();
  if (!token) {
    const noToken = Promise.reject(
      new ApiCallError({
        code: 'API_NO_TOKEN',
        message: 'Open Hostdeck with the full address that `npm run serve` printed (it ends with #token=…).',
      }),
    );
    return { api: noToken, answers: first.map(() => noToken) };
  }
  const hub = new EventHub();
  const pending = new Map<number, { resolve: (v: unknown) => void; reject: (e: Error) => void }>();
  // main answers `first` unasked, as replies 1…n; the page's own calls count on from there.
  const answers = first.map(
    (_, i) => new Promise<unknown>((resolve, reject) => pending.set(i + 1, { resolve, reject })),
  );
  let nextId = first.length + 1;
  const asked = first.length > 0 ? `&first=${first.map(encodeURIComponent).join(',')}` : '';
  const url = `${location.protocol === 'https:' ? 'wss' : 'ws'}://${location.host}/api?token=${encodeURIComponent(token)}${asked}`;
  const ws = new WebSocket(url);
  // After the socket is on its way, not before it.
  if (fromUrl) keepToken(token);
  const failAll = (message: string): void => {
    for (const p of pending.values()) p.reject(new ApiCallError({ code: 'API_DISCONNECTED', message }));
    pending.clear();
  };
  ws.addEventListener('message', (ev: MessageEvent<unknown>) => {
    if (typeof ev.data !== 'string') return;
    let msg: RpcServerMessage;
    try {
      msg = JSON.parse(ev.data) as RpcServerMessage;
    } catch {
      return;
    }
    if (typeof msg.id === 'number') {
      const p = pending.get(msg.id);
      pending.delete(msg.id);
      if (!p) return;
      if (msg.ok) p.resolve(msg.result);
      else p.reject(new ApiCallError(msg.error));
    } else if ('event' in msg && typeof msg.event === 'string') {
      hub.emit(msg.event, msg.payload);
    }
  });
  ws.addEventListener('close', () => {
    failAll('Hostdeck stopped answering. Is `npm run serve` still running? Reload the page after restarting it.');
    hub.emit('api.closed' as ApiEventName, undefined);
  });
  const client: ApiClient = {
    call(method, ...params) {
      if (ws.readyState !== WebSocket.OPEN) {
        return Promise.reject(
          new ApiCallError({ code: 'API_DISCONNECTED', message: 'Hostdeck is not connected. Reload the page.' }),
        );
      }
      const id = nextId++;
      return new Promise((resolve, reject) => {
        pending.set(id, { resolve: resolve as (v: unknown) => void, reject });
        ws.send(JSON.stringify({ id, method, params }));
      });
    },
    on: (event, listener) => hub.on(event, listener as (p: unknown) => void),
  };
  const api = new Promise<ApiClient>((resolve, reject) => {
    ws.addEventListener('open', () => resolve(client), { once: true });
    ws.addEventListener(
      'error',
      () =>
        reject(
          new ApiCallError({
            code: 'API_UNREACHABLE',
            message: 'Could not reach Hostdeck. Start it with `npm run serve` and open the address it prints.',
          }),
        ),
      { once: true },
    );
  });
  return { api, answers };
}
